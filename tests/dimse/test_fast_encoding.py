"""The fast DIMSE encoder writes exactly the bytes pydicom writes, or declines."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pynetdicom.dimse_primitives import C_FIND, C_STORE
from pynetdicom.dsutils import encode as pydicom_encode

from pypacs.dicom.json_model import dataset_from_json, dataset_to_json
from pypacs.dimse.fast_encoding import encode_flat


def flat_copy(ds: Dataset) -> Dataset:
    """The dataset's plain elements (no sequences, no bulk values), as a C-FIND result would hold them."""
    document = dataset_to_json(ds, bulk_data_threshold=1024, bulk_data_uri=lambda element: "x")
    skipped = ("SQ", "OB", "OW", "UN", "AT", "OF", "OD")
    kept = {
        tag: value for tag, value in document.items() if value.get("vr") not in skipped and "BulkDataURI" not in value
    }
    return dataset_from_json(kept)


CHARSET_FILES = Path(pydicom.__file__).parent / "data" / "charset_files"


@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "SC_rgb.dcm", "emri_small.dcm",
                                  "chrFren.dcm", "chrGerm.dcm", "chrH31.dcm", "chrX1.dcm", "chrArab.dcm"])  # fmt: skip
@pytest.mark.parametrize("implicit", [True, False])
def test_same_bytes_as_pydicom_for_real_headers(name: str, implicit: bool):
    path = CHARSET_FILES / name if name.startswith("chr") else get_testdata_file(name)
    ds = flat_copy(dcmread(path))
    fast = encode_flat(ds, implicit)
    if fast is None:
        assert str(ds.get("SpecificCharacterSet", "")) not in ("", "ISO_IR 192", "ISO_IR 100")
        return
    assert fast == pydicom_encode(ds, implicit, True)


def test_find_results_with_unicode_names_and_multi_values():
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.PatientName = "Wang^XiaoDong=王^小東"
    ds.ModalitiesInStudy = ["CT", "PR"]
    ds.NumberOfStudyRelatedInstances = 17
    ds.StudyInstanceUID = "1.2.3.45"
    ds.StudyDate = ""
    ds.QueryRetrieveLevel = "STUDY"
    for implicit in (True, False):
        assert encode_flat(ds, implicit) == pydicom_encode(ds, implicit, True)


def test_command_sets_encode_the_same():
    for primitive in (C_FIND(), C_STORE()):
        primitive.MessageID = 7
        primitive.AffectedSOPClassUID = "1.2.840.10008.5.1.4.1.2.2.1"
        primitive.Priority = 2
        if isinstance(primitive, C_STORE):
            primitive.AffectedSOPInstanceUID = "1.2.3.4.5"
            primitive.MoveOriginatorApplicationEntityTitle = "MOVER"
        from pynetdicom.dimse_messages import C_FIND_RQ, C_STORE_RQ

        message = C_FIND_RQ() if isinstance(primitive, C_FIND) else C_STORE_RQ()
        message.primitive_to_message(primitive)
        assert encode_flat(message.command_set, True) == pydicom_encode(message.command_set, True, True)


def test_declines_what_it_does_not_handle():
    with_sequence = Dataset()
    with_sequence.ReferencedSeriesSequence = [Dataset()]
    assert encode_flat(with_sequence, True) is None
    latin2 = Dataset()
    latin2.SpecificCharacterSet = "ISO_IR 101"
    latin2.PatientName = "Dvořák"
    assert encode_flat(latin2, True) is None
    ascii_only = Dataset()
    ascii_only.PatientName = "Müller"
    assert encode_flat(ascii_only, True) is None
