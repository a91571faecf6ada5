"""GSPS from the viewer's JSON and back: our own, highdicom's and DCMTK dcmpsmk's presentation states read into the
same JSON, and what the standard refuses comes out as InvalidContent."""

from __future__ import annotations

import shutil
import subprocess
from io import BytesIO
from pathlib import Path
from typing import Any

import highdicom as hd
import numpy as np
import pytest
from pydantic import ValidationError
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from pypacs.reports.errors import InvalidContent, UnreadableDocument
from pypacs.reports.identity import Equipment, NewDocument, part10_bytes
from pypacs.reports.presentation_state import sop
from pypacs.reports.presentation_state.content import PresentationState
from tests.conftest import encode
from tests.reports.images import by_sop, image_series


def stored_and_read(state: PresentationState, images: dict[str, Dataset]) -> tuple[Dataset, PresentationState]:
    ds = sop.build(sop.complete(state, images), images, NewDocument.fresh(9901, Equipment()))
    stored = dcmread(BytesIO(part10_bytes(ds)))
    return stored, sop.read(stored)


def full_description(images: list[Dataset]) -> dict[str, Any]:
    first, second = (str(image.SOPInstanceUID) for image in images[:2])
    series = str(images[0].SeriesInstanceUID)
    return {
        "label": "LESIONS",
        "description": "Two lesions measured",
        "creator": "Doe^Jane",
        "images": [
            {"seriesInstanceUID": series, "sopInstanceUID": first,
             "window": {"center": -600, "width": 1500, "function": "LINEAR", "explanation": "lung"},
             "displayedArea": {"topLeft": [5, 6], "bottomRight": [50, 60], "sizeMode": "MAGNIFY",
                               "pixelAspectRatio": [1, 1], "magnification": 2.0}},
            {"seriesInstanceUID": series, "sopInstanceUID": second,
             "window": {"center": 40, "width": 400, "function": "LINEAR"},
             "displayedArea": {"topLeft": [1, 1], "bottomRight": [64, 64], "sizeMode": "TRUE SIZE",
                               "pixelSpacing": [0.5, 0.5]}},
        ],  # fmt: skip
        "layers": [{"name": "MEASUREMENTS", "order": 1, "description": "lengths and regions"},
                   {"name": "ARROWS", "order": 2}],  # fmt: skip
        "annotations": [
            {"layer": "MEASUREMENTS", "images": [{"seriesInstanceUID": series, "sopInstanceUID": first}],
             "graphics": [{"type": "POLYLINE", "points": [[10.5, 12.25], [30.1, 40.0]]},
                          {"type": "ELLIPSE", "points": [[10, 20], [30, 20], [20, 15], [20, 25]], "filled": True},
                          {"type": "CIRCLE", "points": [[40, 40], [44, 40]]},
                          {"type": "POLYLINE", "points": [[1, 1], [5, 1], [5, 5], [1, 1]]},
                          {"type": "POINT", "points": [[3, 3]]}],
             "texts": [{"text": "19.6 mm", "anchor": [30.1, 40.0], "anchorVisible": True}]},
            {"layer": "ARROWS", "images": [{"seriesInstanceUID": series, "sopInstanceUID": second}],
             "graphics": [{"type": "POLYLINE", "points": [[20, 20], [32, 32]]}],
             "texts": [{"text": "cyst", "anchor": [20, 20], "box": [2, 2, 20, 8], "justification": "LEFT",
                        "anchorVisible": False},
                       {"text": "corner note", "box": [0.05, 0.05, 0.4, 0.1], "units": "DISPLAY"}]},
        ],  # fmt: skip
        "rotation": 270,
        "flip": True,
    }


def test_json_to_gsps_to_json_is_the_same_json():
    images = image_series(2)
    state = PresentationState.model_validate(full_description(images))
    stored, read = stored_and_read(state, by_sop(images))
    assert read == sop.complete(state, by_sop(images)) == state
    assert stored.SOPClassUID == sop.SOP_CLASS and stored.Modality == "PR"
    assert (stored.ImageRotation, stored.ImageHorizontalFlip) == (270, "Y")
    assert stored.StudyInstanceUID == images[0].StudyInstanceUID and stored.PatientID == images[0].PatientID


def test_what_a_state_leaves_out_is_filled_from_its_images_and_read_back():
    images = image_series(3, WindowCenter=300, WindowWidth=1500)
    state = PresentationState.model_validate({
        "images": [{"sopInstanceUID": str(image.SOPInstanceUID)} for image in images],
        "annotations": [{"layer": "NOTES", "texts": [{"text": "all three", "anchor": [1, 1]}]}],
    })  # fmt: skip
    stored, read = stored_and_read(state, by_sop(images))
    assert read.label == "PYPACS" and read.rotation == 0 and read.flip is False
    assert [layer.name for layer in read.layers] == ["NOTES"]
    for image in read.images:
        assert image.series_instance_uid == images[0].SeriesInstanceUID
        assert (image.window.center, image.window.width) == (300, 1500)  # type: ignore[union-attr]
        area = image.displayed_area
        assert area is not None and (area.top_left, area.bottom_right, area.size_mode) == ((1, 1), (64, 64),
                                                                                           "SCALE TO FIT")  # fmt: skip
    assert len(read.annotations[0].images) == 3  # "every image" is written out
    assert "ImageRotation" not in stored  # no spatial transformation asked for: the module is left out


def test_a_highdicom_made_gsps_with_a_rotation_of_90_and_a_window_reads_back_with_them():
    images = image_series(2)
    layer = hd.pr.GraphicLayer(layer_name="LAYER1", order=1)
    annotation = hd.pr.GraphicAnnotation(
        referenced_images=[images[0]], graphic_layer=layer,
        graphic_objects=[hd.pr.GraphicObject("POLYLINE", np.array([[1.0, 2.0], [30.0, 40.0]]), "PIXEL")],
        text_objects=[hd.pr.TextObject("arrow", "PIXEL", anchor_point=(30.0, 40.0))],
    )  # fmt: skip
    gsps = hd.pr.GrayscaleSoftcopyPresentationState(
        referenced_images=images, series_instance_uid=generate_uid(), series_number=5,
        sop_instance_uid=generate_uid(), instance_number=1, manufacturer="test", manufacturer_model_name="test",
        software_versions="1", device_serial_number="1", content_label="ROTATED", graphic_layers=[layer],
        graphic_annotations=[annotation],
        voi_lut_transformations=[hd.pr.SoftcopyVOILUTTransformation(window_center=300.0, window_width=1500.0)],
    )  # fmt: skip
    gsps.ImageRotation = 90  # highdicom has no parameter for the Spatial Transformation module
    gsps.ImageHorizontalFlip = "N"
    read = sop.read(dcmread(BytesIO(encode(gsps))))
    assert read.label == "ROTATED" and read.rotation == 90 and read.flip is False
    assert [image.sop_instance_uid for image in read.images] == [str(image.SOPInstanceUID) for image in images]
    assert all((image.window.center, image.window.width) == (300, 1500) for image in read.images)  # type: ignore[union-attr]
    [annotation_read] = read.annotations
    assert annotation_read.images[0].sop_instance_uid == images[0].SOPInstanceUID
    assert annotation_read.graphics[0].points == [(1.0, 2.0), (30.0, 40.0)]
    assert annotation_read.texts[0].text == "arrow" and annotation_read.texts[0].anchor == (30.0, 40.0)


@pytest.mark.interop
def test_a_dcmpsmk_made_gsps_reads_back_with_its_window_and_referenced_image(tmp_path: Path):
    if shutil.which("dcmpsmk") is None:
        pytest.fail("dcmpsmk missing: `make test` installs the dcmtk package")
    [image] = image_series(1, WindowCenter=50, WindowWidth=350, WindowCenterWidthExplanation="MEDIASTINUM")
    (tmp_path / "image.dcm").write_bytes(encode(image))
    result = subprocess.run(["dcmpsmk", "+Vw", str(tmp_path / "image.dcm"), str(tmp_path / "pr.dcm")],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    read = sop.read(dcmread(tmp_path / "pr.dcm"))
    [presented] = read.images
    assert (presented.sop_instance_uid, presented.series_instance_uid) == (image.SOPInstanceUID,
                                                                           image.SeriesInstanceUID)  # fmt: skip
    assert presented.window is not None and (presented.window.center, presented.window.width) == (50, 350)
    assert presented.displayed_area is not None and presented.displayed_area.bottom_right == (64, 64)
    assert read.rotation == 0 and read.flip is False


def test_objects_that_are_no_gsps_are_unreadable():
    with pytest.raises(UnreadableDocument, match="not a grayscale presentation state"):
        sop.read(image_series(1)[0])


@pytest.mark.parametrize(
    ("graphic", "message"),
    [
        ({"type": "ELLIPSE", "points": [[1, 1], [2, 2], [3, 3]]}, "ELLIPSE has 4 point"),
        ({"type": "POINT", "points": [[1, 1], [2, 2]]}, "POINT has 1 point"),
        ({"type": "POLYLINE", "points": [[1, 1]]}, "at least 2"),
        ({"type": "SPLINE", "points": [[1, 1], [2, 2]]}, "type"),
        ({"type": "POLYLINE", "points": [[1, "x"], [2, 2]]}, "points"),
    ],
)
def test_malformed_graphics_are_refused_by_the_model(graphic, message):
    images = image_series(1)
    description = {"images": [{"sopInstanceUID": str(images[0].SOPInstanceUID)}],
                   "annotations": [{"layer": "L", "graphics": [graphic]}]}  # fmt: skip
    with pytest.raises(ValidationError, match=message):
        PresentationState.model_validate(description)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"label": "lower case"}, "(?i)code string"),
        ({"annotations": [{"layer": "L", "graphics": [{"type": "POINT", "points": [[65, 1]]}]}]}, "outside"),
        ({"annotations": [{"layer": "L", "images": [{"sopInstanceUID": "1.2.3", "frameNumber": 1}],
                           "texts": [{"text": "t", "anchor": [1, 1]}]}]}, "not among"),  # fmt: skip
    ],
)
def test_what_the_standard_refuses_is_invalid_content(change, message):
    images = image_series(1)
    state = PresentationState.model_validate({"images": [{"sopInstanceUID": str(images[0].SOPInstanceUID)}],
                                              **change})  # fmt: skip
    with pytest.raises(InvalidContent, match=message):
        stored_and_read(state, by_sop(images))


def test_a_frame_number_on_a_single_frame_image_is_invalid_content():
    images = image_series(1)
    sop_uid = str(images[0].SOPInstanceUID)
    state = PresentationState.model_validate({
        "images": [{"sopInstanceUID": sop_uid}],
        "annotations": [{"layer": "L", "images": [{"sopInstanceUID": sop_uid, "frameNumber": 2}],
                         "graphics": [{"type": "POINT", "points": [[1, 1]]}]}],
    })  # fmt: skip
    with pytest.raises(InvalidContent, match="multi-frame"):
        sop.complete(state, by_sop(images))
