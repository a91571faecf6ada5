"""A TID 1500 Measurement Report (Comprehensive 3D SR) built with highdicom from the viewer's measurements, and
read back: lengths and angles as image measurement groups (TID 1501) whose values are INFERRED FROM a SCOORD
polyline, regions as planar ROI groups (TID 1410) with their SCOORD. Datasets in and out: no archive here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import highdicom as hd
import numpy as np
from pydantic import ValidationError
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code
from pydicom.uid import Comprehensive3DSRStorage, ComprehensiveSRStorage, EnhancedSRStorage, generate_uid

from pypacs.reports.content import ImageReference, float32_decimal
from pypacs.reports.errors import InvalidContent, UnreadableDocument
from pypacs.reports.identity import NewDocument
from pypacs.reports.measurement_report.content import (
    AngleMeasurement,
    LengthMeasurement,
    Measurement,
    MeasurementReport,
    RegionMeasurement,
)

SOP_CLASS = Comprehensive3DSRStorage
READABLE_SOP_CLASSES = (Comprehensive3DSRStorage, ComprehensiveSRStorage, EnhancedSRStorage)

LENGTH, ANGLE, AREA = codes.SCT.Length, codes.SCT.Angle, codes.SCT.Area
STATISTICS = {  # JSON name: concept
    "mean": codes.SCT.Mean,
    "standard_deviation": codes.SCT.StandardDeviation,
    "minimum": codes.SCT.Minimum,
    "maximum": codes.SCT.Maximum,
}
UNIT_MEANINGS = {"[hnsf'U]": "Hounsfield unit", "1": "no units", "mm": "millimeter", "mm2": "square millimeter",
                 "deg": "degree"}  # fmt: skip
IMAGING_PROCEDURE = Code("363679005", "SCT", "Imaging procedure")


def complete(report: MeasurementReport, images: Mapping[str, Dataset]) -> MeasurementReport:
    """The report with what it leaves out filled in: each image's series, the unit of region statistics (HU for CT,
    else `1`) and labels ("Length 1": a tracking identifier is required). What build() stores and read() gives
    back."""
    measurements = []
    for number, measurement in enumerate(report.measurements, start=1):
        header = images.get(measurement.image.sop_instance_uid)
        if header is None:
            raise InvalidContent(f"image {measurement.image.sop_instance_uid} is not among the report's images")
        update: dict[str, object] = {"image": measurement.image.model_copy(update={
            "series_instance_uid": str(header.SeriesInstanceUID), "study_instance_uid": None, "sop_class_uid": None}),
            "label": measurement.label or f"{measurement.kind.capitalize()} {number}"}
        if isinstance(measurement, RegionMeasurement) and measurement.unit is None and _has_statistics(measurement):
            update["unit"] = "[hnsf'U]" if str(header.get("Modality", "")) == "CT" else "1"
        measurements.append(measurement.model_copy(update=update))
    return report.model_copy(update={"measurements": measurements})


def _has_statistics(region: RegionMeasurement) -> bool:
    return any(getattr(region, name) is not None for name in STATISTICS)


def build(report: MeasurementReport, images: Mapping[str, Dataset], document: NewDocument) -> Dataset:
    """The SR for a report whose images are all in `images` (headers by SOP Instance UID)."""
    try:
        groups = [_group(measurement, images) for measurement in report.measurements]
        observer = (
            hd.sr.ObserverContext(observer_type=codes.DCM.Person,
                                  observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(
                                      name=report.observer))  # fmt: skip
            if report.observer
            else hd.sr.ObserverContext(observer_type=codes.DCM.Device,
                                       observer_identifying_attributes=hd.sr.DeviceObserverIdentifyingAttributes(
                                           uid=generate_uid(entropy_srcs=[document.equipment.device_serial_number]),
                                           name=document.equipment.model_name))  # fmt: skip
        )
        context = (hd.sr.ObservationContext(observer_person_context=observer) if report.observer
                   else hd.sr.ObservationContext(observer_device_context=observer))  # fmt: skip
        content = hd.sr.MeasurementReport(observation_context=context, procedure_reported=IMAGING_PROCEDURE,
                                          imaging_measurements=groups)  # fmt: skip
        evidence = list({sop: images[sop] for sop in (m.image.sop_instance_uid for m in report.measurements)}.values())
        return hd.sr.Comprehensive3DSR(
            evidence=evidence,
            content=content[0],
            series_instance_uid=document.series_instance_uid,
            series_number=document.series_number,
            sop_instance_uid=document.sop_instance_uid,
            instance_number=document.instance_number,
            manufacturer=document.equipment.manufacturer,
            series_description="Measurements",
        )
    except (ValueError, TypeError) as error:
        raise InvalidContent(f"measurement report: {error}") from error


def _group(measurement: Measurement, images: Mapping[str, Dataset]) -> Any:
    header = images[measurement.image.sop_instance_uid]
    frames = [measurement.image.frame_number] if measurement.image.frame_number else None
    source = hd.sr.SourceImageForRegion(header.SOPClassUID, header.SOPInstanceUID, referenced_frame_numbers=frames)
    tracking = hd.sr.TrackingIdentifier(uid=generate_uid(), identifier=measurement.label)
    points = np.array(measurement.points, dtype=np.float64)
    if isinstance(measurement, RegionMeasurement):
        region = hd.sr.ImageRegion(measurement.shape, points, source)
        unit = measurement.unit or "1"
        values = [(AREA, measurement.area, "mm2")] + [
            (concept, getattr(measurement, name), unit) for name, concept in STATISTICS.items()
        ]
        return hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
            tracking_identifier=tracking, referenced_region=region,
            measurements=[_measurement(concept, value, code) for concept, value, code in values if value is not None],
        )  # fmt: skip
    concept, value, unit = (
        (LENGTH, measurement.length, "mm") if isinstance(measurement, LengthMeasurement)
        else (ANGLE, measurement.angle, "deg")
    )  # fmt: skip
    coordinates = hd.sr.CoordinatesForMeasurement("POLYLINE", points, source)
    return hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=tracking,
        measurements=[_measurement(concept, value, unit, [coordinates])],
    )


def _measurement(concept: Code, value: float, unit: str, coordinates: list[Any] | None = None) -> hd.sr.Measurement:
    return hd.sr.Measurement(name=concept, value=value, unit=Code(unit, "UCUM", UNIT_MEANINGS.get(unit, unit)),
                             referenced_coordinates=coordinates)  # fmt: skip


# -- reading ----------------------------------------------------------------------------------------------------
def read(ds: Dataset) -> MeasurementReport:
    """A TID 1500 report's lengths, angles and regions (other groups and values are left out), each image's series
    found in the evidence the report lists."""
    if str(ds.get("SOPClassUID", "")) not in READABLE_SOP_CLASSES:
        raise UnreadableDocument(f"{ds.get('SOPInstanceUID', 'the object')} is not a comprehensive or enhanced SR")
    try:
        sr = hd.sr.Comprehensive3DSR.from_dataset(ds, copy=True) if str(ds.SOPClassUID) == SOP_CLASS else (
            hd.sr.ComprehensiveSR.from_dataset(ds, copy=True) if str(ds.SOPClassUID) == ComprehensiveSRStorage
            else hd.sr.EnhancedSR.from_dataset(ds, copy=True))  # fmt: skip
        content = sr.content
        if not isinstance(content, hd.sr.MeasurementReport):
            raise UnreadableDocument(f"{ds.SOPInstanceUID} is no TID 1500 measurement report")
        measurements: list[Measurement] = []
        for group in content.get_image_measurement_groups():
            measurements.extend(_read_line_measurements(group))
        for roi_group in content.get_planar_roi_measurement_groups():
            region = _read_region(roi_group)
            if region is not None:
                measurements.append(region)
        series_of = {str(image.ReferencedSOPInstanceUID): str(series.SeriesInstanceUID)
                     for study in ds.get("CurrentRequestedProcedureEvidenceSequence", [])
                     for series in study.get("ReferencedSeriesSequence", [])
                     for image in series.get("ReferencedSOPSequence", [])}  # fmt: skip
        measurements = [m.model_copy(update={"image": m.image.model_copy(update={
            "series_instance_uid": series_of.get(m.image.sop_instance_uid)})}) for m in measurements]  # fmt: skip
        observers = content.get_observer_contexts(observer_type=codes.DCM.Person)
        observer = str(observers[0].observer_identifying_attributes[0].value) if observers else None
        return MeasurementReport(observer=observer, measurements=measurements)
    except (ValidationError, AttributeError, KeyError, IndexError, TypeError, ValueError) as error:
        raise UnreadableDocument(f"measurement report {ds.get('SOPInstanceUID', '')}: {error}") from error


def _read_line_measurements(group: hd.sr.MeasurementsAndQualitativeEvaluations) -> list[Measurement]:
    found: list[Measurement] = []
    for measurement in group.get_measurements():
        if not measurement.referenced_coordinates:
            continue
        scoord = measurement.referenced_coordinates[0]
        image, points = _source(scoord), _points(scoord.value)
        if measurement.name == LENGTH:
            found.append(LengthMeasurement(label=group.tracking_identifier, image=image, points=points,
                                           length=float(measurement.value)))  # fmt: skip
        elif measurement.name == ANGLE:
            found.append(AngleMeasurement(label=group.tracking_identifier, image=image, points=points,
                                          angle=float(measurement.value)))  # fmt: skip
    return found


def _read_region(group: hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations) -> RegionMeasurement | None:
    region = group.roi
    if region is None or region.graphic_type.value not in ("ELLIPSE", "CIRCLE", "POLYLINE"):
        return None
    values: dict[str, float] = {}
    unit = None
    for measurement in group.get_measurements():
        if measurement.name == AREA:
            values["area"] = float(measurement.value)
        for name, concept in STATISTICS.items():
            if measurement.name == concept:
                values[name] = float(measurement.value)
                unit = str(measurement.unit.value)
    if not values:
        return None
    return RegionMeasurement(label=group.tracking_identifier, image=_source(region), shape=region.graphic_type.value,
                             points=_points(region.value), unit=unit, **values)  # type: ignore[arg-type]  # fmt: skip


def _points(data: Any) -> list[tuple[float, float]]:
    return [(float32_decimal(point[0]), float32_decimal(point[1])) for point in data]


def _source(scoord: Dataset) -> ImageReference:
    """The image a SCOORD is SELECTED FROM."""
    reference = scoord.ContentSequence[0].ReferencedSOPSequence[0]
    frames = reference.get("ReferencedFrameNumber")
    return ImageReference(sop_instance_uid=str(reference.ReferencedSOPInstanceUID),
                          frame_number=int(frames[0] if isinstance(frames, list) else frames) if frames else None)
