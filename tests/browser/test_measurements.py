"""Measuring in pypacs's viewer, in headless Chromium against a real `pypacs serve` holding phantoms whose answers
are known (phantoms.py): lengths drawn with the mouse across a 50 mm square read 50 mm, ROI statistics are in HU,
uncalibrated images say px and detector-calibrated ones say so; measurements are listed, edited, deleted, saved as a
TID 1500 report that QIDO-RS finds and the JSON API reads back, and drawn again from it; the tag browser shows the
image's attributes. Mouse positions come from image pixel coordinates through what the page says of the viewport
(the canvas's box and data-zoom of the fitted, centred image)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import numpy as np
import pytest
from playwright.sync_api import expect
from pydicom import dcmwrite

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.web.viewer import BUILT_VIEWER
from tests.browser.phantoms import (
    CT_SIZE,
    CT_SPACING,
    DISC_CENTRE,
    DISC_MEAN,
    DISC_SD,
    IMAGER_SPACING,
    SMALL_SIZE,
    SMALL_SQUARE,
    SQUARE_END,
    SQUARE_HU,
    SQUARE_START,
    Phantom,
    measurement_phantom,
)
from tests.browser.reading import (
    ACTIVE,
    RENDERED,
    draw,
    image_texts,
    item,
    number,
    open_study,
    open_tab,
    shown_value,
)
from tests.interop.conftest import PacsProcess, start_pacs, stop_pacs

pytestmark = pytest.mark.browser

SELECTED_COLOUR = "rgb(0, 220, 0)"  # Cornerstone's colour for a selected annotation


@dataclass
class Served:
    pacs: PacsProcess
    phantom: Phantom

    @property
    def url(self) -> str:
        return self.pacs.http_url


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    if not (BUILT_VIEWER / "manifest.json").exists():
        pytest.fail("the viewer is not built: `make viewer` builds it (make test does)")
    root = tmp_path_factory.mktemp("measurements")
    phantom = measurement_phantom()
    with Archive.open(Settings(data_dir=root / "data")) as archive:
        for dataset in phantom.datasets:
            buffer = io.BytesIO()
            dcmwrite(buffer, dataset, enforce_file_format=True)
            archive.store(buffer.getvalue())
    pacs = start_pacs(root / "data", "--dimse-processes", "1")
    try:
        yield Served(pacs, phantom)
    finally:
        stop_pacs(pacs)


def open_series(page, served: Served, series: str, **parameters: str) -> None:  # type: ignore[no-untyped-def]
    open_study(page, served.url, served.phantom.study, series=series, **parameters)


def test_a_length_across_the_square_reads_its_size_and_an_angle_its_degrees(page, served: Served, step):  # type: ignore[no-untyped-def]
    open_series(page, served, served.phantom.ct_series)
    screen = open_tab(page, "m", "measurements", CT_SIZE)
    middle = (SQUARE_START + SQUARE_END) / 2
    draw(page, screen, "l", (SQUARE_START, middle), (SQUARE_END, middle))
    length = item(page, "length")
    expect(length).to_have_count(1)
    true_length = (SQUARE_END - SQUARE_START) * CT_SPACING  # 50 mm
    assert number(length, "length") == pytest.approx(true_length, rel=0.01)
    assert shown_value(length.inner_text(), "mm") == pytest.approx(true_length, rel=0.01)
    on_image = [shown_value(text, "mm") for text in image_texts(page) if " mm" in text]
    assert on_image == [pytest.approx(true_length, rel=0.01)]
    assert "Image 1" in length.inner_text()
    step("length across the square")
    page.keyboard.press("n")
    page.mouse.move(*screen.at(100, 300))
    page.mouse.down()
    page.mouse.move(*screen.at(100, 400), steps=5)
    page.mouse.up()
    page.mouse.move(*screen.at(200, 400), steps=5)
    page.mouse.click(*screen.at(200, 400))
    angle = item(page, "angle")
    expect(angle).to_have_count(1)
    assert number(angle, "angle") == pytest.approx(90, abs=1)
    assert "°" in angle.inner_text()
    step("a right angle")


def ellipse_mask(centre: tuple[float, float], corner: tuple[float, float]) -> np.ndarray:
    """The pixels whose centres are inside the ellipse the tool draws from its centre to a corner of its box."""
    rows, columns = np.mgrid[0:CT_SIZE, 0:CT_SIZE] + 0.5
    a, b = abs(corner[0] - centre[0]), abs(corner[1] - centre[1])
    return ((columns - centre[0]) / a) ** 2 + ((rows - centre[1]) / b) ** 2 <= 1


@pytest.mark.parametrize("renderer", ["cpu", "gpu"])
def test_regions_give_their_area_in_mm2_and_statistics_in_hounsfield_units(page, served: Served, step, renderer):  # type: ignore[no-untyped-def]
    open_series(page, served, served.phantom.ct_series, renderer=renderer)
    screen = open_tab(page, "m", "measurements", CT_SIZE)
    centre, corner = draw(page, screen, "e", DISC_CENTRE, (DISC_CENTRE[0] + 40, DISC_CENTRE[1] + 40))
    ellipse = item(page, "ellipse")
    expect(ellipse).to_have_count(1)
    (cx, cy), (ex, ey) = screen.image(centre), screen.image(corner)
    inside = served.phantom.ct_pixels[ellipse_mask((cx, cy), (ex, ey))]
    assert number(ellipse, "mean") == pytest.approx(DISC_MEAN, abs=1)
    assert number(ellipse, "mean") == pytest.approx(inside.mean(), abs=0.3)
    assert number(ellipse, "sd") == pytest.approx(DISC_SD, abs=1)
    true_area = np.pi * abs(ex - cx) * abs(ey - cy) * CT_SPACING**2
    assert number(ellipse, "area") == pytest.approx(true_area, rel=0.01)
    assert "HU" in ellipse.inner_text() and "mm²" in ellipse.inner_text()
    step("ellipse in the noisy disc")

    first, last = draw(page, screen, "b", (170, 170), (240, 240))
    rectangle = item(page, "rectangle")
    expect(rectangle).to_have_count(1)
    assert number(rectangle, "mean") == pytest.approx(SQUARE_HU, abs=1)
    assert number(rectangle, "sd") == pytest.approx(0, abs=0.01)
    (x0, y0), (x1, y1) = screen.image(first), screen.image(last)
    assert number(rectangle, "area") == pytest.approx(abs(x1 - x0) * abs(y1 - y0) * CT_SPACING**2, rel=0.01)
    assert any("Mean 60.0 ± 0.0 HU" in text for text in image_texts(page))
    step("rectangle in the uniform square")

    outline = [(175, 175), (235, 175), (235, 235), (175, 235), (175, 176)]
    positions = draw(page, screen, "d", *outline)
    freehand = item(page, "freehand")
    expect(freehand).to_have_count(1)
    assert number(freehand, "mean") == pytest.approx(SQUARE_HU, abs=1)
    corners = np.array([screen.image(position) for position in positions[:4]])
    x, y = corners[:, 0], corners[:, 1]
    shoelace = 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))
    assert number(freehand, "area") == pytest.approx(shoelace * CT_SPACING**2, rel=0.03)
    step("freehand in the uniform square")


def test_an_image_without_pixel_spacing_measures_in_pixels(page, served: Served, step):  # type: ignore[no-untyped-def]
    open_series(page, served, served.phantom.plain_series)
    screen = open_tab(page, "m", "measurements", SMALL_SIZE)
    start, end = SMALL_SQUARE
    draw(page, screen, "l", (start, 128), (end, 128))
    length = item(page, "length")
    expect(length).to_have_count(1)
    assert length.get_attribute("data-unit") == "px"
    assert shown_value(length.inner_text(), "px") == pytest.approx(end - start, rel=0.01)
    assert any(" px" in text for text in image_texts(page))
    draw(page, screen, "b", (90, 90), (160, 160))
    expect(item(page, "rectangle")).to_contain_text("px²")
    step("sizes in pixels")


def test_an_image_with_only_imager_pixel_spacing_says_so(page, served: Served, step):  # type: ignore[no-untyped-def]
    open_series(page, served, served.phantom.imager_series)
    screen = open_tab(page, "m", "measurements", SMALL_SIZE)
    start, end = SMALL_SQUARE
    draw(page, screen, "l", (start, 128), (end, 128))
    length = item(page, "length")
    expect(length).to_contain_text("calibrated by Imager Pixel Spacing")
    assert length.get_attribute("data-calibration") == "imager pixel spacing"
    assert shown_value(length.inner_text(), "mm") == pytest.approx((end - start) * IMAGER_SPACING, rel=0.01)
    assert any("calibrated by Imager Pixel Spacing" in text for text in image_texts(page))
    step("sizes at the detector")


def sr_series(served: Served) -> set[str]:
    answer = httpx.get(f"{served.url}/dicom-web/studies/{served.phantom.study}/series", params={"Modality": "SR"},
                       headers={"Accept": "application/dicom+json"})  # fmt: skip
    return {series["0020000E"]["Value"][0] for series in answer.json()} if answer.status_code == 200 else set()


def test_saved_measurements_are_a_tid1500_report_found_read_back_and_drawn_again(page, served: Served, step):  # type: ignore[no-untyped-def]
    open_series(page, served, served.phantom.ct_series)
    screen = open_tab(page, "m", "measurements", CT_SIZE)
    page.keyboard.press("ArrowDown")
    expect(page.locator(f"{ACTIVE} [data-field=image]")).to_have_text("Image 2/3")
    middle = (SQUARE_START + SQUARE_END) / 2
    positions = draw(page, screen, "l", (SQUARE_START, middle), (SQUARE_END, middle))
    draw(page, screen, "e", DISC_CENTRE, (DISC_CENTRE[0] + 30, DISC_CENTRE[1] + 30))
    length, ellipse = item(page, "length"), item(page, "ellipse")
    expect(length).to_contain_text("Image 2")
    shown_length, shown_mean = number(length, "length"), number(ellipse, "mean")
    before = sr_series(served)
    page.click("[data-action=save-measurements]")
    status = page.locator(".panel-status")
    expect(status).to_contain_text("Saved 2 measurements")
    expect(status).to_contain_text("1 length, 1 region")
    sop = re.search(r"DICOM SR ([\d.]+)\)", status.inner_text())
    assert sop, status.inner_text()
    step("saved")

    assert len(sr_series(served) - before) == 1  # found by QIDO-RS as a new SR series
    reports = httpx.get(f"{served.url}/api/studies/{served.phantom.study}/measurements").json()
    report = next(found for found in reports if found["sopInstanceUID"] == sop.group(1))
    stored_length = next(value for value in report["measurements"] if value["kind"] == "length")
    assert stored_length["length"] == pytest.approx(shown_length, rel=0.01)
    assert stored_length["length"] == pytest.approx((SQUARE_END - SQUARE_START) * CT_SPACING, rel=0.01)
    assert stored_length["image"]["sopInstanceUID"] == served.phantom.ct_sops[1]
    for stored, drawn in zip(stored_length["points"], positions, strict=True):
        assert stored == pytest.approx(screen.image(drawn), abs=0.5)
    region = next(value for value in report["measurements"] if value["kind"] == "region")
    assert region["shape"] == "ELLIPSE" and region["unit"] == "[hnsf'U]"
    assert region["mean"] == pytest.approx(shown_mean, abs=1e-6)

    page.reload(wait_until="networkidle")
    page.locator(RENDERED).wait_for(timeout=60000)
    open_tab(page, "m", "measurements", CT_SIZE)
    expect(item(page, "length")).to_have_count(0)
    stored_row = page.locator(f"li.report[data-sop-instance-uid='{sop.group(1)}']")
    expect(stored_row).to_contain_text("1 length, 1 region")
    step("reloaded: the report is listed")
    stored_row.locator("[data-action=load-report]").click()
    expect(item(page, "length")).to_have_count(1)
    expect(page.locator(f"{ACTIVE} [data-field=image]")).to_have_text("Image 2/3")
    assert number(item(page, "length"), "length") == pytest.approx(shown_length, rel=1e-6)
    assert number(item(page, "ellipse"), "mean") == pytest.approx(shown_mean, abs=0.01)
    expect(page.locator(".panel-status")).to_contain_text("Drew 2 measurements")
    expect(page.locator(f"{ACTIVE} svg text", has_text="50.0 mm")).to_have_count(1)
    uid = item(page, "length").get_attribute("data-uid")
    expect(page.locator(f'{ACTIVE} svg [data-id="{uid}-line"]')).to_have_count(1)
    step("drawn again on image 2")


def answer_dialog(page, text: str) -> None:  # type: ignore[no-untyped-def]
    dialog = page.locator("dialog.ask[open]")
    expect(dialog).to_be_visible()
    dialog.locator("input").fill(text)
    dialog.locator("button[value=ok]").click()
    expect(dialog).to_have_count(0)


def test_measurements_are_listed_edited_selected_and_deleted(page, served: Served, step):  # type: ignore[no-untyped-def]
    open_series(page, served, served.phantom.ct_series)
    screen = open_tab(page, "m", "measurements", CT_SIZE)
    middle = (SQUARE_START + SQUARE_END) / 2
    draw(page, screen, "l", (SQUARE_START, middle), (SQUARE_END, middle))
    length = item(page, "length")
    page.keyboard.press("w")  # another tool: the length stays editable by its handles
    page.mouse.move(*screen.at(SQUARE_END, middle))
    page.mouse.down()
    page.mouse.move(*screen.at(SQUARE_END + 50, middle), steps=8)
    page.mouse.up()
    expect(length).to_contain_text("75.")
    assert number(length, "length") == pytest.approx(75, rel=0.01)
    step("handle dragged to 75 mm")
    length.locator("[data-action=relabel]").click()
    answer_dialog(page, "Lesion 1")
    expect(length.locator(".measurement-label")).to_have_text("Lesion 1")
    assert any("Lesion 1" in text for text in image_texts(page))

    draw(page, screen, "a", (420, 150), (300, 200))
    answer_dialog(page, "lesion")
    expect(item(page, "arrow")).to_contain_text("lesion")
    item(page, "arrow").locator("[data-action=relabel]").click()
    answer_dialog(page, "cyst")
    expect(item(page, "arrow")).to_contain_text("cyst")
    page.keyboard.press("t")
    page.mouse.click(*screen.at(420, 450))
    answer_dialog(page, "see prior")
    expect(item(page, "text")).to_contain_text("see prior")
    assert {"cyst", "see prior"} <= set(image_texts(page))
    step("labelled, arrow and note")

    page.keyboard.press("w")
    page.keyboard.press("End")
    expect(page.locator(f"{ACTIVE} [data-field=image]")).to_have_text("Image 3/3")
    length.locator(".measurement-go").click()
    expect(page.locator(f"{ACTIVE} [data-field=image]")).to_have_text("Image 1/3")
    expect(length).to_have_attribute("aria-selected", "true")
    uid = length.get_attribute("data-uid")
    expect(page.locator(f'{ACTIVE} svg [data-id="{uid}-line"]')).to_have_attribute("stroke", SELECTED_COLOUR)
    step("chosen in the list: its image, selected")
    page.keyboard.press("Delete")
    expect(length).to_have_count(0)
    expect(page.locator(f'{ACTIVE} svg [data-id^="{uid}"]')).to_have_count(0)
    item(page, "arrow").locator("[data-action=delete]").click()
    expect(item(page, "arrow")).to_have_count(0)
    expect(page.locator("li.measurement")).to_have_count(1)
    step("deleted by key and by button")
    page.keyboard.press("?")
    expect(page.locator("#help")).to_contain_text("Delete the selected measurement")
    expect(page.locator("#help")).to_contain_text("DICOM tags of the image shown")


def test_saving_says_what_cannot_be_stored_and_what_the_server_refused(page, served: Served, step):  # type: ignore[no-untyped-def]
    open_series(page, served, served.phantom.plain_series)
    screen = open_tab(page, "m", "measurements", SMALL_SIZE)
    draw(page, screen, "l", (SMALL_SQUARE[0], 128), (SMALL_SQUARE[1], 128))
    page.click("[data-action=save-measurements]")
    refusal = page.locator(".panel-status[role=alert]")
    expect(refusal).to_contain_text("nothing to save")
    expect(refusal).to_contain_text("in pixels")
    step("nothing a report can hold")

    def refuse(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.method != "POST":
            route.continue_()
            return
        route.fulfill(status=400, content_type="application/problem+json",
                      body='{"title": "Invalid request", "detail": "measurements.0.points: too few"}')  # fmt: skip

    page.route("**/api/studies/*/series/*/measurements", refuse)
    open_series(page, served, served.phantom.ct_series)
    screen = open_tab(page, "m", "measurements", CT_SIZE)
    draw(page, screen, "l", (SQUARE_START, 200), (SQUARE_END, 200))
    page.click("[data-action=save-measurements]")
    expect(refusal).to_contain_text("could not be saved")
    expect(refusal).to_contain_text("too few")
    step("the server's refusal")


def test_the_tag_browser_shows_the_images_attributes_and_follows_the_image(page, served: Served, step):  # type: ignore[no-untyped-def]
    open_series(page, served, served.phantom.ct_series)
    open_tab(page, "g", "tags", CT_SIZE)
    panel = page.locator("[data-panel=tags]")
    spacing = panel.locator('.tag-row[data-tag="00280030"]')
    for text in ("(0028,0030)", "PixelSpacing", "DS", "0.5\\0.5"):
        expect(spacing).to_contain_text(text)
    expect(panel.locator('.tag-row[data-tag="7FE00010"]')).to_contain_text("(bulk data)")
    sequence = panel.locator('details.tag-sequence[data-tag="00082218"]')
    meaning = sequence.locator('.tag-row[data-tag="00080104"]')
    expect(sequence).to_contain_text("AnatomicRegionSequence")
    expect(meaning).to_be_hidden()
    step("tags of image 1")
    sequence.locator("summary").first.click()
    expect(meaning).to_be_visible()
    expect(meaning).to_contain_text("Abdomen")
    step("a sequence opened")

    search = panel.locator("input[name=tag-filter]")
    search.fill("spacing")
    expect(spacing).to_be_visible()
    expect(panel.locator('.tag-row[data-tag="00100010"]')).to_be_hidden()
    step("filtered")
    search.fill("")
    page.evaluate("document.activeElement.blur()")
    instance = panel.locator('.tag-row[data-tag="00200013"] .tag-value')
    expect(instance).to_have_text("1")
    page.keyboard.press("ArrowDown")
    expect(instance).to_have_text("2")
    expect(panel.locator(".tags-image")).to_contain_text("Image 2/3")
    expect(meaning).to_be_visible()  # the sequence stays open
    step("image 2")
