"""The pixel pipeline on phantoms whose output is known, and on real files of every transfer syntax."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

from pypacs.imaging.pixels import PixelDataError, decode_frame, modality_lut
from pypacs.imaging.render import Viewport, encode_picture, fit, render_frame
from pypacs.imaging.voi import PRESETS, Window, apply_window, parse_window, window_from_dataset


def phantom(values: np.ndarray, photometric: str = "MONOCHROME2", **attributes: object) -> Dataset:
    """A greyscale image dataset holding exactly `values` (int16 or uint16, one frame or several)."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    frames = values if values.ndim == 3 else values[np.newaxis]
    ds.NumberOfFrames = len(frames)
    ds.Rows, ds.Columns = frames.shape[1:]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1 if values.dtype == np.int16 else 0
    ds.PixelData = frames.tobytes()
    for keyword, value in attributes.items():
        setattr(ds, keyword, value)
    return ds


def test_rescale_turns_stored_values_into_hounsfield_units():
    ds = phantom(np.array([[0, 1024, 2024]], dtype=np.uint16), RescaleSlope=1, RescaleIntercept=-1024)
    assert modality_lut(decode_frame(ds, 0), ds).tolist() == [[-1024.0, 0.0, 1000.0]]


def test_linear_window_follows_the_standard_formula():
    # c=40, w=80: x <= -0.0 -> 0, x > 79 -> 1, else (x - 39.5) / 79 + 0.5
    values = np.array([-1000, 0, 39.5, 79, 80, 3000], dtype=np.float32)
    out = apply_window(values, Window(40, 80))
    assert out[0] == 0 and out[-1] == 1 and out[-2] == 1
    assert out[2] == pytest.approx(0.5)
    assert out[3] == pytest.approx((79 - 39.5) / 79 + 0.5)


def test_linear_exact_and_sigmoid():
    values = np.array([0, 50, 100], dtype=np.float32)
    assert apply_window(values, Window(50, 100, "LINEAR_EXACT")).tolist() == [0.0, 0.5, 1.0]
    sigmoid = apply_window(values, Window(50, 100, "SIGMOID"))
    assert sigmoid[1] == pytest.approx(0.5) and sigmoid[0] < 0.2 and sigmoid[2] > 0.8


def test_render_applies_the_requested_window_then_monochrome1_inverts():
    hu = np.array([[-1000, 40, 1000]], dtype=np.int16)
    brain = render_frame(phantom(hu), window=PRESETS["brain"])
    assert brain.tolist() == [[0, 129, 255]]  # 40 HU: (40 - 39.5) / 79 + 0.5 = 0.506
    inverted = render_frame(phantom(hu, "MONOCHROME1"), window=PRESETS["brain"])
    assert inverted.tolist() == [[255, 126, 0]]


def test_without_a_request_the_objects_window_and_then_the_value_range_are_used():
    values = np.array([[0, 100, 200]], dtype=np.uint16)
    assert render_frame(phantom(values, WindowCenter=100, WindowWidth=2)).tolist() == [[0, 255, 255]]
    assert render_frame(phantom(values, WindowCenter=100.5, WindowWidth=201)).tolist() == [[0, 128, 255]]
    assert render_frame(phantom(values)).tolist() == [[0, 128, 255]]  # full range: 0..200


def test_voi_lut_sequence_and_modality_lut_sequence():
    values = np.array([[0, 1, 2, 3]], dtype=np.uint16)
    item = Dataset()
    item.LUTDescriptor = [4, 0, 8]
    item.LUTData = [0, 255, 0, 255]
    modality = Dataset()
    modality.LUTDescriptor = [4, 0, 16]
    modality.ModalityLUTType = "HU"
    modality.LUTData = [3, 2, 1, 0]  # reverses the values
    ds = phantom(values, VOILUTSequence=Sequence([item]), ModalityLUTSequence=Sequence([modality]))
    assert modality_lut(decode_frame(ds, 0), ds).tolist() == [[3, 2, 1, 0]]
    assert render_frame(ds).tolist() == [[255, 0, 255, 0]]


def test_multi_frame_objects_render_the_frame_asked_for():
    frames = np.stack([np.full((2, 2), value, dtype=np.uint16) for value in (0, 50, 100)])
    ds = phantom(frames)
    assert render_frame(ds, 2, Window(50, 100, "LINEAR_EXACT")).tolist() == [[255, 255], [255, 255]]
    assert render_frame(ds, 1, Window(50, 100, "LINEAR_EXACT")).tolist() == [[128, 128], [128, 128]]
    with pytest.raises(PixelDataError, match="frame 4 does not exist: the object has 3 frame"):
        render_frame(ds, 3)


def test_window_from_request_text_and_from_functional_groups():
    assert parse_window("40,400") == Window(40, 400)
    assert parse_window("50, 100, linear-exact") == Window(50, 100, "LINEAR_EXACT")
    for bad in ("40", "a,b", "40,0", "40,400,cubic"):
        with pytest.raises(ValueError):
            parse_window(bad)
    voi = Dataset()
    voi.WindowCenter, voi.WindowWidth = 300, 600
    group = Dataset()
    group.FrameVOILUTSequence = Sequence([voi])
    ds = phantom(np.zeros((2, 2), dtype=np.uint16), PerFrameFunctionalGroupsSequence=Sequence([group]))
    assert window_from_dataset(ds, 0) == Window(300, 600)


@pytest.mark.parametrize(
    ("reference", "compressed"),
    [
        ("MR_small.dcm", "MR_small_RLE.dcm"),
        ("MR_small.dcm", "MR_small_jp2klossless.dcm"),
        ("MR_small.dcm", "MR_small_jpeg_ls_lossless.dcm"),
        ("emri_small.dcm", "emri_small_jpeg_ls_lossless.dcm"),
        ("SC_rgb.dcm", "SC_rgb_rle.dcm"),
        ("SC_rgb_2frame.dcm", "SC_rgb_rle_2frame.dcm"),
    ],
)
def test_lossless_syntaxes_decode_to_the_same_pixels(reference: str, compressed: str):
    plain, packed = dcmread(get_testdata_file(reference)), dcmread(get_testdata_file(compressed))
    for index in range(int(plain.get("NumberOfFrames", 1) or 1)):
        assert np.array_equal(decode_frame(plain, index), decode_frame(packed, index))
        assert np.array_equal(render_frame(plain, index), render_frame(packed, index))


OTHER_FILES = ["SC_rgb_jpeg_dcmtk.dcm", "JPEG-LL.dcm", "JPEG2000.dcm", "SC_ybr_full_uncompressed.dcm",
               "JPGLosslessP14SV1_1s_1f_8b.dcm", "OBXXXX1A_rle.dcm", "CT_small.dcm"]  # fmt: skip


@pytest.mark.parametrize("name", OTHER_FILES)
def test_files_of_other_syntaxes_and_colour_models_render(name: str):
    ds = dcmread(get_testdata_file(name))
    image = render_frame(ds)
    assert image.dtype == np.uint8 and image.shape[:2] == (ds.Rows, ds.Columns)
    colour = ds.SamplesPerPixel == 3 or ds.PhotometricInterpretation == "PALETTE COLOR"
    assert image.ndim == (3 if colour else 2)
    assert image.max() > image.min()  # not a blank picture


def test_ybr_is_shown_as_rgb():
    rgb = render_frame(dcmread(get_testdata_file("SC_rgb.dcm")))
    ybr = render_frame(dcmread(get_testdata_file("SC_ybr_full_uncompressed.dcm")))
    assert np.abs(rgb.astype(int) - ybr.astype(int)).max() <= 8  # the same picture, YBR quantisation apart


def test_palette_color_becomes_rgb():
    values = np.array([[0, 1, 2]], dtype=np.uint16)
    ds = phantom(values, "PALETTE COLOR")
    ds.BitsAllocated = ds.BitsStored = 16
    for colour, data in (("Red", [0, 65535, 0]), ("Green", [0, 0, 65535]), ("Blue", [65535, 0, 0])):
        setattr(ds, f"{colour}PaletteColorLookupTableDescriptor", [3, 0, 16])
        setattr(ds, f"{colour}PaletteColorLookupTableData", np.array(data, dtype="<u2").tobytes())
    assert render_frame(ds).tolist() == [[[0, 0, 255], [255, 0, 0], [0, 255, 0]]]


def test_no_pixel_data_is_a_clear_error():
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.88.11"
    with pytest.raises(PixelDataError, match="no pixel data"):
        render_frame(ds)


def test_fit_scales_down_keeping_the_aspect_ratio_and_encodes():
    image = np.zeros((512, 256), dtype=np.uint8)
    small = fit(image, Viewport(128, 128))
    assert small.shape == (128, 64)
    assert fit(image, Viewport(1024, 1024)).shape == (512, 256)  # never scaled up
    jpeg = encode_picture(small, "image/jpeg", 80)
    png = encode_picture(small, "image/png")
    assert Image.open(io.BytesIO(jpeg)).format == "JPEG" and Image.open(io.BytesIO(png)).size == (64, 128)
    with pytest.raises(PixelDataError, match="cannot render as image/tiff"):
        encode_picture(small, "image/tiff")
