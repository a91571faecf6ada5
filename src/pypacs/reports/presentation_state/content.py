"""The JSON a viewer sends and gets back for a presentation state: images with their window and displayed area,
graphic layers, annotations (graphics and texts in image pixel coordinates), rotation and flip.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, model_validator

from pypacs.reports.content import Finite, ImageReference, JsonModel, LongString, Point, Uid
from pypacs.reports.presentation_state.enum import (
    POINT_COUNTS,
    AnnotationUnits,
    GraphicType,
    Justification,
    PresentationSizeMode,
    Rotation,
    VOIFunction,
)

CodeString = Annotated[str, Field(min_length=1, max_length=16)]


class Graphic(JsonModel):
    """A graphic object: POINT (1 point), POLYLINE / INTERPOLATED (2 or more; lengths, angles, freehand, arrows),
    CIRCLE (centre, point on it), ELLIPSE (major axis ends, minor axis ends)."""

    type: GraphicType
    points: list[Point] = Field(min_length=1)
    filled: bool = False
    units: AnnotationUnits = "PIXEL"

    @model_validator(mode="after")
    def _point_count(self) -> Self:
        least, most = POINT_COUNTS[self.type]
        if len(self.points) < least or most is not None and len(self.points) > most:
            wanted = f"{least}" if least == most else f"at least {least}"
            raise ValueError(f"a {self.type} has {wanted} point(s), not {len(self.points)}")
        return self


class Text(JsonModel):
    """A text object, placed by an anchor point (with or without a line to it), a bounding box, or both."""

    text: Annotated[str, Field(min_length=1, max_length=1024)]
    anchor: Point | None = None
    anchor_visible: bool = True
    box: tuple[Finite, Finite, Finite, Finite] | None = None  # left, top, right, bottom
    justification: Justification = "CENTER"  # of the text in its box
    units: AnnotationUnits = "PIXEL"

    @model_validator(mode="after")
    def _placed(self) -> Self:
        if self.anchor is None and self.box is None:
            raise ValueError("a text needs an anchor, a box, or both")
        return self


class Layer(JsonModel):
    name: CodeString  # upper case letters, digits, space and underscore (DICOM CS)
    order: int = Field(ge=0, le=2**31 - 1)
    description: LongString | None = None


class Annotation(JsonModel):
    """Graphics and texts drawn on a layer over some images (none listed: all the presentation state's images)."""

    layer: CodeString
    images: list[ImageReference] = Field(default_factory=list)
    graphics: list[Graphic] = Field(default_factory=list)
    texts: list[Text] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.graphics and not self.texts:
            raise ValueError("an annotation needs at least one graphic or text")
        return self


class Window(JsonModel):
    center: Finite
    width: Annotated[Finite, Field(gt=0)]
    function: VOIFunction = "LINEAR"
    explanation: LongString | None = None


class DisplayedArea(JsonModel):
    """The part of the image shown (pixel columns and rows from 1\\1, may reach beyond the image) and how it is
    sized: SCALE TO FIT the viewport, TRUE SIZE (needs pixelSpacing), MAGNIFY (needs magnification)."""

    top_left: tuple[int, int]  # (column, row)
    bottom_right: tuple[int, int]
    size_mode: PresentationSizeMode = "SCALE TO FIT"
    pixel_spacing: tuple[Annotated[Finite, Field(gt=0)], Annotated[Finite, Field(gt=0)]] | None = None  # row, column
    pixel_aspect_ratio: tuple[Annotated[int, Field(gt=0)], Annotated[int, Field(gt=0)]] | None = None  # row, column
    magnification: Annotated[Finite, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.bottom_right[0] <= self.top_left[0] or self.bottom_right[1] <= self.top_left[1]:
            raise ValueError("bottomRight must lie right of and below topLeft")
        if self.size_mode == "TRUE SIZE" and self.pixel_spacing is None:
            raise ValueError("TRUE SIZE needs pixelSpacing")
        if self.size_mode == "MAGNIFY" and self.magnification is None:
            raise ValueError("MAGNIFY needs magnification")
        if self.pixel_spacing is None and self.pixel_aspect_ratio is None:
            self.pixel_aspect_ratio = (1, 1)
        return self


class PresentedImage(JsonModel):
    """An image the presentation state applies to, with its window and displayed area (when left out: the
    image's own window, and the whole image scaled to fit)."""

    series_instance_uid: Uid | None = None
    sop_instance_uid: Uid
    window: Window | None = None
    displayed_area: DisplayedArea | None = None


class PresentationState(JsonModel):
    """What the viewer sends (POST) and gets back (GET, with the stored object's UIDs)."""

    label: CodeString = "PYPACS"  # Content Label: upper case letters, digits, space, underscore
    description: LongString | None = None
    creator: Annotated[str, Field(max_length=320)] | None = None  # a person name, DICOM PN: Family^Given
    images: list[PresentedImage] = Field(min_length=1)
    layers: list[Layer] = Field(default_factory=list)
    annotations: list[Annotation] = Field(default_factory=list)
    rotation: Rotation = 0
    flip: bool = False  # horizontal, after the rotation (PS3.3 C.10.6)

    @model_validator(mode="after")
    def _layers_and_images(self) -> Self:
        names = [layer.name for layer in self.layers]
        if len(names) != len(set(names)):
            raise ValueError("two layers have the same name")
        order = max((layer.order for layer in self.layers), default=0)
        for annotation in self.annotations:
            if annotation.layer not in names:  # a layer used and not described: drawn after those described
                order += 1
                names.append(annotation.layer)
                self.layers.append(Layer(name=annotation.layer, order=order))
        sops = [image.sop_instance_uid for image in self.images]
        if len(sops) != len(set(sops)):
            raise ValueError("an image is listed twice in images")
        return self


class StoredPresentationState(PresentationState):
    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str
    sop_class_uid: str
    created: str | None = None  # ISO 8601 date[Ttime] of Presentation Creation Date/Time


class PresentationStateSummary(JsonModel):
    """One line of a study's list of presentation states."""

    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str
    label: str
    description: str | None = None
    creator: str | None = None
    created: str | None = None
    referenced_series: list[str]
