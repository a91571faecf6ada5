"""The web viewer as the server serves it: the pages at / and /viewer with the server's paths filled in, the built
files under /viewer-assets/ with their media types and caching, and a page saying how to build it when it is not."""

from __future__ import annotations

import gzip
import html
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import PIL.Image
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.synthetic import PatientInfo, SeriesSpec, encode_part10, make_study
from pypacs.web.app import create_app
from pypacs.web.viewer import BUILT_VIEWER, mount_viewer


@pytest.fixture(scope="module")
def manifest() -> dict:
    path = BUILT_VIEWER / "manifest.json"
    if not path.exists():
        pytest.fail(f"the viewer is not built ({path} is missing): `make viewer` builds it")
    return json.loads(path.read_text())


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path / "data", dicomweb_root="/dicomweb")
    with Archive.open(settings) as archive, TestClient(create_app(archive)) as test_client:
        yield test_client


def referenced_assets(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/viewer-assets/[^"]+)"', page)


def test_the_study_browser_is_served_at_the_root_with_the_servers_paths(client: TestClient, manifest: dict):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    page = response.text
    assert '<meta name="pypacs-dicomweb-root" content="/dicomweb">' in page
    assert '<meta name="pypacs-api-root" content="/api">' in page
    assert "{{" not in page
    assert sorted(referenced_assets(page)) == sorted(
        f"/viewer-assets/{manifest['entries'][name]}" for name in ("browser.js", "style.css")
    )
    assert client.head("/").status_code == 200


def test_the_reading_page_is_served_at_viewer(client: TestClient, manifest: dict):
    response = client.get("/viewer", params={"study": "1.2.3"})
    assert response.status_code == 200
    assert f"/viewer-assets/{manifest['entries']['reading.js']}" in response.text


def test_hashed_assets_are_cached_for_a_year_with_their_media_types(client: TestClient, manifest: dict):
    for name, media_type in (("browser.js", "text/javascript"), ("reading.js", "text/javascript"),
                             ("style.css", "text/css")):  # fmt: skip
        response = client.get(f"/viewer-assets/{manifest['entries'][name]}")
        assert response.status_code == 200, name
        assert response.headers["content-type"].startswith(media_type), name
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable", name
        assert response.content == (BUILT_VIEWER / manifest["entries"][name]).read_bytes()


def test_the_decode_worker_and_codecs_are_served_same_origin(client: TestClient, manifest: dict):
    worker = client.get("/viewer-assets/decodeImageFrameWorker.js")
    assert worker.status_code == 200 and worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["cache-control"] == "no-cache"  # its name carries no hash: the loader asks for it so
    codecs = sorted(path.name for path in (BUILT_VIEWER / manifest["codecs"]).iterdir())
    assert "openjpegwasm_decode.wasm" in codecs and "charlswasm_decode.wasm" in codecs
    for name in codecs:
        response = client.get(f"/viewer-assets/{manifest['codecs']}/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/wasm"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.content[:4] == b"\0asm"


def test_hashed_assets_are_sent_gzipped_and_compressed_once(
    client: TestClient, manifest: dict, monkeypatch: pytest.MonkeyPatch
):
    compressed: list[int] = []
    original = gzip.compress

    def counted(data: bytes, **options: int) -> bytes:
        compressed.append(len(data))
        return original(data, **options)

    monkeypatch.setattr(gzip, "compress", counted)
    name = manifest["entries"]["style.css"]
    for _ in range(2):
        response = client.get(f"/viewer-assets/{name}", headers={"Accept-Encoding": "gzip"})
        assert response.headers["content-encoding"] == "gzip"
        assert response.headers["content-type"].startswith("text/css")
        assert response.content == (BUILT_VIEWER / name).read_bytes()  # decoded once: not gzipped twice
    assert compressed == [(BUILT_VIEWER / name).stat().st_size]
    plain = client.get(f"/viewer-assets/{name}", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == (BUILT_VIEWER / name).read_bytes()
    wasm = client.get(f"/viewer-assets/{manifest['codecs']}/openjpegwasm_decode.wasm")
    assert wasm.headers["content-encoding"] == "gzip" and wasm.headers["content-type"] == "application/wasm"


def test_an_unchanged_asset_is_not_sent_again(client: TestClient, manifest: dict):
    path = f"/viewer-assets/{manifest['entries']['style.css']}"
    etag = client.get(path).headers["etag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_an_unknown_asset_is_a_404_and_no_path_escapes_the_bundle(client: TestClient, manifest: dict):
    assert client.get("/viewer-assets/nothing-here.js").status_code == 404
    assert client.get("/viewer-assets/../../config.py").status_code == 404
    assert client.get("/viewer-assets/%2e%2e/%2e%2e/viewer.py").status_code == 404


def test_without_a_build_the_pages_say_how_to_build_the_viewer(tmp_path: Path):
    app = FastAPI()
    mount_viewer(app, "/dicom-web", directory=tmp_path / "not-built")
    with TestClient(app) as test_client:
        for path in ("/", "/viewer"):
            response = test_client.get(path)
            assert response.status_code == 503
            assert "make viewer" in response.text and 'href="/dicom-web/studies"' in response.text
        assert test_client.get("/viewer-assets/browser.js").status_code == 404


def test_a_bundle_reached_through_a_symbolic_link_is_served_the_same(tmp_path: Path, manifest: dict):
    linked = tmp_path / "linked-viewer"
    linked.symlink_to(BUILT_VIEWER, target_is_directory=True)
    app = FastAPI()
    mount_viewer(app, "/dicom-web", directory=linked)
    with TestClient(app) as test_client:
        script = test_client.get(f"/viewer-assets/{manifest['entries']['browser.js']}")
        assert script.status_code == 200 and script.headers["cache-control"] == "public, max-age=31536000, immutable"
        wasm = test_client.get(f"/viewer-assets/{manifest['codecs']}/openjpegwasm_decode.wasm")
        assert wasm.status_code == 200 and wasm.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert test_client.get("/").status_code == 200


# -- the first image, in the reading page itself -------------------------------------------------------------------


@pytest.fixture
def study_with_series(tmp_path: Path) -> Iterator[tuple[TestClient, list[list[Dataset]]]]:
    """A study stored out of order: a structured report as series 1 (no pictures), CT as series 2 and 3, each
    series' instances stored from the last instance number to the first."""
    settings = Settings(data_dir=tmp_path / "data", dicomweb_root="/dicomweb")
    specs = [SeriesSpec(slices=4, rows=64, columns=48), SeriesSpec(slices=3, rows=32, columns=32)]
    datasets = list(make_study(specs, patient=PatientInfo("FIRST1", "FIRST^IMAGE"), seed=7))
    study_uid = datasets[0].StudyInstanceUID
    by_series: dict[str, list[Dataset]] = {}
    for dataset in datasets:
        dataset.SeriesNumber += 1
        by_series.setdefault(dataset.SeriesInstanceUID, []).append(dataset)
    report = Dataset()
    report.file_meta = FileMetaDataset()
    report.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    report.SOPClassUID = "1.2.840.10008.5.1.4.1.1.88.11"  # Basic Text SR
    report.SOPInstanceUID = generate_uid()
    report.file_meta.MediaStorageSOPClassUID = report.SOPClassUID
    report.file_meta.MediaStorageSOPInstanceUID = report.SOPInstanceUID
    report.StudyInstanceUID, report.SeriesInstanceUID = study_uid, generate_uid()
    report.PatientID, report.PatientName, report.Modality = datasets[0].PatientID, datasets[0].PatientName, "SR"
    report.SeriesNumber, report.InstanceNumber = 1, 1
    series = [[report], *by_series.values()]
    with Archive.open(settings) as archive, TestClient(create_app(archive)) as test_client:
        for datasets_of_series in series:
            for dataset in sorted(datasets_of_series, key=lambda ds: -int(ds.InstanceNumber)):
                archive.store(encode_part10(dataset))
        yield test_client, series


def first_image(page: str) -> dict[str, str] | None:
    found = re.search(r"<img ([^>]*)>", page)
    if found is None:
        return None
    return dict(re.findall(r'([\w-]+)="([^"]*)"', found[1]))


def test_the_reading_page_holds_its_first_image_rendered_by_the_server(
    study_with_series: tuple[TestClient, list[list[Dataset]]], manifest: dict
):
    client, series = study_with_series
    study = series[1][0].StudyInstanceUID
    page = client.get("/viewer", params={"study": study}).text
    image = first_image(page)
    assert image is not None, "no first image in the page"
    lowest = min(series[1], key=lambda ds: int(ds.InstanceNumber))  # series 2: series 1 is a report
    assert image["id"] == "first-image"
    assert (image["data-series"], image["data-instance"]) == (lowest.SeriesInstanceUID, lowest.SOPInstanceUID)
    src = html.unescape(image["src"])
    assert src.startswith(f"/dicomweb/studies/{study}/series/{lowest.SeriesInstanceUID}/instances/")
    picture = client.get(src)
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"
    assert PIL.Image.open(io.BytesIO(picture.content)).size == (48, 64)  # columns x rows, full size


def test_the_first_image_follows_the_series_asked_for_and_only_one_viewport(
    study_with_series: tuple[TestClient, list[list[Dataset]]], manifest: dict
):
    client, series = study_with_series
    study = series[1][0].StudyInstanceUID
    third = series[2]
    image = first_image(client.get("/viewer", params={"study": study, "series": third[0].SeriesInstanceUID}).text)
    assert image is not None
    assert image["data-instance"] == min(third, key=lambda ds: int(ds.InstanceNumber)).SOPInstanceUID
    # a series without pictures (the report) or not in the study: the page says so or opens another; no guess here
    for other in (series[0][0].SeriesInstanceUID, "1.2.3.4"):
        assert first_image(client.get("/viewer", params={"study": study, "series": other}).text) is None
    assert first_image(client.get("/viewer", params={"study": study, "layout": "2x2"}).text) is None
    for nothing in ({"study": "1.2.3"}, {}, {"study": study + "\x00"}):
        response = client.get("/viewer", params=nothing)
        assert response.status_code == 200 and first_image(response.text) is None
