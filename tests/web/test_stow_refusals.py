"""STOW-RS answers for what cannot be stored: every refusal a per-instance failure with its reason in words,
never a 5xx; big parts through spool files; preambles zeroed."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from pydicom import dcmread
from pydicom.encaps import encapsulate
from pydicom.uid import JPEGBaseline8Bit

from pypacs.archive.service import Archive
from pypacs.web.stow import SPOOL_ABOVE
from tests.conftest import cap_index_growth, encode, make_dataset, make_object, object_too_big_for_a_full_index
from tests.web.test_dicomweb import split_multipart, stow


def failures(response) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    items = response.json()["00081198"]["Value"]
    return [(item["00081197"]["Value"][0], item["00000902"]["Value"][0]) for item in items]


def impossible_length() -> bytes:
    data = make_object()
    index = data.index(b"\x28\x00\x10\x00US\x02\x00")
    return data[:index] + b"\x28\x00\x10\x00US\x03\x00\x04\x00\x00" + data[index + 10 :]


def truncated_encapsulated() -> bytes:
    ds = make_dataset()
    ds.PixelData = encapsulate([b"\xff\xd8" + bytes(1000) + b"\xff\xd9"])
    ds["PixelData"].VR = "OB"
    return encode(ds, JPEGBaseline8Bit)[:-100]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (impossible_length, r"element \(0028,0010\) US has 3 bytes"),
        (truncated_encapsulated, r"truncated file: .*\(7FE0,0010\)"),
        (lambda: make_object(SOPInstanceUID="../../../tmp/pwn"), "SOPInstanceUID '../../../tmp/pwn' is not a UID"),
        (lambda: make_object(StudyInstanceUID="1.2/../../x"), "StudyInstanceUID '1.2/../../x' is not a UID"),
        (lambda: make_object(StudyInstanceUID=["1.2.3", "4.5"]), "StudyInstanceUID has 2 values"),
    ],
)
def test_invalid_objects_are_per_instance_failures_with_their_reason(
    client: TestClient, archive: Archive, make: Callable[[], bytes], reason: str
):
    response = stow(client, [make(), make_object()])
    assert response.status_code == 202
    [(code, comment)] = failures(response)
    assert code == 0xC000
    assert re.search(reason, comment), comment
    assert archive.counts().instances == 1


def test_a_full_index_is_out_of_resources_in_the_failed_sop_sequence(client: TestClient, archive: Archive):
    archive.store(make_object())
    cap_index_growth(archive)
    response = stow(client, [encode(object_too_big_for_a_full_index())])
    assert response.status_code == 409
    [(code, comment)] = failures(response)
    assert code == 0xA700 and comment.startswith("the index has no room left")


def test_the_preamble_of_a_stored_object_is_zeroed(client: TestClient):
    data = make_object()
    polyglot = b"MZ\x90\x00" + b"\xcc" * 124 + data[128:]
    assert stow(client, [polyglot]).status_code == 200
    ds = dcmread(io.BytesIO(data))
    url = f"/dicom-web/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}/instances/{ds.SOPInstanceUID}"
    answer = client.get(url, headers={"Accept": "multipart/related; type=application/dicom"})
    [(_headers, body)] = split_multipart(answer)
    assert body == bytes(128) + data[128:]


def test_a_part_bigger_than_the_spool_threshold_is_stored_through_a_spool_file(client: TestClient, archive: Archive):
    rows = 2048
    pixels = bytes(range(256)) * (rows * rows * 2 // 256)  # 8 MiB of pixels
    big = make_object(Rows=rows, Columns=rows, PixelData=pixels)
    assert len(big) > SPOOL_ABOVE
    response = stow(client, [make_object(), big])
    assert response.status_code == 200
    ds = dcmread(io.BytesIO(big))
    assert archive.read_instance(ds.SOPInstanceUID) == big
    assert list(archive.blobs.incoming.iterdir()) == []  # the spool file is now only the blob
