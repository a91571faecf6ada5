"""Attribute values kept as DICOM text, and elements encoded from them: the same bytes as from the DICOM JSON."""

from __future__ import annotations

import json

import pytest
from pydicom import dcmread

from pypacs.dicom.element_texts import attribute_text, attribute_texts_json, element_bytes, element_column
from pypacs.dicom.json_binary import encode_flat_json
from pypacs.dicom.json_model import dataset_to_json
from tests.dicom.test_json_binary import CHARSET_FILES, NAMES, flat_document

UTF8 = {"vr": "CS", "Value": ["ISO_IR 192"]}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("implicit", [True, False])
def test_each_text_encodes_to_the_bytes_of_its_json(name: str, implicit: bool):
    texts = 0
    for tag, attribute in flat_document(name).items():
        if tag == "00080005":
            continue
        text = attribute_text(tag, attribute)
        if text is None:
            private = int(tag[:4], 16) % 2 == 1
            assert attribute.get("vr") not in ("PN", "LO", "UI", "DA") or private, (tag, attribute)
            continue
        texts += 1
        document = {"00080005": UTF8, tag: attribute}
        expected = encode_flat_json(document, implicit)
        pair = sorted([("00080005", element_bytes("00080005", "CS", "ISO_IR 192", implicit)),
                       (tag, element_bytes(tag, attribute["vr"], text, implicit))])  # fmt: skip
        assert expected == b"".join(data for _tag, data in pair), (tag, attribute)
    assert texts >= 2


def test_texts_of_each_kind_of_value():
    assert (
        attribute_text("00100010", {"vr": "PN", "Value": [{"Alphabetic": "Wang^XiaoDong", "Ideographic": "王^小东"}]})
        == "Wang^XiaoDong=王^小东"
    )
    assert attribute_text("00080061", {"vr": "CS", "Value": ["CT", "PR"]}) == "CT\\PR"
    assert attribute_text("00201208", {"vr": "IS", "Value": [17]}) == "17"
    assert attribute_text("00080020", {"vr": "DA"}) == ""
    assert attribute_text("00101030", {"vr": "DS", "Value": [72.5]}) is None  # its text would be pydicom's choice
    assert attribute_text("00280010", {"vr": "US", "Value": [512]}) is None
    assert attribute_text("00081032", {"vr": "SQ", "Value": [{}]}) is None
    assert attribute_text("00100010", {"vr": "LO", "Value": ["Not^ThePNVR"]}) is None  # not the dictionary's VR
    assert attribute_text("00090010", {"vr": "LO", "Value": ["PRIVATE CREATOR"]}) is None
    assert attribute_text("00080060", {"vr": "CS", "Value": ["ÇT"]}) is None  # CS is ASCII
    assert attribute_text("00081030", {"vr": "LO", "Value": ["Épaule"]}) == "Épaule"


def test_a_whole_level_keeps_every_attribute_with_null_for_the_others():
    document = dataset_to_json(dcmread(CHARSET_FILES / "chrH32.dcm"), bulk_data_threshold=1024,
                               bulk_data_uri=lambda element: "x")  # fmt: skip
    texts = json.loads(attribute_texts_json(document))
    assert set(texts) == set(document)
    assert texts["00100010"] == "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう"


def test_a_column_pads_to_even_length_and_refuses_too_long_values():
    assert element_column("0020000D", "UI", ["1.2", "1.23"], False) == [b"\x20\x00\x0d\x00UI\x04\x001.2\x00",
                                                                        b"\x20\x00\x0d\x00UI\x04\x001.23"]  # fmt: skip
    assert element_column("00100010", "PN", ["王"], True) == [b"\x10\x00\x10\x00\x04\x00\x00\x00\xe7\x8e\x8b "]
    with pytest.raises(Exception, match="format"):
        element_column("00081030", "LO", ["x" * 70_000], False)
