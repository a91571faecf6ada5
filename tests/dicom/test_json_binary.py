"""Flat DICOM JSON encoded straight to bytes: exactly what pydicom writes from the same JSON, or a refusal."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pynetdicom.dsutils import encode as pydicom_encode

from pypacs.dicom.json_binary import encode_flat_json
from pypacs.dicom.json_model import dataset_from_json, dataset_to_json

CHARSET_FILES = Path(pydicom.__file__).parent / "data" / "charset_files"
NAMES = ["CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "SC_rgb.dcm", "emri_small.dcm",
         *sorted(path.name for path in CHARSET_FILES.glob("chr*.dcm"))]  # fmt: skip


def flat_document(name: str) -> dict:
    """A real header as the index stores it, without what a C-FIND result never holds (sequences, bulk)."""
    path = CHARSET_FILES / name if name.startswith("chr") else get_testdata_file(name)
    document = dataset_to_json(dcmread(path), bulk_data_threshold=1024, bulk_data_uri=lambda element: "x")
    return {tag: value for tag, value in document.items() if value.get("vr") not in ("SQ", "OB", "OW", "UN", "OF")}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("implicit", [True, False])
def test_same_bytes_as_pydicom_from_the_same_json(name: str, implicit: bool):
    document = flat_document(name)
    fast = encode_flat_json(document, implicit)
    if fast is None:  # declined: DS values, AT, ISO 2022 code extensions
        vrs = {value.get("vr") for value in document.values() if value.get("Value")}
        charsets = (document.get("00080005") or {}).get("Value") or [""]
        assert vrs & {"DS", "AT"} or len(charsets) > 1, (vrs, charsets)
        without_declined = {tag: value for tag, value in document.items() if value.get("vr") not in ("DS", "AT")}
        if len(charsets) > 1:
            return
        fast, document = encode_flat_json(without_declined, implicit), without_declined
        assert fast is not None
    assert fast == pydicom_encode(dataset_from_json(document), implicit, True)


def test_a_chinese_name_in_gb18030_and_empty_and_multiple_values():
    document = {
        "00080005": {"vr": "CS", "Value": ["GB18030"]},
        "00080052": {"vr": "CS", "Value": ["STUDY"]},
        "00080061": {"vr": "CS", "Value": ["CT", "PR"]},
        "00080020": {"vr": "DA"},
        "00100010": {"vr": "PN", "Value": [{"Alphabetic": "Wang^XiaoDong", "Ideographic": "王^小东"}]},
        "00201208": {"vr": "IS", "Value": [17]},
        "0020000D": {"vr": "UI", "Value": ["1.2.3.45"]},
        "00280010": {"vr": "US", "Value": [512]},
    }
    for implicit in (True, False):
        assert encode_flat_json(document, implicit) == pydicom_encode(dataset_from_json(document), implicit, True)


def test_sequences_and_binary_values_are_left_to_pydicom():
    assert encode_flat_json({"00081110": {"vr": "SQ", "Value": [{}]}}, True) is None
    assert encode_flat_json({"7FE00010": {"vr": "OW", "InlineBinary": "AAAA"}}, True) is None
    assert encode_flat_json({"00080005": {"vr": "CS", "Value": ["ISO 2022 IR 6", "ISO 2022 IR 87"]}}, True) is None
