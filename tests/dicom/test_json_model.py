"""DICOM JSON conversion: the fast raw-element path agrees with pydicom on every real file we have."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import data_store
import pydicom
import pytest
from pydicom import dcmread

from pypacs.archive.records import bulk_data_uri
from pypacs.dicom.json_model import dataset_from_json, dataset_to_json
from tests.conftest import SHARED_CT, make_dataset

REAL_FILES = sorted(
    [*Path(data_store.__file__).parent.joinpath("data").glob("*.dcm"),
     *(Path(pydicom.__file__).parent / "data" / "test_files").glob("*.dcm"),
     *SHARED_CT.glob("*.dcm")]
)  # fmt: skip


def normalised(value: Any) -> Any:
    """Remove the two documented differences: padding spaces inside multi-values, and '' versus null."""
    if isinstance(value, dict):
        return {key: normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalised(item) for item in value]
    if isinstance(value, str):
        return value.strip(" ") or None
    return value


def readable(path: Path):  # type: ignore[no-untyped-def]
    try:
        ds = dcmread(path)
        expected = dcmread(path).to_json_dict(bulk_data_threshold=1024, bulk_data_element_handler=bulk_data_uri)
    except Exception:
        return None
    return ds, expected


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_fast_json_matches_pydicom_for_real_files(path: Path):
    pair = readable(path)
    if pair is None:
        pytest.skip("pydicom itself cannot convert this file")
    ds, expected = pair
    got = dataset_to_json(ds, bulk_data_threshold=1024, bulk_data_uri=bulk_data_uri)
    assert normalised(got) == normalised(expected)


def test_pixel_data_becomes_a_bulk_data_uri_and_small_binary_stays_inline():
    ds = make_dataset(PixelData=bytes(32), Rows=4, Columns=4)
    ds.add_new(0x00291010, "OB", b"\x01\x02")
    document = dataset_to_json(dcmread(_encoded(ds)), bulk_data_threshold=16, bulk_data_uri=bulk_data_uri)
    assert document["7FE00010"] == {"vr": "OW", "BulkDataURI": "bulkdata/7FE00010"}
    assert document["00291010"] == {"vr": "OB", "InlineBinary": "AQI="}


def test_json_round_trips_names_numbers_and_sequences():
    ds = make_dataset(
        PatientName="Yamada^Tarou=山田^太郎",
        ImagePositionPatient=[-1.5, 2, 3.25],
        ProcedureCodeSequence=[{"CodeValue": "X1", "CodingSchemeDesignator": "LOCAL"}],
    )
    read_back = dcmread(_encoded(ds))
    back = dataset_from_json(dataset_to_json(read_back, bulk_data_threshold=1024, bulk_data_uri=bulk_data_uri))
    assert str(back.PatientName) == "Yamada^Tarou=山田^太郎"
    assert [float(v) for v in back.ImagePositionPatient] == [-1.5, 2.0, 3.25]
    assert back.ProcedureCodeSequence[0].CodeValue == "X1"
    assert back.Rows == 4


def _encoded(ds):  # type: ignore[no-untyped-def]
    from io import BytesIO

    from tests.conftest import encode

    return BytesIO(encode(ds))
