"""A Grayscale Softcopy Presentation State built with highdicom from the viewer's JSON, and any stored GSPS
(pypacs's, highdicom's, DCMTK dcmpsmk's…) read back into that JSON. Datasets in and out: no archive here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import highdicom as hd
import numpy as np
from pydantic import ValidationError
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.uid import GrayscaleSoftcopyPresentationStateStorage

from pypacs.imaging.voi import window_from_dataset
from pypacs.reports.content import ImageReference, float32_decimal
from pypacs.reports.errors import InvalidContent, UnreadableDocument
from pypacs.reports.identity import NewDocument
from pypacs.reports.presentation_state.content import (
    Annotation,
    DisplayedArea,
    Graphic,
    Layer,
    PresentationState,
    PresentedImage,
    Text,
    Window,
)

SOP_CLASS = GrayscaleSoftcopyPresentationStateStorage


def complete(state: PresentationState, images: Mapping[str, Dataset]) -> PresentationState:
    """The state with what it leaves to the images filled in: each image's series, window (its own) and displayed
    area (all of it, scaled to fit), and each annotation's images (all, when none are listed). `images`: the
    headers of the referenced images by SOP Instance UID. What build() stores and read() gives back."""
    presented = [_completed_image(image, _header(images, image.sop_instance_uid)) for image in state.images]
    all_images = [ImageReference(series_instance_uid=image.series_instance_uid,
                                 sop_instance_uid=image.sop_instance_uid) for image in presented]  # fmt: skip
    annotations = [
        annotation.model_copy(update={"images": [_completed_reference(reference, images)
                                                 for reference in annotation.images] or all_images})  # fmt: skip
        for annotation in state.annotations
    ]
    return state.model_copy(update={"images": presented, "annotations": annotations})


def build(state: PresentationState, images: Mapping[str, Dataset], document: NewDocument) -> Dataset:
    """The GSPS for a completed state (see complete()). InvalidContent names what the standard refuses."""
    headers = [_header(images, image.sop_instance_uid) for image in state.images]
    equipment = document.equipment
    try:
        gsps = hd.pr.GrayscaleSoftcopyPresentationState(
            referenced_images=headers,
            series_instance_uid=document.series_instance_uid,
            series_number=document.series_number,
            sop_instance_uid=document.sop_instance_uid,
            instance_number=document.instance_number,
            manufacturer=equipment.manufacturer,
            manufacturer_model_name=equipment.model_name,
            software_versions=equipment.software_versions,
            device_serial_number=equipment.device_serial_number,
            content_label=state.label,
            content_description=state.description,
            content_creator_name=state.creator,
            graphic_layers=[_layer(layer) for layer in state.layers] or None,
            graphic_annotations=[_annotation(annotation, images) for annotation in state.annotations] or None,
            voi_lut_transformations=_windows(state.images, images) or None,
        )
    except (ValueError, TypeError) as error:
        raise InvalidContent(f"presentation state: {error}") from error
    gsps.DisplayedAreaSelectionSequence = _displayed_areas(state.images, images)
    if state.rotation or state.flip:  # the Spatial Transformation module, present when it transforms
        gsps.ImageRotation = state.rotation
        gsps.ImageHorizontalFlip = "Y" if state.flip else "N"
    return gsps


def _header(images: Mapping[str, Dataset], sop_instance_uid: str) -> Dataset:
    header = images.get(sop_instance_uid)
    if header is None:
        raise InvalidContent(f"image {sop_instance_uid} is not among the presentation state's images")
    return header


def _completed_image(image: PresentedImage, header: Dataset) -> PresentedImage:
    window = image.window
    if window is None and (own := window_from_dataset(header)) is not None:
        window = Window(center=own.center, width=own.width, function=own.function)
    area = image.displayed_area or DisplayedArea(top_left=(1, 1), bottom_right=(int(header.Columns), int(header.Rows)))
    return image.model_copy(update={"series_instance_uid": str(header.SeriesInstanceUID), "window": window,
                                    "displayed_area": area})  # fmt: skip


def _completed_reference(reference: ImageReference, images: Mapping[str, Dataset]) -> ImageReference:
    header = _header(images, reference.sop_instance_uid)
    frames = int(header.get("NumberOfFrames") or 1)
    if reference.frame_number is not None and ("NumberOfFrames" not in header or reference.frame_number > frames):
        raise InvalidContent(f"image {reference.sop_instance_uid} has no frame {reference.frame_number} "
                             f"(frameNumber is for multi-frame images; this one has {frames})")  # fmt: skip
    return reference.model_copy(update={"series_instance_uid": str(header.SeriesInstanceUID),
                                        "study_instance_uid": None, "sop_class_uid": None})  # fmt: skip


def _layer(layer: Layer) -> hd.pr.GraphicLayer:
    return hd.pr.GraphicLayer(layer_name=layer.name, order=layer.order, description=layer.description)


def _annotation(annotation: Annotation, images: Mapping[str, Dataset]) -> hd.pr.GraphicAnnotation:
    seen: dict[str, Dataset] = {}
    frames: list[int] = []
    for reference in annotation.images:
        seen.setdefault(reference.sop_instance_uid, _header(images, reference.sop_instance_uid))
        if reference.frame_number is not None:
            frames.append(reference.frame_number)
    if frames and len(seen) > 1:
        raise InvalidContent("an annotation on frames of a multi-frame image references that image alone")
    return hd.pr.GraphicAnnotation(
        referenced_images=list(seen.values()),
        graphic_layer=hd.pr.GraphicLayer(layer_name=annotation.layer, order=0),
        referenced_frame_number=(frames[0] if len(frames) == 1 else frames) if frames else None,
        graphic_objects=[_graphic(graphic) for graphic in annotation.graphics] or None,
        text_objects=[_text(text) for text in annotation.texts] or None,
    )


def _graphic(graphic: Graphic) -> hd.pr.GraphicObject:
    return hd.pr.GraphicObject(
        graphic_type=graphic.type,
        graphic_data=np.array(graphic.points, dtype=np.float64),
        units=graphic.units,
        is_filled=graphic.filled,
    )


def _text(text: Text) -> hd.pr.TextObject:
    return hd.pr.TextObject(
        text_value=text.text,
        units=text.units,
        bounding_box=text.box,
        anchor_point=text.anchor,
        text_justification=text.justification,
        anchor_point_visible=text.anchor_visible,
    )


def _groups(images: list[PresentedImage], key: str) -> dict[str, tuple[Any, list[str]]]:
    """Images by equal value of `key` (window, displayed area): one item per value in the GSPS."""
    groups: dict[str, tuple[Any, list[str]]] = {}
    for image in images:
        value = getattr(image, key)
        if value is not None:
            groups.setdefault(value.model_dump_json(), (value, []))[1].append(image.sop_instance_uid)
    return groups


def _windows(presented: list[PresentedImage],
             images: Mapping[str, Dataset]) -> list[hd.pr.SoftcopyVOILUTTransformation]:
    groups = _groups(presented, "window")
    covers_all = len(groups) == 1 and all(image.window is not None for image in presented)
    return [
        hd.pr.SoftcopyVOILUTTransformation(
            # one-value lists: highdicom 0.28 spells a lone explanation string character by character
            window_center=[window.center],
            window_width=[window.width],
            window_explanation=[window.explanation] if window.explanation else None,
            voi_lut_function=window.function,
            referenced_images=None if covers_all else hd.ReferencedImageSequence([images[sop] for sop in sops]),
        )
        for window, sops in groups.values()
    ]


def _displayed_areas(presented: list[PresentedImage], images: Mapping[str, Dataset]) -> list[Dataset]:
    groups = _groups(presented, "displayed_area")
    items = []
    for area, sops in groups.values():
        item = Dataset()
        if len(groups) > 1:
            item.ReferencedImageSequence = hd.ReferencedImageSequence([images[sop] for sop in sops])
        item.DisplayedAreaTopLeftHandCorner = list(area.top_left)
        item.DisplayedAreaBottomRightHandCorner = list(area.bottom_right)
        item.PresentationSizeMode = area.size_mode
        if area.pixel_spacing is not None:
            item.PresentationPixelSpacing = list(area.pixel_spacing)
        if area.pixel_aspect_ratio is not None:
            item.PresentationPixelAspectRatio = list(area.pixel_aspect_ratio)
        if area.magnification is not None:
            item.PresentationPixelMagnificationRatio = area.magnification
        items.append(item)
    return items


# -- reading ----------------------------------------------------------------------------------------------------
def read(ds: Dataset) -> PresentationState:
    """Any GSPS as the viewer's JSON: its images (with window and displayed area), layers, annotations, rotation and
    flip. UnreadableDocument when it is no GSPS or breaks the standard's rules."""
    if str(ds.get("SOPClassUID", "")) != SOP_CLASS:
        raise UnreadableDocument(f"{ds.get('SOPInstanceUID', 'the object')} is not a grayscale presentation state")
    try:
        series_of = {str(image.ReferencedSOPInstanceUID): str(series.SeriesInstanceUID)
                     for series in ds.get("ReferencedSeriesSequence", [])
                     for image in series.get("ReferencedImageSequence", [])}  # fmt: skip
        windows = _per_image(ds.get("SoftcopyVOILUTSequence", []), series_of, _read_window)
        areas = _per_image(ds.get("DisplayedAreaSelectionSequence", []), series_of, _read_area)
        return PresentationState(
            label=str(ds.get("ContentLabel", "") or "UNNAMED"),
            description=_text_or_none(ds.get("ContentDescription")),
            creator=_text_or_none(ds.get("ContentCreatorName")),
            images=[PresentedImage(series_instance_uid=series, sop_instance_uid=sop, window=windows.get(sop),
                                   displayed_area=areas.get(sop)) for sop, series in series_of.items()],  # fmt: skip
            layers=[Layer(name=str(layer.GraphicLayer), order=int(layer.GraphicLayerOrder),
                          description=_text_or_none(layer.get("GraphicLayerDescription")))
                    for layer in ds.get("GraphicLayerSequence", [])],  # fmt: skip
            annotations=[_read_annotation(item, series_of) for item in ds.get("GraphicAnnotationSequence", [])],
            rotation=int(ds.get("ImageRotation", 0) or 0),  # type: ignore[arg-type]
            flip=str(ds.get("ImageHorizontalFlip", "N")).strip().upper() == "Y",
        )
    except (ValidationError, AttributeError, KeyError, TypeError, ValueError) as error:
        raise UnreadableDocument(f"presentation state {ds.get('SOPInstanceUID', '')}: {error}") from error


def _per_image(items: Iterable[Dataset], series_of: dict[str, str], read_item: Any) -> dict[str, Any]:
    """What each image gets from items that list their images (an item listing none is for every image)."""
    found: dict[str, Any] = {}
    for item in items:
        value = read_item(item)
        if value is None:
            continue
        listed = [str(image.ReferencedSOPInstanceUID) for image in item.get("ReferencedImageSequence", [])]
        for sop in listed or list(series_of):
            found.setdefault(sop, value)
    return found


def _read_window(item: Dataset) -> Window | None:
    if item.get("WindowCenter") in (None, "") or item.get("WindowWidth") in (None, ""):
        return None  # a VOI LUT table: not in the JSON
    function = str(item.get("VOILUTFunction", "") or "LINEAR").strip().upper()
    return Window(center=_first(item.WindowCenter), width=_first(item.WindowWidth),
                  function=function if function in ("LINEAR", "LINEAR_EXACT", "SIGMOID") else "LINEAR",  # type: ignore[arg-type]
                  explanation=_text_or_none(_first_text(item.get("WindowCenterWidthExplanation"))))  # fmt: skip


def _read_area(item: Dataset) -> DisplayedArea:
    spacing = item.get("PresentationPixelSpacing")
    ratio = item.get("PresentationPixelAspectRatio")
    magnification = item.get("PresentationPixelMagnificationRatio")
    return DisplayedArea(
        top_left=tuple(int(v) for v in item.DisplayedAreaTopLeftHandCorner),  # type: ignore[arg-type]
        bottom_right=tuple(int(v) for v in item.DisplayedAreaBottomRightHandCorner),  # type: ignore[arg-type]
        size_mode=str(item.PresentationSizeMode).strip(),  # type: ignore[arg-type]
        pixel_spacing=tuple(float(v) for v in spacing) if spacing else None,  # type: ignore[arg-type]
        pixel_aspect_ratio=tuple(int(v) for v in ratio) if ratio else None,  # type: ignore[arg-type]
        magnification=float(magnification) if magnification not in (None, "") else None,
    )


def _read_annotation(item: Dataset, series_of: dict[str, str]) -> Annotation:
    references = []
    for image in item.get("ReferencedImageSequence", []):
        sop = str(image.ReferencedSOPInstanceUID)
        frames = image.get("ReferencedFrameNumber")
        for frame in _values(frames) if frames not in (None, "") else [None]:
            references.append(ImageReference(series_instance_uid=series_of.get(sop), sop_instance_uid=sop,
                                             frame_number=int(frame) if frame is not None else None))  # fmt: skip
    return Annotation(
        layer=str(item.GraphicLayer),
        images=references,
        graphics=[_read_graphic(graphic) for graphic in item.get("GraphicObjectSequence", [])],
        texts=[_read_text(text) for text in item.get("TextObjectSequence", [])],
    )


def _read_graphic(item: Dataset) -> Graphic:
    data = [float32_decimal(v) for v in _values(item.GraphicData)]
    return Graphic(
        type=str(item.GraphicType).strip(),  # type: ignore[arg-type]
        points=list(zip(data[0::2], data[1::2], strict=True)),
        filled=str(item.get("GraphicFilled", "N")).strip().upper() == "Y",
        units=str(item.GraphicAnnotationUnits).strip(),  # type: ignore[arg-type]
    )


def _read_text(item: Dataset) -> Text:
    anchor = item.get("AnchorPoint")
    top_left, bottom_right = item.get("BoundingBoxTopLeftHandCorner"), item.get("BoundingBoxBottomRightHandCorner")
    units = item.get("BoundingBoxAnnotationUnits") or item.get("AnchorPointAnnotationUnits") or "PIXEL"
    return Text(
        text=str(item.UnformattedTextValue),
        anchor=tuple(float32_decimal(v) for v in anchor) if anchor else None,  # type: ignore[arg-type]
        anchor_visible=str(item.get("AnchorPointVisibility", "Y")).strip().upper() != "N",
        box=tuple(float32_decimal(v) for v in (*top_left, *bottom_right)) if top_left and bottom_right else None,  # type: ignore[arg-type]
        justification=str(item.get("BoundingBoxTextHorizontalJustification", "") or "CENTER").strip(),  # type: ignore[arg-type]
        units=str(units).strip(),  # type: ignore[arg-type]
    )


def _values(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple, MultiValue)) else [value]


def _first(value: Any) -> float:
    return float(_values(value)[0])


def _first_text(value: Any) -> Any:
    return _values(value)[0] if value not in (None, "") else None


def _text_or_none(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None
