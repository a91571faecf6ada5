"""WADO-RS and WADO-URI answers when stored objects need converting: big endian objects become little endian,
and an object that cannot be converted never cuts a multipart answer short."""

from __future__ import annotations

import io
import re

import numpy as np
from fastapi.testclient import TestClient
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate
from pydicom.uid import generate_uid

from tests.conftest import encode, make_dataset
from tests.web.test_dicomweb import split_multipart, stow

EXPLICIT, BIG_ENDIAN, JPEG2000, MPEG2 = ("1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.4.90",
                                         "1.2.840.10008.1.2.4.100")  # fmt: skip
STUDY, SERIES = "1.2.826.0.1.3680043.77.1", "1.2.826.0.1.3680043.77.1.1"
DEFAULT = {"Accept": 'multipart/related; type="application/dicom"'}  # no syntax named: Explicit VR Little Endian


def big_endian_object(study: str = STUDY, series: str = SERIES) -> tuple[bytes, Dataset]:
    ds = dcmread(get_testdata_file("MR_small_bigendian.dcm"))
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    out = io.BytesIO()
    ds.save_as(out)  # still big endian: pydicom writes a data set in the encoding it was read in
    return out.getvalue(), ds


def encapsulated_object(syntax: str, frame: bytes, **attributes: object) -> bytes:
    ds = make_dataset(StudyInstanceUID=STUDY, SeriesInstanceUID=SERIES, **attributes)
    ds.PixelData = encapsulate([frame])
    ds["PixelData"].VR = "OB"
    return encode(ds, syntax)


def reference_pixels() -> np.ndarray:
    return dcmread(get_testdata_file("MR_small.dcm")).pixel_array


def test_a_study_holding_a_big_endian_object_comes_back_whole_in_little_endian(client: TestClient):
    big, ds = big_endian_object()
    little = encode(make_dataset(StudyInstanceUID=STUDY, SeriesInstanceUID=SERIES, PatientID=ds.PatientID))
    assert stow(client, [big, little]).status_code == 200
    response = client.get(f"/dicom-web/studies/{STUDY}", headers=DEFAULT)
    assert response.status_code == 200 and response.content.endswith(b"--\r\n")
    parts = split_multipart(response)
    assert len(parts) == 2
    assert all(headers["content-type"].endswith(f"transfer-syntax={EXPLICIT}") for headers, _ in parts)
    converted = next(dcmread(io.BytesIO(body)) for _, body in parts if ds.SOPInstanceUID.encode() in body)
    assert converted.file_meta.TransferSyntaxUID == EXPLICIT and converted.SOPInstanceUID == ds.SOPInstanceUID
    assert np.array_equal(converted.pixel_array, reference_pixels())


def test_wado_uri_sends_explicit_little_endian_unless_another_syntax_is_named(client: TestClient):
    big, ds = big_endian_object()
    jpeg2000 = open(get_testdata_file("JPEG2000.dcm"), "rb").read()  # noqa: SIM115 - test data
    assert stow(client, [big, jpeg2000]).status_code == 200
    for data in (big, jpeg2000):
        stored = dcmread(io.BytesIO(data))
        query = (f"/wado?requestType=WADO&studyUID={stored.StudyInstanceUID}&seriesUID={stored.SeriesInstanceUID}"
                 f"&objectUID={stored.SOPInstanceUID}&contentType=application/dicom")  # fmt: skip
        default = client.get(query)
        assert default.status_code == 200 and default.headers["content-type"] == "application/dicom"
        converted = dcmread(io.BytesIO(default.content))
        assert converted.file_meta.TransferSyntaxUID == EXPLICIT
        assert np.array_equal(converted.pixel_array, stored.pixel_array)
        as_stored = client.get(f"{query}&transferSyntax={stored.file_meta.TransferSyntaxUID}")
        assert as_stored.status_code == 200 and as_stored.content == bytes(128) + data[128:]  # preamble zeroed
    picture = client.get(f"/wado?requestType=WADO&studyUID={STUDY}&seriesUID={SERIES}&objectUID={ds.SOPInstanceUID}")
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"


def test_an_object_no_decoder_can_convert_is_left_out_with_206_and_a_warning(client: TestClient):
    video = encapsulated_object(MPEG2, b"\x00\x00\x01\xb3" + bytes(60))
    image = encode(make_dataset(StudyInstanceUID=STUDY, SeriesInstanceUID=SERIES))
    assert stow(client, [video, image]).status_code == 200
    response = client.get(f"/dicom-web/studies/{STUDY}", headers=DEFAULT)
    assert response.status_code == 206
    assert re.match(r'299 pypacs "1 of 2 instance\(s\) left out', response.headers["warning"])
    [(_headers, body)] = split_multipart(response)
    assert body == image
    video_uid = dcmread(io.BytesIO(video)).SOPInstanceUID
    only_video = client.get(f"/dicom-web/studies/{STUDY}/series/{SERIES}/instances/{video_uid}", headers=DEFAULT)
    assert only_video.status_code == 406 and "transfer-syntax=*" in only_video.json()["detail"]
    as_stored = client.get(f"/dicom-web/studies/{STUDY}", headers={"Accept": DEFAULT["Accept"] + "; transfer-syntax=*"})
    assert as_stored.status_code == 200 and len(split_multipart(as_stored)) == 2


def test_a_corrupt_object_never_cuts_the_answer_short(client: TestClient):
    corrupt = encapsulated_object(JPEG2000, b"not a JPEG 2000 codestream", InstanceNumber=1)
    good = encode(make_dataset(StudyInstanceUID=STUDY, SeriesInstanceUID=SERIES, InstanceNumber=2))
    assert stow(client, [corrupt, good]).status_code == 200
    response = client.get(f"/dicom-web/studies/{STUDY}", headers=DEFAULT)
    assert response.status_code == 200 and response.content.endswith(b"--\r\n")
    assert [body for _, body in split_multipart(response)] == [good]  # the corrupt one left out, logged
    # A client that also takes objects as stored gets the corrupt one as stored rather than nothing.
    accept = f'{DEFAULT["Accept"]}; transfer-syntax={EXPLICIT}, {DEFAULT["Accept"]}; transfer-syntax=*; q=0.5'
    parts = split_multipart(client.get(f"/dicom-web/studies/{STUDY}", headers={"Accept": accept}))
    assert [(headers["content-type"], body) for headers, body in parts] == [
        (f"application/dicom; transfer-syntax={JPEG2000}", corrupt),
        (f"application/dicom; transfer-syntax={EXPLICIT}", good),
    ]
