"""Reading a study in pypacs's viewer as a radiologist does, in headless Chromium against a real `pypacs serve`:
scroll the GE head CT, window it by preset and typed values, probe Hounsfield units and patient millimetres, zoom,
rotate, flip, invert and reset; lay out viewports, drag series into them, scroll them together and see reference
lines; colour, palette, multi-frame cine and MONOCHROME1 images; odd objects and stored syntaxes the browser cannot
decode. Each step is kept as a screenshot (test-artifacts/browser/)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect
from pydicom import Dataset, dcmread

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.web.viewer import BUILT_VIEWER
from tests.browser.reading import field, marker, middle, open_study, picture, press, wait_window
from tests.browser.reading_studies import SERVER_DECODED, SYNTAX_FILES, ReadingStudies, fill
from tests.interop.conftest import PacsProcess, start_pacs, stop_pacs

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ReadingStudies]]:
    if not (BUILT_VIEWER / "manifest.json").exists():
        pytest.fail("the viewer is not built: `make viewer` builds it (make test does)")
    root = tmp_path_factory.mktemp("reading")
    with Archive.open(Settings(data_dir=root / "data")) as archive:
        studies = fill(archive)
    pacs: PacsProcess = start_pacs(root / "data", "--dimse-processes", "1")
    try:
        yield pacs.http_url, studies
    finally:
        stop_pacs(pacs)


def dataset(source: Path | Dataset) -> Dataset:
    return dcmread(source) if isinstance(source, Path) else source


@pytest.mark.parametrize("renderer", ["cpu", "gpu"])
def test_scrolling_the_head_ct_and_windowing_it_by_preset_and_by_typed_values(page, served, step, renderer):  # type: ignore[no-untyped-def]
    url, studies = served
    total = len(studies.ct_files)
    viewport = open_study(page, url, studies.ct, renderer=renderer)
    expect(field(viewport, "image")).to_have_text(f"Image 1/{total}")
    step("opened")
    for _ in range(9):
        press(page, viewport, "ArrowDown")
    expect(field(viewport, "image")).to_have_text(f"Image 10/{total}")
    expect(viewport).to_have_attribute("data-image-index", "9")
    location = dataset(studies.ct_files[9]).get("SliceLocation")
    if location is not None:
        expect(field(viewport, "slice")).to_contain_text(f"Loc {round(float(location), 2)} mm")
    step("image 10")
    stored = viewport.get_attribute("data-window")
    before = middle(picture(viewport))
    press(page, viewport, "3")  # the brain preset
    wait_window(viewport, "80/40")
    after = middle(picture(viewport))
    rows, columns = min(before.shape[0], after.shape[0]), min(before.shape[1], after.shape[1])
    changed = np.abs(after[:rows, :columns] - before[:rows, :columns]).mean()
    print(stored, before.mean(), after.mean(), changed)
    assert changed > 5, (stored, before.mean(), after.mean(), changed)
    step("brain preset")
    page.click(".presets-menu summary")
    expect(page.locator(".preset[data-preset=brain]")).to_contain_text("W 80–100 · L 30–40")
    expect(page.locator(".preset[data-preset=lung]")).to_contain_text("W 1500–2000 · L -600–-450")
    page.click(".preset[data-preset=bone]")
    wait_window(viewport, "1500/300")
    page.fill(".window-form [name=width]", "400")
    page.fill(".window-form [name=level]", "50")
    page.click(".window-form button[type=submit]")
    wait_window(viewport, "400/50")
    step("typed window")
    press(page, viewport, "End")
    expect(field(viewport, "image")).to_have_text(f"Image {total}/{total}")
    page.locator(".viewport-cell[data-active] .stack-slider").fill("5")
    expect(field(viewport, "image")).to_have_text(f"Image 5/{total}")
    wait_window(viewport, "400/50")  # the window stays while scrolling


def test_the_probe_shows_the_stored_hounsfield_value_and_the_patient_position(page, served, step):  # type: ignore[no-untyped-def]
    url, studies = served
    viewport = open_study(page, url, studies.ct)
    for _ in range(9):
        press(page, viewport, "ArrowDown")
    expect(field(viewport, "image")).to_contain_text("Image 10/")
    box = viewport.bounding_box()
    for dx, dy in ((0.5, 0.5), (0.42, 0.61)):
        page.mouse.move(box["x"] + box["width"] * dx, box["y"] + box["height"] * dy)
        probe = field(viewport, "probe")
        expect(probe).to_contain_text("HU")
        found = re.fullmatch(r"x (\d+) y (\d+) · (-?[\d.]+) HU", probe.inner_text())
        assert found, probe.inner_text()
        column, row, value = int(found[1]), int(found[2]), float(found[3])
        image = dataset(studies.ct_files[9])
        stored = float(image.pixel_array[row, column]) * float(image.RescaleSlope) + float(image.RescaleIntercept)
        assert value == pytest.approx(stored, abs=0.01)
        position = [float(v) for v in re.findall(r"-?\d+\.\d", field(viewport, "probe-patient").inner_text())]
        origin = np.array(image.ImagePositionPatient, dtype=float)
        orientation = np.array(image.ImageOrientationPatient, dtype=float)
        rows_direction, columns_direction = orientation[:3], orientation[3:]
        spacing_row, spacing_column = (float(v) for v in image.PixelSpacing)
        expected = origin + column * spacing_column * rows_direction + row * spacing_row * columns_direction
        error = np.abs(np.array(position) - expected).max()
        assert error <= 1.5 * max(spacing_row, spacing_column), (position, expected)
    step("probe")


@pytest.mark.parametrize("renderer", ["cpu", "gpu"])
def test_zoom_rotate_flip_invert_and_reset_act_on_the_view_and_its_markers(page, served, step, renderer):  # type: ignore[no-untyped-def]
    url, studies = served
    viewport = open_study(page, url, studies.ct, renderer=renderer)
    upright_picture = picture(viewport)
    expect(viewport.locator(".orientation-marker[data-side=top]")).not_to_be_empty()
    upright = {side: marker(viewport, side) for side in ("top", "bottom", "left", "right")}
    assert upright["left"].startswith("R") and upright["right"].startswith("L"), upright  # radiological convention
    assert upright["top"].startswith("A") and upright["bottom"].startswith("P"), upright
    fitted = float(viewport.get_attribute("data-zoom") or 0)
    assert fitted > 0
    expect(viewport.locator(".scale-bar")).to_be_visible()
    expect(viewport.locator(".scale-bar")).to_have_text(re.compile(r"^\d+ (mm|cm)$"))
    press(page, viewport, "o")
    expect(field(viewport, "zoom")).to_have_text("Zoom 1.00×")
    press(page, viewport, "+")
    expect(field(viewport, "zoom")).to_have_text("Zoom 1.25×")
    press(page, viewport, "f")
    expect(viewport).to_have_attribute("data-zoom", f"{fitted:.3f}")
    press(page, viewport, "r")
    expect(viewport.locator(".orientation-marker[data-side=top]")).to_have_text(upright["left"])
    expect(viewport.locator(".orientation-marker[data-side=right]")).to_have_text(upright["top"])
    step("rotated")
    press(page, viewport, "x")
    expect(viewport.locator(".orientation-marker[data-side=top]")).to_have_text(upright["top"])
    press(page, viewport, "h")
    expect(viewport.locator(".orientation-marker[data-side=left]")).to_have_text(upright["right"])
    expect(viewport.locator(".orientation-marker[data-side=right]")).to_have_text(upright["left"])
    step("flipped")
    press(page, viewport, "x")
    press(page, viewport, "v")
    expect(viewport.locator(".orientation-marker[data-side=top]")).to_have_text(upright["bottom"])
    # the picture itself is turned upside down, not only the markers (the head's front is not like its back)
    flipped = picture(viewport)
    mirrored = np.abs(flipped - upright_picture[::-1, :]).mean()
    assert mirrored < 0.3 * np.abs(flipped - upright_picture).mean(), mirrored
    step("flipped vertically")
    press(page, viewport, "x")
    plain = middle(picture(viewport))
    press(page, viewport, "i")
    expect(field(viewport, "window")).to_contain_text("inverted")
    inverted = middle(picture(viewport))
    assert abs(inverted.mean() - (255 - plain.mean())) < 8, (plain.mean(), inverted.mean())
    step("inverted")
    press(page, viewport, "x")
    expect(field(viewport, "window")).not_to_contain_text("inverted")
    expect(viewport).to_have_attribute("data-zoom", f"{fitted:.3f}")


def test_layouts_dragged_series_scroll_together_and_draw_reference_lines(page, served, step):  # type: ignore[no-untyped-def]
    url, studies = served
    axial5, axial25, sagittal = studies.sync_series
    open_study(page, url, studies.sync, series=axial5)
    first = page.locator(".viewport-cell[data-index='0']")
    page.click("button[data-action=layout-2x1]")
    cells = page.locator(".viewport-cell:visible")
    expect(cells).to_have_count(2)
    second = page.locator(".viewport-cell[data-index='1']")
    page.drag_and_drop(f"#series [data-series-uid='{axial25}']", ".viewport-cell[data-index='1']")
    expect(second).to_have_attribute("data-series-uid", axial25)
    expect(second).to_have_attribute("data-rendered", "true", timeout=60000)
    expect(second).to_have_attribute("data-active", "")
    step("two series")
    first.click()
    for _ in range(4):
        press(page, first, "ArrowDown")
    expect(field(first, "image")).to_have_text("Image 5/20")

    def location(cell) -> float:  # type: ignore[no-untyped-def]
        found = re.search(r"Loc (-?[\d.]+) mm", field(cell, "slice").inner_text())
        assert found
        return float(found[1])

    expect(field(second, "image")).not_to_have_text("Image 1/40")
    page.wait_for_function("() => true")
    assert abs(location(first) - location(second)) <= 1.25 + 1e-6  # the nearest slice of the 2.5 mm series
    step("scrolled together")
    page.drag_and_drop(f"#series [data-series-uid='{sagittal}']", ".viewport-cell[data-index='1']")
    expect(second).to_have_attribute("data-series-uid", sagittal)
    first.click()
    lines = second.locator("svg line")
    expect(lines).not_to_have_count(0)
    step("reference line")
    press(page, first, "y")
    expect(lines).to_have_count(0)
    page.click("button[data-action=layout-2x2]")
    expect(cells).to_have_count(4)
    page.click("button[data-action=layout-1x1]")
    expect(cells).to_have_count(1)


def coloured(image: np.ndarray) -> float:
    """The share of the pixels shown in colour (channels apart), not grey."""
    return float(((image.max(axis=2) - image.min(axis=2)) > 40).mean())


def test_colour_palette_multi_frame_cine_and_monochrome1(page, served, step):  # type: ignore[no-untyped-def]
    url, studies = served
    series = studies.pictures_series
    viewport = open_study(page, url, studies.pictures, series=series["ybr cine"])
    expect(field(viewport, "image")).to_have_text("Frame 1/30")
    assert coloured(picture(viewport, "RGB")) > 0.0005  # a grey echo with a few coloured marks
    press(page, viewport, "c")
    expect(viewport).to_have_attribute("data-cine", re.compile(r"\d+"))
    expect(viewport).not_to_have_attribute("data-image-index", "0")
    step("cine")
    press(page, viewport, "c")
    expect(viewport).not_to_have_attribute("data-cine", re.compile(".*"))
    for name in ("palette", "rgb"):
        page.click(f"#series [data-series-uid='{series[name]}']")
        expect(viewport).to_have_attribute("data-series-uid", series[name])
        expect(viewport).to_have_attribute("data-rendered", "true", timeout=60000)
        expect(field(viewport, "image")).to_have_text("Image 1/1")
        assert coloured(picture(viewport, "RGB")) > 0.01, name
        step(name)
    page.click(f"#series [data-series-uid='{series['monochrome1']}']")
    expect(viewport).to_have_attribute("data-series-uid", series["monochrome1"])
    expect(viewport).to_have_attribute("data-rendered", "true", timeout=60000)
    shown = picture(viewport)
    rows, columns = shown.shape
    centre = shown[rows * 2 // 5: rows * 3 // 5, columns * 2 // 5: columns * 3 // 5].mean()
    assert centre > 200 and centre - np.percentile(shown, 10) > 150  # low values bright: MONOCHROME1
    expect(field(viewport, "note")).to_contain_text(["Sizes at the detector (Imager Pixel Spacing)"])
    step("monochrome1")


def test_odd_objects_get_honest_notes_and_the_rest_of_the_series_stays_readable(page, served, step):  # type: ignore[no-untyped-def]
    url, studies = served
    viewport = open_study(page, url, studies.odd)
    expect(field(viewport, "image")).to_have_text("Image 1/4")  # the object without pixels is left out, and said
    notes = field(viewport, "note")
    sizes = re.compile(r"different sizes \(64×64, 96×128\)")
    expect(notes).to_contain_text(["1 object without pictures left out", sizes])
    press(page, viewport, "ArrowDown")
    expect(field(viewport, "image")).to_have_text("Image 2/4")
    expect(notes).to_contain_text(["No pixel spacing: sizes in pixels"])
    expect(viewport.locator(".scale-bar")).to_be_hidden()
    step("no pixel spacing")
    press(page, viewport, "End")
    message = viewport.locator(".viewport-message[role=alert]")
    expect(message).to_contain_text("Image 4 could not be shown")
    expect(message).to_contain_text("The other images can still be read")
    step("undecodable frame")
    press(page, viewport, "ArrowUp")
    expect(field(viewport, "image")).to_have_text("Image 3/4")
    expect(message).to_be_hidden()
    expect(viewport).to_have_attribute("data-window", re.compile(r"\d"))
    assert picture(viewport).std() > 5  # drawn again after the failure


@pytest.mark.parametrize("name", SYNTAX_FILES)
def test_every_stored_syntax_is_shown_decoded_by_the_browser_or_else_by_the_server(page, served, name, step):  # type: ignore[no-untyped-def]
    url, studies = served
    viewport = open_study(page, url, studies.syntaxes[name])
    expect(viewport.locator(".viewport-message[role=alert]")).to_be_hidden()
    expect(viewport).to_have_attribute("data-window", re.compile(r"\d"))
    assert picture(viewport).std() > 5
    if name in SERVER_DECODED:
        expect(field(viewport, "note")).to_contain_text(["Decoded by the server (the browser could not)"])
    step("shown")


def test_software_webgl_draws_on_the_cpu_unless_the_page_asks_for_webgl(page, served):  # type: ignore[no-untyped-def]
    url, studies = served
    open_study(page, url, studies.ct)
    webgl = page.evaluate("""() => {
        const gl = document.createElement("canvas").getContext("webgl2");
        const info = gl && gl.getExtension("WEBGL_debug_renderer_info");
        return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : "";
    }""")
    assert "SwiftShader" in webgl, webgl  # the tests' Chromium has no GPU: its WebGL is software
    assert page.evaluate("document.documentElement.dataset.renderer") == "cpu"
    for asked in ("gpu", "cpu"):
        open_study(page, url, studies.ct, renderer=asked)
        assert page.evaluate("document.documentElement.dataset.renderer") == asked


def test_the_help_lists_every_shortcut(page, served):  # type: ignore[no-untyped-def]
    url, studies = served
    viewport = open_study(page, url, studies.ct)
    press(page, viewport, "?")
    help_dialog = page.locator("dialog#help")
    expect(help_dialog).to_be_visible()
    for text in ("Previous image", "Window: brain", "Window: lung", "Rotate 90° clockwise", "Left button: length",
                 "Reference lines on or off", "This help"):  # fmt: skip
        expect(help_dialog).to_contain_text(text)
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
