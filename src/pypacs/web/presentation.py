"""The viewer's JSON routes under /api: window presets, and a study's presentation states (GSPS), measurement
reports (TID 1500 SR) and key images (KO), made and read back.

Thin: reports/study_documents does the work; this module maps JSON bodies and results to routes.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from pypacs.archive.service import Archive
from pypacs.imaging.window_presets import presets_document
from pypacs.reports import study_documents
from pypacs.reports.content import StoredObject
from pypacs.reports.key_objects.content import KeyImages, StoredKeyImages
from pypacs.reports.measurement_report.content import MeasurementReport, StoredMeasurementReport
from pypacs.reports.presentation_state.content import (
    PresentationState,
    PresentationStateSummary,
    StoredPresentationState,
)

router = APIRouter(tags=["Viewer"])

PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Invalid JSON, or references to instances not in the study (problem+json)"},
    404: {"description": "Unknown study, series or document (problem+json)"},
}
SERIES = "/studies/{study}/series/{series}"


def _archive(request: Request) -> Archive:
    archive: Archive = request.app.state.archive
    return archive


@router.get("/window-presets", summary="Window presets: CT presets with their ranges, as stored, full range")
def window_presets() -> dict[str, Any]:
    """The presets data file (imaging/window_presets.json): key, id, name, kind, modality, width and level ranges
    with their defaults. `window=<id or name>` of the rendered resources applies a preset's defaults."""
    return presets_document()


@router.post(f"{SERIES}/presentation-states", status_code=201, responses=PROBLEMS,
             summary="Store a presentation state (GSPS) for images of the study")  # fmt: skip
def add_presentation_state(request: Request, study: str, series: str, state: PresentationState) -> StoredObject:
    return study_documents.store_presentation_state(_archive(request), study, series, state)


@router.get("/studies/{study}/presentation-states", responses=PROBLEMS,
            summary="The presentation states (GSPS) of a study: UID, label, description, creator, date")  # fmt: skip
def list_presentation_states(request: Request, study: str) -> list[PresentationStateSummary]:
    return study_documents.presentation_states(_archive(request), study)


@router.get("/studies/{study}/presentation-states/{sop}", responses=PROBLEMS,
            summary="A presentation state (any GSPS) as JSON: images, windows, areas, annotations")  # fmt: skip
def get_presentation_state(request: Request, study: str, sop: str) -> StoredPresentationState:
    return study_documents.read_presentation_state(_archive(request), study, sop)


@router.post(f"{SERIES}/measurements", status_code=201, responses=PROBLEMS,
             summary="Store measurements as a TID 1500 Measurement Report (SR)")  # fmt: skip
def add_measurements(request: Request, study: str, series: str, report: MeasurementReport) -> StoredObject:
    return study_documents.store_measurement_report(_archive(request), study, series, report)


@router.get("/studies/{study}/measurements", responses=PROBLEMS,
            summary="The measurement reports (TID 1500) of a study, each with its measurements")  # fmt: skip
def list_measurements(request: Request, study: str) -> list[StoredMeasurementReport]:
    return study_documents.measurement_reports(_archive(request), study)


@router.get("/studies/{study}/measurements/{sop}", responses=PROBLEMS,
            summary="One measurement report (TID 1500) as JSON")  # fmt: skip
def get_measurements(request: Request, study: str, sop: str) -> StoredMeasurementReport:
    return study_documents.read_measurement_report(_archive(request), study, sop)


@router.post("/studies/{study}/key-images", status_code=201, responses=PROBLEMS,
             summary="Store key images as a Key Object Selection document (KO)")  # fmt: skip
def add_key_images(request: Request, study: str, selection: KeyImages) -> StoredObject:
    return study_documents.store_key_images(_archive(request), study, selection)


@router.get("/studies/{study}/key-images", responses=PROBLEMS,
            summary="The key object selections (KO) of a study with the instances each references")  # fmt: skip
def list_key_images(request: Request, study: str) -> list[StoredKeyImages]:
    return study_documents.key_images(_archive(request), study)
