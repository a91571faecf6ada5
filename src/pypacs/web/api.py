"""The REST API for people and scripts: study listing and study download now; AEs, worklist and statistics
come later.

Routes build archive queries and shape their results as plain JSON; no SQL here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydicom.dataset import Dataset
from pydicom.valuerep import PersonName

from pypacs.dicom.levels import Level

router = APIRouter()

STUDY_LISTING_KEYS = (
    "PatientName",
    "PatientID",
    "PatientBirthDate",
    "PatientSex",
    "StudyInstanceUID",
    "StudyDate",
    "StudyTime",
    "AccessionNumber",
    "StudyDescription",
    "ModalitiesInStudy",
    "NumberOfStudyRelatedSeries",
    "NumberOfStudyRelatedInstances",
)


def _plain(value: Any) -> Any:
    if isinstance(value, PersonName):
        return str(value)
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return [_plain(item) for item in value]
    if value is None or value == "":
        return None
    return value if isinstance(value, (int, float)) else str(value)


@router.get("/studies", summary="List studies, newest first received last; filter like C-FIND")
def list_studies(
    request: Request,
    patient_name: Annotated[str, Query(alias="PatientName", description="PN, wildcards * and ? allowed")] = "",
    patient_id: Annotated[str, Query(alias="PatientID")] = "",
    study_date: Annotated[str, Query(alias="StudyDate", description="YYYYMMDD or a range a-b, a-, -b")] = "",
    modality: Annotated[str, Query(alias="ModalitiesInStudy")] = "",
    limit: Annotated[int, Query(ge=1, le=10000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    identifier = Dataset()
    for keyword in STUDY_LISTING_KEYS:
        setattr(identifier, keyword, "")
    identifier.PatientName = patient_name
    identifier.PatientID = patient_id
    identifier.StudyDate = study_date
    identifier.ModalitiesInStudy = modality
    archive = request.app.state.archive
    results = archive.find(Level.STUDY, identifier, limit=limit, offset=offset)
    return [{keyword: _plain(found.get(keyword)) for keyword in STUDY_LISTING_KEYS} for found in results]


@router.get(
    "/studies/{study}/archive",
    summary="Download a study: its stored DICOM files as a zip, streamed",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}, "description": "series-NNNN/NNNNN.dcm members"}},
)
def study_archive(request: Request, study: str) -> StreamingResponse:
    name, chunks = request.app.state.archive.study_zip(study)
    disposition = f'attachment; filename="{name}.zip"'
    return StreamingResponse(chunks, media_type="application/zip", headers={"Content-Disposition": disposition})
