"""The viewer's documents of a study in the archive: presentation states, measurement reports and key images made
from JSON and stored through Archive.store (the one ingest path), listed and read back as JSON.

Every image a document references is checked to be an instance of the study; no SQL and no paths here. The sop
modules (highdicom: ~1 s and ~20 MB) are imported when a document is first made or read, not by every process that
imports the HTTP app (the DIMSE workers do).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.valuerep import DA, TM

from pypacs.archive.errors import NotFound
from pypacs.archive.retrieve import RetrieveTarget
from pypacs.archive.service import Archive
from pypacs.reports.content import ImageReference, StoredObject
from pypacs.reports.errors import InvalidContent, UnreadableDocument
from pypacs.reports.identity import (
    KEY_OBJECT_SERIES,
    MEASUREMENT_REPORT_SERIES,
    PRESENTATION_STATE_SERIES,
    Equipment,
    NewDocument,
    evidence_header,
    part10_bytes,
)
from pypacs.reports.key_objects.content import KeyImages, StoredKeyImages
from pypacs.reports.measurement_report.content import MeasurementReport, StoredMeasurementReport
from pypacs.reports.presentation_state.content import (
    PresentationState,
    PresentationStateSummary,
    StoredPresentationState,
)

log = logging.getLogger(__name__)


# -- presentation states ----------------------------------------------------------------------------------------
def store_presentation_state(archive: Archive, study: str, series: str, state: PresentationState) -> StoredObject:
    """A GSPS for images of the study (`series`: the series the viewer shows; it must exist)."""
    from pypacs.reports.presentation_state import sop as presentation_state

    instances = _instances_of_series(archive, study, series)
    references = [ImageReference(series_instance_uid=image.series_instance_uid, sop_instance_uid=image.sop_instance_uid)
                  for image in state.images]  # fmt: skip
    references += [reference for annotation in state.annotations for reference in annotation.images]
    images = _headers(archive, study, instances, references)
    for sop, header in images.items():
        if "Rows" not in header or int(header.get("SamplesPerPixel", 1) or 1) != 1:
            raise InvalidContent(f"instance {sop} is not a greyscale image: a GSPS presents greyscale images only")
    completed = presentation_state.complete(state, images)
    document = NewDocument.fresh(PRESENTATION_STATE_SERIES, _equipment(archive))
    return _store(archive, presentation_state.build(completed, images, document))


def presentation_states(archive: Archive, study: str) -> list[PresentationStateSummary]:
    from pypacs.reports.presentation_state import sop as presentation_state

    summaries = []
    for target, ds in _documents(archive, study, {presentation_state.SOP_CLASS}):
        summaries.append(PresentationStateSummary(
            study_instance_uid=study, series_instance_uid=target.series_instance_uid,
            sop_instance_uid=target.sop_instance_uid, label=str(ds.get("ContentLabel", "") or ""),
            description=_text(ds.get("ContentDescription")), creator=_text(ds.get("ContentCreatorName")),
            created=_created(ds, "PresentationCreationDate", "PresentationCreationTime"),
            referenced_series=[str(item.SeriesInstanceUID) for item in ds.get("ReferencedSeriesSequence", [])],
        ))  # fmt: skip
    return summaries


def read_presentation_state(archive: Archive, study: str, sop_instance: str) -> StoredPresentationState:
    from pypacs.reports.presentation_state import sop as presentation_state

    target, ds = _document(archive, study, sop_instance, {presentation_state.SOP_CLASS}, "presentation state")
    state = presentation_state.read(ds)
    created = _created(ds, "PresentationCreationDate", "PresentationCreationTime")
    return StoredPresentationState.model_validate({**dict(state), **_uids(target), "created": created})


# -- measurement reports ----------------------------------------------------------------------------------------
def store_measurement_report(archive: Archive, study: str, series: str, report: MeasurementReport) -> StoredObject:
    from pypacs.reports.measurement_report import sop as measurement_report

    instances = _instances_of_series(archive, study, series)
    images = _headers(archive, study, instances, [measurement.image for measurement in report.measurements])
    completed = measurement_report.complete(report, images)
    document = NewDocument.fresh(MEASUREMENT_REPORT_SERIES, _equipment(archive))
    return _store(archive, measurement_report.build(completed, images, document))


def measurement_reports(archive: Archive, study: str) -> list[StoredMeasurementReport]:
    """Every TID 1500 report of the study that pypacs can read (others are left out, and logged)."""
    from pypacs.reports.measurement_report import sop as measurement_report

    reports = []
    for target, ds in _documents(archive, study, set(measurement_report.READABLE_SOP_CLASSES)):
        try:
            reports.append(_stored_report(target, ds))
        except UnreadableDocument as error:
            log.info("left out of the measurement list: %s", error)
    return reports


def read_measurement_report(archive: Archive, study: str, sop_instance: str) -> StoredMeasurementReport:
    from pypacs.reports.measurement_report import sop as measurement_report

    target, ds = _document(archive, study, sop_instance, set(measurement_report.READABLE_SOP_CLASSES),
                           "measurement report")  # fmt: skip
    return _stored_report(target, ds)


def _stored_report(target: RetrieveTarget, ds: Dataset) -> StoredMeasurementReport:
    from pypacs.reports.measurement_report import sop as measurement_report

    report = measurement_report.read(ds)
    created = _created(ds, "ContentDate", "ContentTime")
    return StoredMeasurementReport.model_validate({**dict(report), **_uids(target), "created": created})


# -- key images -------------------------------------------------------------------------------------------------
def store_key_images(archive: Archive, study: str, selection: KeyImages) -> StoredObject:
    from pypacs.reports.key_objects import sop as key_objects

    instances = {target.sop_instance_uid: target for target in archive.stored_instances(study)}
    images = _headers(archive, study, instances, selection.images)
    document = NewDocument.fresh(KEY_OBJECT_SERIES, _equipment(archive))
    return _store(archive, key_objects.build(selection, images, document))


def key_images(archive: Archive, study: str) -> list[StoredKeyImages]:
    """Every key object selection of the study with the instances it references (unreadable ones logged)."""
    from pypacs.reports.key_objects import sop as key_objects

    selections = []
    for target, ds in _documents(archive, study, {key_objects.SOP_CLASS}):
        try:
            selection = key_objects.read(ds)
        except UnreadableDocument as error:
            log.info("left out of the key images: %s", error)
            continue
        created = _created(ds, "ContentDate", "ContentTime")
        selections.append(StoredKeyImages.model_validate({**dict(selection), **_uids(target), "created": created}))
    return selections


# -- shared -----------------------------------------------------------------------------------------------------
def _equipment(archive: Archive) -> Equipment:
    return Equipment(device_serial_number=archive.settings.ae_title)


def _instances_of_series(archive: Archive, study: str, series: str) -> dict[str, RetrieveTarget]:
    """The study's instances by SOP Instance UID; NotFound when the study, or the series in it, is unknown."""
    instances = {target.sop_instance_uid: target for target in archive.stored_instances(study)}
    if not any(target.series_instance_uid == series for target in instances.values()):
        raise NotFound(f"no series {series} in study {study}")
    return instances


def _headers(archive: Archive, study: str, instances: dict[str, RetrieveTarget],
             references: Iterable[ImageReference]) -> dict[str, Dataset]:  # fmt: skip
    """The header (no pixel data) of each referenced instance, after checking it belongs to the study."""
    headers: dict[str, Dataset] = {}
    for reference in references:
        sop = reference.sop_instance_uid
        target = instances.get(sop)
        if target is None or reference.study_instance_uid not in (None, study):
            raise InvalidContent(f"image {sop} is not an instance of study {study}")
        if reference.series_instance_uid not in (None, target.series_instance_uid):
            raise InvalidContent(f"image {sop} is not in series {reference.series_instance_uid} "
                                 f"(it is in {target.series_instance_uid})")  # fmt: skip
        if reference.sop_class_uid not in (None, target.sop_class_uid):
            raise InvalidContent(f"image {sop} is of SOP class {target.sop_class_uid}, not {reference.sop_class_uid}")
        if sop not in headers:
            headers[sop] = evidence_header(_read(archive, target, pixels=False))
    return headers


def _store(archive: Archive, ds: Dataset) -> StoredObject:
    outcome = archive.store(part10_bytes(ds))
    log.info("stored %s %s in study %s", ds.Modality, outcome.sop_instance_uid, outcome.study_instance_uid)
    return StoredObject(study_instance_uid=outcome.study_instance_uid, series_instance_uid=outcome.series_instance_uid,
                        sop_instance_uid=outcome.sop_instance_uid, sop_class_uid=outcome.sop_class_uid)  # fmt: skip


def _documents(archive: Archive, study: str, sop_classes: set[str]) -> Iterator[tuple[RetrieveTarget, Dataset]]:
    for target in archive.stored_instances(study):
        if target.sop_class_uid in sop_classes:
            yield target, _read(archive, target)


def _document(archive: Archive, study: str, sop_instance: str, sop_classes: set[str],
              kind: str) -> tuple[RetrieveTarget, Dataset]:  # fmt: skip
    for target in archive.stored_instances(study):
        if target.sop_instance_uid == sop_instance:
            if target.sop_class_uid not in sop_classes:
                raise NotFound(f"instance {sop_instance} of study {study} is no {kind}")
            return target, _read(archive, target)
    raise NotFound(f"no {kind} {sop_instance} in study {study}")


def _read(archive: Archive, target: RetrieveTarget, *, pixels: bool = True) -> Dataset:
    with archive.open_instance(target.sop_instance_uid) as stream:
        return dcmread(stream, stop_before_pixels=not pixels)


def _uids(target: RetrieveTarget) -> dict[str, str]:
    return {"study_instance_uid": target.study_instance_uid, "series_instance_uid": target.series_instance_uid,
            "sop_instance_uid": target.sop_instance_uid, "sop_class_uid": target.sop_class_uid}  # fmt: skip


def _created(ds: Dataset, date_keyword: str, time_keyword: str) -> str | None:
    """ISO 8601 date, with its time when there is one (None when the date is missing or not a date)."""
    try:
        day = DA(str(ds.get(date_keyword, "") or "")) if ds.get(date_keyword) else None
        moment = TM(str(ds.get(time_keyword, "") or "")) if ds.get(time_keyword) else None
    except ValueError:
        return None
    if not isinstance(day, date):
        return None
    return datetime.combine(day, moment).isoformat() if isinstance(moment, time) else day.isoformat()


def _text(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None
