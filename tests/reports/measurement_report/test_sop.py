"""TID 1500 measurement reports from the viewer's measurements and back: values, units and SCOORDs survive."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from pydantic import ValidationError
from pydicom import dcmread
from pydicom.dataset import Dataset

from pypacs.reports.errors import UnreadableDocument
from pypacs.reports.identity import Equipment, NewDocument, part10_bytes
from pypacs.reports.measurement_report import sop
from pypacs.reports.measurement_report.content import MeasurementReport
from tests.reports.images import by_sop, image_series


def stored_and_read(report: MeasurementReport, images: dict[str, Dataset]) -> tuple[Dataset, MeasurementReport]:
    ds = sop.build(sop.complete(report, images), images, NewDocument.fresh(9902, Equipment()))
    stored = dcmread(BytesIO(part10_bytes(ds)))
    return stored, sop.read(stored)


def measurements(images: list[Dataset]) -> list[dict[str, Any]]:
    first, second = (str(image.SOPInstanceUID) for image in images[:2])
    return [
        {"kind": "length", "label": "Lesion 1", "image": {"sopInstanceUID": first},
         "points": [[10.5, 12.25], [30.1, 40.0]], "length": 17.123456789},
        {"kind": "angle", "image": {"sopInstanceUID": first}, "points": [[1, 1], [10, 10], [20, 1]], "angle": 90.0},
        {"kind": "region", "label": "Liver ROI", "image": {"sopInstanceUID": second}, "shape": "ELLIPSE",
         "points": [[10, 20], [30, 20], [20, 15], [20, 25]], "area": 78.54, "mean": 52.5,
         "standardDeviation": 11.25, "minimum": -3, "maximum": 120},
        {"kind": "region", "image": {"sopInstanceUID": second}, "shape": "POLYLINE",
         "points": [[1, 1], [9, 1], [9, 9], [1, 9], [1, 1]], "area": 16.0},
    ]  # fmt: skip


def units(ds: Dataset) -> dict[str, str]:
    """Concept meaning -> UCUM unit of every NUM content item in the document."""
    found: dict[str, str] = {}

    def walk(items: Any) -> None:
        for item in items:
            if item.ValueType == "NUM":
                value = item.MeasuredValueSequence[0]
                found[item.ConceptNameCodeSequence[0].CodeMeaning] = value.MeasurementUnitsCodeSequence[0].CodeValue
            walk(item.get("ContentSequence", []))

    walk(ds.ContentSequence)
    return found


def test_measurements_to_sr_to_json_are_the_same_with_values_and_units():
    images = image_series(2)
    report = MeasurementReport.model_validate({"observer": "Doe^Jane", "measurements": measurements(images)})
    stored, read = stored_and_read(report, by_sop(images))
    assert read == sop.complete(report, by_sop(images))
    length, angle, region, polygon = read.measurements
    assert length.length == pytest.approx(17.123456789, rel=1e-12)  # type: ignore[union-attr]
    assert length.points == [(10.5, 12.25), (30.1, 40.0)] and length.label == "Lesion 1"
    assert length.image.series_instance_uid == images[0].SeriesInstanceUID
    assert angle.angle == 90.0 and region.unit == "[hnsf'U]"  # type: ignore[union-attr]
    assert (region.mean, region.standard_deviation, region.minimum, region.maximum) == (52.5, 11.25, -3, 120)  # type: ignore[union-attr]
    assert polygon.area == 16.0 and polygon.unit is None  # type: ignore[union-attr]
    hu = "[hnsf'U]"
    assert units(stored) == {"Length": "mm", "Angle": "deg", "Area": "mm2", "Mean": hu, "Standard Deviation": hu,
                             "Minimum": hu, "Maximum": hu}  # fmt: skip
    assert stored.SOPClassUID == sop.SOP_CLASS and stored.Modality == "SR" and read.observer == "Doe^Jane"
    assert stored.ContentTemplateSequence[0].TemplateIdentifier == "1500"


def test_statistics_of_an_image_other_than_ct_have_no_unit_unless_given():
    images = image_series(1, Modality="MR")
    sop_uid = str(images[0].SOPInstanceUID)
    region = {"kind": "region", "image": {"sopInstanceUID": sop_uid}, "shape": "CIRCLE", "points": [[20, 20], [25, 20]],
              "mean": 310.0}  # fmt: skip
    report = MeasurementReport.model_validate({"measurements": [region, {**region, "unit": "ms"}]})
    stored, read = stored_and_read(report, by_sop(images))
    assert [m.unit for m in read.measurements] == ["1", "ms"]  # type: ignore[union-attr]
    assert read.observer is None  # made by a device, pypacs


@pytest.mark.parametrize(
    ("measurement", "message"),
    [
        ({"kind": "length", "points": [[1, 1]], "length": 1}, "at least 2"),
        ({"kind": "length", "points": [[1, 1], [2, 2]], "length": -1}, "greater than or equal"),
        ({"kind": "region", "shape": "ELLIPSE", "points": [[1, 1], [2, 2]], "area": 1}, "ELLIPSE has 4"),
        ({"kind": "region", "shape": "POLYLINE", "points": [[1, 1], [2, 2], [3, 1], [4, 4]], "area": 1}, "closed"),
        ({"kind": "region", "shape": "CIRCLE", "points": [[1, 1], [2, 2]]}, "at least one value"),
        ({"kind": "volume", "points": [[1, 1]]}, "kind"),
    ],
)
def test_malformed_measurements_are_refused(measurement, message):
    with pytest.raises(ValidationError, match=message):
        MeasurementReport.model_validate({"measurements": [{"image": {"sopInstanceUID": "1.2.3"}, **measurement}]})


def test_other_documents_are_unreadable():
    with pytest.raises(UnreadableDocument):
        sop.read(image_series(1)[0])
