"""Downloading a study as a zip (GET /api/studies/{uid}/archive): members are the stored files byte for byte,
named from series and instance numbers only, streamed in pieces; an unknown study is a 404."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.web.app import create_app
from tests.conftest import make_object

STUDY = "1.2.826.0.1.75.1"


@pytest.fixture
def archive(settings: Settings) -> Iterator[Archive]:
    with Archive.open(settings) as opened:
        yield opened


def store(archive: Archive, sop: str, series: str, **attributes: object) -> str:
    archive.store(make_object(StudyInstanceUID=STUDY, SeriesInstanceUID=f"{STUDY}.{series}",
                              SOPInstanceUID=f"{STUDY}.{series}.{sop}", **attributes))  # fmt: skip
    return f"{STUDY}.{series}.{sop}"


def members(body: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(body)) as zipped:
        assert zipped.testzip() is None  # every member's CRC checks out
        return {name: zipped.read(name) for name in zipped.namelist()}


def test_a_study_downloads_as_its_stored_files_in_series_folders(archive: Archive):
    expected = {
        "series-0002/00001.dcm": store(archive, "1", "2", SeriesNumber=2, InstanceNumber=1),
        "series-0002/00002.dcm": store(archive, "2", "2", SeriesNumber=2, InstanceNumber=2),
        "series-0002/00002-2.dcm": store(archive, "3", "2", SeriesNumber=2, InstanceNumber=2),
        "series-0010/00001.dcm": store(archive, "1", "10", SeriesNumber=10, InstanceNumber=1,
                                       SeriesDescription="../../etc/passwd", Modality="SR"),  # fmt: skip
        "series-none-1/none-1.dcm": store(archive, "1", "99", SeriesNumber=None, InstanceNumber=None),
        "series-none-1/none-2.dcm": store(archive, "2", "99", SeriesNumber=None, InstanceNumber=None),
    }
    archive.store(make_object())  # another study: not in the zip
    with TestClient(create_app(archive)) as client:
        response = client.get(f"/api/studies/{STUDY}/archive", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"] == f'attachment; filename="{STUDY}.zip"'
    assert "content-encoding" not in response.headers  # DICOM in a zip: not gzipped again
    found = members(response.content)
    assert sorted(found) == sorted(f"{STUDY}/{name}" for name in expected)
    for name, sop in expected.items():
        assert found[f"{STUDY}/{name}"] == archive.read_instance(sop), name


def test_a_study_bigger_than_a_piece_streams_in_pieces(archive: Archive):
    big = store(archive, "1", "1", Rows=1536, Columns=1536, PixelData=bytes(1536 * 1536 * 2))
    small = store(archive, "2", "1", InstanceNumber=2)
    with TestClient(create_app(archive)) as client, client.stream("GET", f"/api/studies/{STUDY}/archive") as response:
        assert response.status_code == 200
        pieces = list(response.iter_raw())
    assert len(pieces) >= 2
    found = members(b"".join(pieces))
    assert found[f"{STUDY}/series-0001/00001.dcm"] == archive.read_instance(big)
    assert found[f"{STUDY}/series-0001/00002.dcm"] == archive.read_instance(small)


def test_an_unknown_study_is_a_404_problem(archive: Archive):
    with TestClient(create_app(archive)) as client:
        response = client.get("/api/studies/1.2.3.404/archive")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "1.2.3.404" in response.json()["detail"]
