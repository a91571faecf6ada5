"""WADO-RS retrieve of a series' (study's, instance's) pixel data as bulk data (PS3.18 10.4): one part per frame
in series order, each the bytes the frames route sends for that frame, named by its frame URL."""

from __future__ import annotations

from fastapi.testclient import TestClient
from pydicom.uid import generate_uid

from tests.conftest import make_object
from tests.web.test_dicomweb import JPEG2000, split_multipart, stow, uids

BULK_AS_STORED = {"Accept": 'multipart/related; type="application/octet-stream"; transfer-syntax=*'}
BULK_NATIVE = {"Accept": 'multipart/related; type="application/octet-stream"'}
SINGLE_AS_STORED = {"Accept": "application/octet-stream; transfer-syntax=*"}
SINGLE_NATIVE = {"Accept": "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1"}


def stored_out_of_order(client: TestClient, count: int = 5) -> tuple[str, str, list[str]]:
    """A series of `count` 4×4 images stowed in reverse instance order; their SOP UIDs in instance order."""
    study, series = generate_uid(), generate_uid()
    objects = [make_object(StudyInstanceUID=study, SeriesInstanceUID=series, InstanceNumber=number,
                           PixelData=bytes([number] * 32)) for number in range(1, count + 1)]  # fmt: skip
    assert stow(client, objects[::-1]).status_code == 200
    return study, series, [uids(data)[2] for data in objects]


def test_a_series_comes_as_one_part_per_frame_in_instance_order(client: TestClient):
    study, series, sops = stored_out_of_order(client)
    response = client.get(f"/dicom-web/studies/{study}/series/{series}", headers=BULK_AS_STORED)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith('multipart/related; type="application/octet-stream"')
    parts = split_multipart(response)
    assert len(parts) == len(sops)
    for (headers, body), sop, number in zip(parts, sops, range(1, 6), strict=True):
        url = f"/dicom-web/studies/{study}/series/{series}/instances/{sop}/frames/1"
        assert headers["content-location"] == f"http://testserver{url}"
        assert headers["content-type"] == "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1"
        assert int(headers["content-length"]) == len(body)
        assert body == bytes([number] * 32) == client.get(url, headers=SINGLE_AS_STORED).content
    native = split_multipart(client.get(f"/dicom-web/studies/{study}/series/{series}", headers=BULK_NATIVE))
    assert [body for _, body in native] == [body for _, body in parts]
    whole_study = split_multipart(client.get(f"/dicom-web/studies/{study}", headers=BULK_AS_STORED))
    assert [headers["content-location"] for headers, _ in whole_study] == [h["content-location"] for h, _ in parts]
    one = split_multipart(client.get(f"/dicom-web/studies/{study}/series/{series}/instances/{sops[2]}",
                                     headers=BULK_AS_STORED))  # fmt: skip
    assert [body for _, body in one] == [bytes([3] * 32)]


def test_a_compressed_instance_comes_as_stored_or_decoded_as_the_frames_route_sends_it(client: TestClient):
    data = open(JPEG2000, "rb").read()
    stow(client, [data])
    study, series, sop = uids(data)
    frame = f"/dicom-web/studies/{study}/series/{series}/instances/{sop}/frames/1"
    [(headers, stored)] = split_multipart(client.get(f"/dicom-web/studies/{study}/series/{series}",
                                                     headers=BULK_AS_STORED))  # fmt: skip
    assert headers["content-type"] == "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.4.90"
    assert headers["content-location"].endswith(frame)
    assert stored == client.get(frame, headers=SINGLE_AS_STORED).content
    [(headers, native)] = split_multipart(client.get(f"/dicom-web/studies/{study}/series/{series}",
                                                     headers=BULK_NATIVE))  # fmt: skip
    assert headers["content-type"] == "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1"
    assert native == client.get(frame, headers=SINGLE_NATIVE).content


def test_bulk_data_in_a_syntax_that_cannot_be_produced_is_refused(client: TestClient):
    study, series, _ = stored_out_of_order(client, 2)
    jpeg = {"Accept": 'multipart/related; type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.4.50'}
    assert client.get(f"/dicom-web/studies/{study}/series/{series}", headers=jpeg).status_code == 406
    # DICOM instances are still what a plain or application/dicom Accept gets
    dicom = client.get(f"/dicom-web/studies/{study}/series/{series}")
    assert dicom.headers["content-type"].startswith('multipart/related; type="application/dicom"')
