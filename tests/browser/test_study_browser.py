"""pypacs's own viewer in headless Chromium against a real `pypacs serve`: the study browser at / searches with
wildcards, sorts and pages on the server, lists a study's series with thumbnails (and reports, presentation
states and key objects by kind), downloads a study as a zip of its stored files, and opens it in the viewer;
bad input gets a message, never a blank page. Screenshots are kept in test-artifacts/browser/ (conftest.py)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.synthetic import PatientInfo, SeriesSpec, demo_studies, encode_part10, make_study
from pypacs.web.viewer import BUILT_VIEWER
from tests.conftest import SHARED_CT, make_object
from tests.interop.conftest import PacsProcess, start_pacs, stop_pacs

pytestmark = pytest.mark.browser

PAGING_STUDIES = 60
PIXEL_KEYWORDS = ("Rows", "Columns", "PixelData", "SamplesPerPixel", "BitsAllocated", "BitsStored", "HighBit",
                  "PixelRepresentation", "PhotometricInterpretation")  # fmt: skip
NO_PIXELS = dict.fromkeys(PIXEL_KEYWORDS)
# Objects the browser decodes with the image loader's WebAssembly codecs (pydicom's test files, new UIDs).
CODEC_FILES = {"MR_small_jp2klossless.dcm": "openjpegwasm_decode.wasm", "MR_small_jpeg_ls_lossless.dcm":
               "charlswasm_decode.wasm"}  # fmt: skip
NON_IMAGE = [  # SOP class, modality, what the browser calls it
    ("1.2.840.10008.5.1.4.1.1.88.33", "SR", "Comprehensive SR"),
    ("1.2.840.10008.5.1.4.1.1.88.59", "KO", "Key Object Selection"),
    ("1.2.840.10008.5.1.4.1.1.11.1", "PR", "Grayscale Softcopy Presentation State"),
    ("1.2.840.10008.5.1.4.1.1.88.67", "SR", "X-Ray Radiation Dose SR"),
]


@dataclass
class Served:
    pacs: PacsProcess
    stored: dict[str, bytes]  # SOP Instance UID -> the bytes stored (as sent, preamble zeroed)
    reports_study: str
    ct_study: str  # the real head CT when present, else a synthetic CT
    ct_patient_id: str
    ct_slices: int
    codec_studies: dict[str, str]  # file name -> study UID

    @property
    def url(self) -> str:
        return self.pacs.http_url


def as_stored(data: bytes) -> bytes:
    return bytes(128) + data[128:]  # ingest keeps what was sent behind a zeroed preamble


def codec_objects() -> dict[str, bytes]:
    objects = {}
    for name in CODEC_FILES:
        dataset = dcmread(get_testdata_file(name))
        dataset.StudyInstanceUID, dataset.SeriesInstanceUID = generate_uid(), generate_uid()
        dataset.SOPInstanceUID = dataset.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        dataset.PatientID, dataset.PatientName = f"CODEC-{len(objects)}", f"Codec^{name.split('.')[0]}"
        buffer = io.BytesIO()
        dataset.save_as(buffer, enforce_file_format=True)
        objects[name] = buffer.getvalue()
    return objects


def fill_archive(archive: Archive) -> tuple[dict[str, bytes], str, str, str, int]:
    stored: dict[str, bytes] = {}

    def store(data: bytes) -> None:
        archive.store(data)
        stored[str(dcmread(io.BytesIO(data), stop_before_pixels=True).SOPInstanceUID)] = as_stored(data)

    for dataset in demo_studies(slices=6, matrix=128):
        store(encode_part10(dataset))
    patient = PatientInfo("RPT001", "Reports^Rita", "19800101", "F")
    scout = SeriesSpec("CT", 3, 128, 128, 2.0, 5.0, "CT SCOUT")
    reports = list(make_study([scout], seed=77, patient=patient, study_date="20230405", accession_number="RPTACC",
                              study_description="REPORTS"))  # fmt: skip
    for dataset in reports:
        store(encode_part10(dataset))
    study = str(reports[0].StudyInstanceUID)
    for number, (sop_class, modality, _) in enumerate(NON_IMAGE, start=2):
        store(make_object(**NO_PIXELS, SOPClassUID=sop_class, Modality=modality, StudyInstanceUID=study,
                          SeriesInstanceUID=generate_uid(), SeriesNumber=number, SeriesDescription="",
                          PatientID="RPT001", PatientName="Reports^Rita", StudyDescription="REPORTS"))  # fmt: skip
    for number in range(PAGING_STUDIES):
        store(make_object(PatientName=f"Paging^P{number:03d}", PatientID=f"PG{number:03d}",
                          StudyDate=f"2022{1 + number % 12:02d}{1 + number % 28:02d}", AccessionNumber=f"PG{number}",
                          StudyDescription=f"PAGING {number:03d}"))  # fmt: skip
    if SHARED_CT.exists():
        for path in sorted(SHARED_CT.glob("*.dcm")):
            store(path.read_bytes())
        ct = next(dcmread(path, stop_before_pixels=True) for path in sorted(SHARED_CT.glob("*.dcm")))
        return stored, study, str(ct.StudyInstanceUID), str(ct.PatientID), len(list(SHARED_CT.glob("*.dcm")))
    synthetic_ct = next(dataset for dataset in demo_studies(slices=6, matrix=128) if dataset.Modality == "CT")
    return stored, study, str(synthetic_ct.StudyInstanceUID), str(synthetic_ct.PatientID), 6


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    if not (BUILT_VIEWER / "manifest.json").exists():
        pytest.fail("the viewer is not built: `make viewer` builds it (make test does)")
    root = tmp_path_factory.mktemp("study-browser")
    codecs = codec_objects()
    with Archive.open(Settings(data_dir=root / "data")) as archive:
        stored, reports, ct, ct_patient, slices = fill_archive(archive)
        for data in codecs.values():
            archive.store(data)
    codec_studies = {name: str(dcmread(io.BytesIO(data)).StudyInstanceUID) for name, data in codecs.items()}
    pacs = start_pacs(root / "data", "--dimse-processes", "1")
    try:
        yield Served(pacs, stored, reports, ct, ct_patient, slices, codec_studies)
    finally:
        stop_pacs(pacs)


def rows(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator("tr.study td.name").all_inner_texts()


def search(page, served: Served, **fields: str) -> None:  # type: ignore[no-untyped-def]
    """Fill the search form and submit it; returns once the answer is shown."""
    page.goto(f"{served.url}/", wait_until="networkidle")
    for name, value in fields.items():
        page.fill(f"#search [name={name}]", value)
    with page.expect_response(re.compile(r"/dicom-web/studies\?")):
        page.press("#search [name=name]", "Enter")
    expect(page.locator("#results")).not_to_have_attribute("aria-busy", "true")


def names(page):  # type: ignore[no-untyped-def]
    return expect(page.locator("tr.study td.name"))


def test_the_server_prints_the_viewer_url_and_serves_the_browser(served: Served):
    assert f"Viewer       {served.url}/" in served.pacs.log()
    assert httpx.get(f"{served.url}/", timeout=10).headers["content-type"].startswith("text/html")


def test_searching_by_patient_name_with_a_wildcard_or_a_prefix(page, served: Served):  # type: ignore[no-untyped-def]
    search(page, served, name="m*ller")
    assert rows(page) == ["Müller, Jürgen"]
    search(page, served, name="doe")  # no wildcard: a prefix
    assert rows(page) == ["Doe, John", "Doe, John"]
    assert "name=doe" in page.url  # the search is in the URL: reload and back keep it
    page.reload(wait_until="networkidle")
    names(page).to_have_text(["Doe, John", "Doe, John"])
    assert page.input_value("#search [name=name]") == "doe"
    search(page, served, name="nobody")
    expect(page.locator("tr.empty")).to_have_text("No studies match this search.")


def test_sorting_by_a_column_asks_the_server_and_flips_on_a_second_click(page, served: Served):  # type: ignore[no-untyped-def]
    search(page, served, description="paging 00")  # DICOM matching is case-sensitive: the browser asks for both
    dates = page.locator("tr.study td:nth-child(4)").all_inner_texts()
    assert dates == sorted(dates, reverse=True) and len(dates) == 10  # newest first by default
    page.click("button[data-sort=name]")
    names(page).to_have_text([f"Paging, P{n:03d}" for n in range(10)])
    expect(page.locator("th:has(button[data-sort=name])")).to_have_attribute("aria-sort", "ascending")
    page.click("button[data-sort=name]")
    names(page).to_have_text([f"Paging, P{n:03d}" for n in reversed(range(10))])
    assert "sort=-name" in page.url


def test_paging_through_studies_with_the_servers_count(page, served: Served):  # type: ignore[no-untyped-def]
    page.goto(f"{served.url}/?name=paging&sort=name&limit=25", wait_until="networkidle")
    where = page.locator(".pager-where")
    assert where.inner_text() == f"1–25 of {PAGING_STUDIES}"
    assert rows(page)[0] == "Paging, P000" and len(rows(page)) == 25
    page.click("button[data-page=next]")
    expect(where).to_have_text(f"26–50 of {PAGING_STUDIES}")
    expect(page.locator("tr.study td.name").first).to_have_text("Paging, P025")
    page.click("button[data-page=last]")
    expect(where).to_have_text(f"51–60 of {PAGING_STUDIES}")
    expect(page.locator("tr.study")).to_have_count(10)
    expect(page.locator("button[data-page=next]")).to_be_disabled()
    page.go_back()
    expect(where).to_have_text(f"26–50 of {PAGING_STUDIES}")
    assert "offset=25" in page.url


def test_a_studys_series_show_thumbnails_counts_and_non_image_kinds(page, served: Served):  # type: ignore[no-untyped-def]
    search(page, served, accession="RPTACC")
    page.click("tr.study")
    cards = page.locator(".series-card")
    cards.nth(len(NON_IMAGE)).wait_for()
    assert cards.count() == 1 + len(NON_IMAGE)
    picture = cards.first
    assert "Series 1 · CT" in picture.inner_text() and "3 images" in picture.inner_text()
    thumbnail = picture.locator("img.thumbnail")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    for position, (_, modality, kind) in enumerate(NON_IMAGE, start=1):
        card = cards.nth(position)
        text = card.inner_text()
        assert kind in text and modality in text and "1 object" in text, text
        assert card.locator("img").count() == 0  # no thumbnail asked for: it would fail
    assert picture.get_attribute("href") == f"/viewer?study={served.reports_study}&series=" + (
        picture.get_attribute("data-series-uid") or "")


def test_thumbnails_of_the_real_ct_load(page, served: Served):  # type: ignore[no-untyped-def]
    search(page, served, id=served.ct_patient_id)
    page.click(f"tr.study[data-study-uid='{served.ct_study}']")
    image = page.locator(".series-card img.thumbnail").first
    image.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert page.evaluate("img => img.naturalWidth", image.element_handle()) == 128


def test_downloading_a_study_gives_its_stored_files_byte_for_byte(page, served: Served, tmp_path: Path):  # type: ignore[no-untyped-def]
    search(page, served, accession="RPTACC")
    with page.expect_download() as download_info:
        page.click("tr.study a:has-text('Download')")
    download = download_info.value
    assert download.suggested_filename == f"{served.reports_study}.zip"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as zipped:
        names = zipped.namelist()
        assert all(re.fullmatch(rf"{re.escape(served.reports_study)}/series-\d{{4}}/\d{{5}}\.dcm", n) for n in names)
        assert len(names) == 3 + len(NON_IMAGE)
        for name in names:
            data = zipped.read(name)
            uid = str(dcmread(io.BytesIO(data), stop_before_pixels=True).SOPInstanceUID)
            assert data == served.stored[uid], name


def test_opening_a_study_shows_its_first_image_and_scrolls(page, served: Served, step):  # type: ignore[no-untyped-def]
    search(page, served, id=served.ct_patient_id)
    page.click(f"tr.study[data-study-uid='{served.ct_study}'] a:has-text('Open')")
    page.wait_for_url(re.compile(r"/viewer\?study="))
    viewport = page.locator(".viewport-cell[data-active][data-rendered]")
    viewport.wait_for(timeout=60000)
    expect(viewport.locator("[data-field=image]")).to_have_text(f"Image 1/{served.ct_slices}")
    assert re.fullmatch(r"W/L \d+/-?\d+", viewport.locator("[data-field=window]").inner_text())
    step("first image")
    picture = np.asarray(Image.open(io.BytesIO(viewport.locator("canvas").first.screenshot())).convert("L"),
                         dtype=np.float32)  # fmt: skip
    middle = picture[picture.shape[0] // 4: 3 * picture.shape[0] // 4, picture.shape[1] // 4: 3 * picture.shape[1] // 4]
    assert middle.std() > 20  # an image with structure, not an empty viewport
    page.mouse.move(800, 450)
    page.mouse.wheel(0, 120)
    expect(viewport).to_have_attribute("data-image-index", "1")
    expect(viewport.locator("[data-field=image]")).to_have_text(f"Image 2/{served.ct_slices}")


@pytest.mark.parametrize("name", sorted(CODEC_FILES))
def test_compressed_frames_are_decoded_by_webassembly_served_same_origin(page, served: Served, name: str):  # type: ignore[no-untyped-def]
    codecs: list[tuple[str, int, str]] = []
    page.on("response", lambda answer: codecs.append((answer.url, answer.status, answer.headers["content-type"]))
            if answer.url.endswith(".wasm") else None)  # fmt: skip
    page.goto(f"{served.url}/viewer?study={served.codec_studies[name]}", wait_until="networkidle")
    viewport = page.locator(".viewport-cell[data-active][data-rendered]")
    viewport.wait_for(timeout=60000)
    expect(viewport.locator("[data-field=image]")).to_have_text("Image 1/1")
    expect(viewport.locator("[data-field=window]")).to_have_text("W/L 1600/600")
    assert [(url.rsplit("/", 1)[1], status, kind) for url, status, kind in codecs] == [
        (CODEC_FILES[name], 200, "application/wasm")]
    assert all(url.startswith(f"{served.url}/viewer-assets/codecs-") for url, _, _ in codecs)
    picture = np.asarray(Image.open(io.BytesIO(viewport.locator("canvas").first.screenshot())).convert("L"))
    assert picture.std() > 20  # the MR slice, not an empty viewport


def test_the_viewer_lists_the_series_and_says_what_non_image_ones_hold(page, served: Served):  # type: ignore[no-untyped-def]
    page.goto(f"{served.url}/viewer?study={served.reports_study}", wait_until="networkidle")
    page.wait_for_selector(".viewport-cell[data-active][data-rendered]", timeout=60000)
    assert page.locator("#series .series-card").count() == 1 + len(NON_IMAGE)
    assert "Reports, Rita" in page.inner_text("#study-header")
    page.click("#series .series-card:has-text('Key Object Selection')")
    expect(page.locator(".viewport-cell[data-active] .viewport-message")).to_contain_text(
        "Key Object Selection: this series holds no pictures")
    expect(page.locator("#series .series-card:has-text('Key Object Selection')")).to_have_attribute("aria-pressed",
                                                                                                   "true")  # fmt: skip


def test_an_unknown_or_missing_study_gets_a_message_and_a_way_back(page, served: Served):  # type: ignore[no-untyped-def]
    page.goto(f"{served.url}/viewer?study=1.2.3.999", wait_until="networkidle")
    alert = page.locator("#message[role=alert]")
    expect(alert).to_contain_text("This archive has no study 1.2.3.999")
    expect(alert.locator("a[href='/']")).to_have_count(1)
    page.goto(f"{served.url}/viewer", wait_until="networkidle")
    expect(page.locator("#message[role=alert]")).to_contain_text("No study was given")


def test_a_server_error_during_a_search_is_shown_with_a_retry(page, served: Served):  # type: ignore[no-untyped-def]
    failing = {"on": True}

    def answer(route):  # type: ignore[no-untyped-def]
        if failing["on"]:
            route.fulfill(status=500, content_type="application/problem+json",
                          body='{"title": "Internal error", "detail": "the index is unavailable"}')  # fmt: skip
        else:
            route.continue_()

    page.route(re.compile(r".*/dicom-web/studies\?.*"), answer)
    page.goto(f"{served.url}/?name=doe", wait_until="networkidle")
    alert = page.locator("#message[role=alert]")
    expect(alert).to_contain_text("The search failed. Internal error: the index is unavailable")
    failing["on"] = False
    alert.locator("button", has_text="Try again").click()
    names(page).to_have_text(["Doe, John", "Doe, John"])
    expect(page.locator("#message")).to_be_hidden()
