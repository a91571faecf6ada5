"""The JSON of a measurement list: lengths (mm) and angles (degrees) on polylines, regions (ellipse, circle,
closed polyline) with area (mm²) and mean / standard deviation / minimum / maximum in modality units.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from pypacs.reports.content import Finite, ImageReference, JsonModel, LongString, Point

NonNegative = Annotated[Finite, Field(ge=0)]


class LengthMeasurement(JsonModel):
    kind: Literal["length"] = "length"
    label: LongString | None = None  # the tracking identifier ("Lesion 1")
    image: ImageReference
    points: list[Point] = Field(min_length=2)  # a polyline, (column, row) image pixel coordinates
    length: NonNegative  # millimetres


class AngleMeasurement(JsonModel):
    kind: Literal["angle"] = "angle"
    label: LongString | None = None
    image: ImageReference
    points: list[Point] = Field(min_length=3, max_length=3)  # the vertex in the middle
    angle: Annotated[Finite, Field(ge=0, le=360)]  # degrees


class RegionMeasurement(JsonModel):
    """An ROI: ELLIPSE (major axis ends, minor axis ends), CIRCLE (centre, point on it) or a closed POLYLINE
    (freehand, rectangle: first point repeated last). Statistics in the image's modality units (`unit`, UCUM:
    `[hnsf'U]` for CT by default, else `1`, no unit)."""

    kind: Literal["region"] = "region"
    label: LongString | None = None
    image: ImageReference
    shape: Literal["ELLIPSE", "CIRCLE", "POLYLINE"]
    points: list[Point] = Field(min_length=2)
    area: NonNegative | None = None  # square millimetres
    mean: Finite | None = None
    standard_deviation: NonNegative | None = None
    minimum: Finite | None = None
    maximum: Finite | None = None
    unit: Annotated[str, Field(min_length=1, max_length=16)] | None = None

    @model_validator(mode="after")
    def _shape(self) -> Self:
        wanted = {"ELLIPSE": 4, "CIRCLE": 2}.get(self.shape)
        if wanted is not None and len(self.points) != wanted:
            raise ValueError(f"a {self.shape} has {wanted} points, not {len(self.points)}")
        if self.shape == "POLYLINE" and (len(self.points) < 4 or self.points[0] != self.points[-1]):
            raise ValueError("a region POLYLINE is closed: 3 or more points, the first repeated last")
        if all(getattr(self, name) is None for name in ("area", "mean", "standard_deviation", "minimum", "maximum")):
            raise ValueError("a region needs at least one value: area, mean, standardDeviation, minimum, maximum")
        return self


Measurement = Annotated[LengthMeasurement | AngleMeasurement | RegionMeasurement, Field(discriminator="kind")]


class MeasurementReport(JsonModel):
    """What the viewer sends (POST) and gets back (GET, with the stored object's UIDs)."""

    observer: Annotated[str, Field(max_length=320)] | None = None  # a person name, DICOM PN: Family^Given
    measurements: list[Measurement] = Field(min_length=1)


class StoredMeasurementReport(MeasurementReport):
    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str
    sop_class_uid: str
    created: str | None = None  # ISO 8601 of Content Date/Time
