"""WADO-RS, STOW-RS and WADO-URI through the HTTP app: bytes round-trip, metadata, frames, rendered pictures,
transcoding, and clear 4xx answers for bad requests."""

from __future__ import annotations

import io
import re

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image
from pydicom import dcmread
from pydicom.data import get_testdata_file

from pypacs.archive.service import Archive
from pypacs.web.multipart import Part, multipart_body
from tests.conftest import make_object

ANY_DICOM = {"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=*'}
ANY_FRAME = {"Accept": 'multipart/related; type="application/octet-stream"; transfer-syntax=*'}
JPEG_BASELINE = {"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.50'}
JPEG2000 = get_testdata_file("MR_small_jp2klossless.dcm")
PLAIN = get_testdata_file("MR_small.dcm")


def split_multipart(response) -> list[tuple[dict[str, str], bytes]]:  # type: ignore[no-untyped-def]
    boundary = re.search(r"boundary=([^;]+)", response.headers["content-type"])[1].strip('"')
    parts = []
    for chunk in response.content.split(b"--" + boundary.encode())[1:-1]:
        head, _, body = chunk[2:].partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n") if line)
        parts.append(({k.lower(): v for k, v in headers.items()}, body[:-2]))
    return parts


def stow(client: TestClient, objects: list[bytes], path: str = "/dicom-web/studies", kind: str = "application/dicom"):  # type: ignore[no-untyped-def]
    body = b"".join(multipart_body([Part(kind, [data]) for data in objects], "XBOUNDARYX"))
    headers = {"Content-Type": 'multipart/related; type="application/dicom"; boundary=XBOUNDARYX'}
    return client.post(path, content=body, headers=headers)


def uids(data: bytes) -> tuple[str, str, str]:
    ds = dcmread(io.BytesIO(data))
    return str(ds.StudyInstanceUID), str(ds.SeriesInstanceUID), str(ds.SOPInstanceUID)


def test_stow_then_wado_round_trips_bytes_identically(client: TestClient):
    objects = [make_object(PatientID="W1", StudyInstanceUID="1.2.826.0.1.66", SeriesInstanceUID="1.2.826.0.1.66.1")
               for _ in range(3)]  # fmt: skip
    response = stow(client, objects)
    assert response.status_code == 200
    assert len(response.json()["00081199"]["Value"]) == 3
    study, series, _ = uids(objects[0])
    for sop_study, sop_series, sop in map(uids, objects):
        got = client.get(f"/dicom-web/studies/{sop_study}/series/{sop_series}/instances/{sop}",
                         headers=ANY_DICOM)  # fmt: skip
        [(headers, body)] = split_multipart(got)
        assert body == next(o for o in objects if uids(o)[2] == sop)
        assert headers["content-type"].startswith("application/dicom; transfer-syntax=")
    whole = client.get(f"/dicom-web/studies/{study}", headers={"Accept": "multipart/related; type=application/dicom"})
    assert sorted(body for _, body in split_multipart(whole)) == sorted(objects)


def test_objects_larger_than_a_streamed_piece_come_whole_among_small_ones(client: TestClient):
    study, series = "1.2.826.0.1.67", "1.2.826.0.1.67.1"
    noise = np.random.default_rng(7).integers(0, 4096, (2048, 2048), dtype=np.uint16).tobytes()  # 8 MiB of pixels
    big = make_object(StudyInstanceUID=study, SeriesInstanceUID=series, Rows=2048, Columns=2048, PixelData=noise)
    objects = [make_object(StudyInstanceUID=study, SeriesInstanceUID=series), big,
               make_object(StudyInstanceUID=study, SeriesInstanceUID=series)]  # fmt: skip
    assert len(big) > 2 * 4 * 1024 * 1024 and stow(client, objects).status_code == 200
    whole = client.get(f"/dicom-web/studies/{study}/series/{series}", headers=ANY_DICOM)
    assert sorted(body for _, body in split_multipart(whole)) == sorted(objects)


def test_compressed_objects_come_as_stored_or_decompressed_on_request(client: TestClient):
    data = open(JPEG2000, "rb").read()
    assert stow(client, [data]).status_code == 200
    study, series, sop = uids(data)
    url = f"/dicom-web/studies/{study}/series/{series}/instances/{sop}"
    as_stored = split_multipart(client.get(url, headers=ANY_DICOM))
    assert as_stored[0][1] == data
    explicit = split_multipart(client.get(url))  # no transfer syntax asked: Explicit VR Little Endian
    converted = dcmread(io.BytesIO(explicit[0][1]))
    assert converted.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    assert converted.SOPInstanceUID == converted.file_meta.MediaStorageSOPInstanceUID == sop  # the same object
    assert np.array_equal(converted.pixel_array, dcmread(PLAIN).pixel_array)
    refused = client.get(url, headers=JPEG_BASELINE)
    assert refused.status_code == 406 and refused.headers["content-type"] == "application/problem+json"


def test_metadata_has_bulk_data_uris_etag_and_304(client: TestClient):
    data = open(PLAIN, "rb").read()
    stow(client, [data])
    study, series, sop = uids(data)
    response = client.get(f"/dicom-web/studies/{study}/series/{series}/metadata")
    assert response.status_code == 200 and response.headers["content-type"] == "application/dicom+json"
    [document] = response.json()
    assert document["00080018"]["Value"] == [sop]
    assert document["7FE00010"]["BulkDataURI"].endswith(
        f"/studies/{study}/series/{series}/instances/{sop}/bulkdata/7FE00010"
    )
    again = client.get(
        f"/dicom-web/studies/{study}/series/{series}/metadata", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    pixel = client.get(document["7FE00010"]["BulkDataURI"].split("testserver")[1])
    assert split_multipart(pixel)[0][1] == dcmread(PLAIN).PixelData
    gzipped = client.get(f"/dicom-web/studies/{study}/metadata", headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers.get("content-encoding") == "gzip" and gzipped.json() == response.json()


def test_frames_as_stored_and_native(client: TestClient):
    data = open(JPEG2000, "rb").read()
    stow(client, [data])
    study, series, sop = uids(data)
    url = f"/dicom-web/studies/{study}/series/{series}/instances/{sop}/frames/1"
    stored = split_multipart(client.get(url, headers=ANY_FRAME))
    assert stored[0][0]["content-type"].startswith("image/jp2; transfer-syntax=1.2.840.10008.1.2.4.90")
    native = split_multipart(client.get(url, headers={"Accept": 'multipart/related; type="application/octet-stream"'}))
    expected = dcmread(PLAIN).pixel_array.astype("<i2").tobytes()
    assert native[0][1] == expected
    assert client.get(url.replace("/frames/1", "/frames/2")).status_code == 422
    assert client.get(url.replace("/frames/1", "/frames/x")).status_code == 400


def test_one_frame_comes_as_a_single_part_when_asked_without_multipart(client: TestClient):
    data = open(JPEG2000, "rb").read()
    stow(client, [data])
    study, series, sop = uids(data)
    url = f"/dicom-web/studies/{study}/series/{series}/instances/{sop}/frames/1"
    stored = client.get(url, headers={"Accept": "application/octet-stream; transfer-syntax=*"})
    assert stored.status_code == 200
    assert stored.headers["content-type"] == "image/jp2; transfer-syntax=1.2.840.10008.1.2.4.90"
    assert stored.content == split_multipart(client.get(url, headers=ANY_FRAME))[0][1]
    native = client.get(url, headers={"Accept": "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1"})
    assert native.headers["content-type"] == "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1"
    assert native.content == dcmread(PLAIN).pixel_array.astype("<i2").tobytes()
    # several frames need several parts: a single-part Accept alone cannot be met
    several = url.replace("/frames/1", "/frames/1,1")
    assert client.get(several, headers={"Accept": "application/octet-stream"}).status_code == 406
    both = {"Accept": "application/octet-stream, multipart/related; type=\"application/octet-stream\""}
    assert len(split_multipart(client.get(several, headers=both))) == 2


def test_rendered_and_thumbnail_pictures(client: TestClient):
    data = open(PLAIN, "rb").read()
    stow(client, [data])
    study, series, sop = uids(data)
    base = f"/dicom-web/studies/{study}/series/{series}/instances/{sop}"
    jpeg = client.get(f"{base}/rendered", params={"window": "600,1200"}, headers={"Accept": "image/jpeg"})
    assert jpeg.status_code == 200 and jpeg.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(jpeg.content)).size == (64, 64)
    png = client.get(f"{base}/frames/1/rendered", params={"viewport": "32,32"}, headers={"Accept": "image/png"})
    assert Image.open(io.BytesIO(png.content)).size == (32, 32)
    thumbnail = client.get(f"/dicom-web/studies/{study}/thumbnail")
    assert thumbnail.status_code == 200 and thumbnail.headers["content-type"] == "image/jpeg"
    assert len(split_multipart(client.get(f"/dicom-web/studies/{study}/series/{series}/rendered"))) == 1
    assert client.get(f"{base}/rendered", params={"window": "40"}).status_code == 400
    assert client.get(f"{base}/rendered", headers={"Accept": "application/pdf"}).status_code == 406


def test_wado_uri_as_jpeg_dicom_and_anonymized(client: TestClient):
    data = open(PLAIN, "rb").read()
    stow(client, [data])
    study, series, sop = uids(data)
    query = f"/wado?requestType=WADO&studyUID={study}&seriesUID={series}&objectUID={sop}"
    picture = client.get(query + "&windowCenter=600&windowWidth=1200&rows=32")
    assert picture.headers["content-type"] == "image/jpeg" and Image.open(io.BytesIO(picture.content)).size == (32, 32)
    dicom = client.get(query + "&contentType=application/dicom")
    assert dicom.content == bytes(128) + data[128:]  # stored with its (TIFF) preamble zeroed
    anonymous = dcmread(io.BytesIO(client.get(query + "&contentType=application/dicom&anonymize=yes").content))
    assert str(anonymous.PatientName) == "" and anonymous.PatientIdentityRemoved == "YES"
    missing = client.get(f"/wado?requestType=WADO&studyUID={study}&seriesUID={series}&objectUID=1.2.3.4")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert "no instance 1.2.3.4" in missing.json()["detail"]
    assert client.get("/wado?requestType=WADO&studyUID=1").status_code == 400


def test_stow_reports_failures_per_part_and_stores_the_good_ones(client: TestClient, archive: Archive):
    good = make_object(StudyInstanceUID="1.2.826.0.1.88")
    other_study = make_object(StudyInstanceUID="1.2.826.0.1.99")
    response = stow(client, [good, b"not dicom at all", other_study], "/dicom-web/studies/1.2.826.0.1.88")
    assert response.status_code == 202
    body = response.json()
    assert len(body["00081199"]["Value"]) == 1
    reasons = sorted(item["00081197"]["Value"][0] for item in body["00081198"]["Value"])
    assert reasons == [0xA900, 0xC000]
    assert archive.counts().instances == 1
    all_bad = stow(client, [b"junk"])
    assert all_bad.status_code == 409


def test_stow_rejects_what_is_not_multipart_dicom(client: TestClient):
    assert (
        client.post("/dicom-web/studies", content=b"x", headers={"Content-Type": "application/json"}).status_code == 415
    )
    broken = client.post("/dicom-web/studies", content=b"--B\r\nContent-Type: application/dicom\r\n\r\nabc",
                         headers={"Content-Type": "multipart/related; boundary=B"})  # fmt: skip
    assert broken.status_code == 400 and "closing boundary" in broken.json()["detail"]


def test_unknown_uids_are_404_problems(client: TestClient):
    for url in ("/dicom-web/studies/1.2.3", "/dicom-web/studies/1.2.3/metadata", "/dicom-web/studies/1.2.3/thumbnail"):
        response = client.get(url)
        assert response.status_code == 404 and response.json()["detail"] == "no study 1.2.3"
