"""Presentation states in the reading page, in headless Chromium against a real `pypacs serve`: annotations drawn
with the tools, the window and the view saved as a GSPS (found by QIDO-RS, listed at once, its PR series in the
strip) and applied again after a reload; GSPS made elsewhere (highdicom here, DCMTK's dcmpsmk) applied: their
rotation then flip (PS3.3 C.10.6) moving the orientation markers, their window in the overlay, their graphics and
texts drawn where their image pixel coordinates say, a displayed area zooming in on eight pixels to the pixel."""

from __future__ import annotations

import re
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import highdicom as hd
import httpx
import numpy as np
import pytest
from playwright.sync_api import expect
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from pypacs.reports.identity import evidence_header, part10_bytes
from tests.browser.reading_study import (
    ACTIVE,
    ReadingStudy,
    canvas_pixels,
    open_study,
    own_window,
    screen_pixels,
    serving,
    window_text,
)

pytestmark = pytest.mark.browser

ROTATED, CORNER, TRUE_SIZE = 801, 802, 804  # series numbers of the highdicom states
DCMPSMK = 803
MM_PER_CSS_PIXEL = 25.4 / 96  # what "true size" means on a screen that does not say its pixel pitch


def presentation_state(images: list[Dataset], series_number: int, label: str, window: tuple[float, float],
                       annotations: list[hd.pr.GraphicAnnotation]) -> Dataset:  # fmt: skip
    return hd.pr.GrayscaleSoftcopyPresentationState(
        referenced_images=images, series_instance_uid=generate_uid(), series_number=series_number,
        sop_instance_uid=generate_uid(), instance_number=1, manufacturer="highdicom test",
        manufacturer_model_name="test", software_versions="1", device_serial_number="1", content_label=label,
        content_description=f"made by highdicom ({label.lower()})", content_creator_name="Tester^Tina",
        graphic_layers=[hd.pr.GraphicLayer(layer_name="NOTES", order=1)], graphic_annotations=annotations,
        voi_lut_transformations=[hd.pr.SoftcopyVOILUTTransformation(window_center=[window[0]],
                                                                    window_width=[window[1]])],
    )  # fmt: skip


def gsps(images: list[Dataset], series_number: int, label: str, *, window: tuple[float, float],
         annotations: list[hd.pr.GraphicAnnotation], rotation: int = 0, flip: bool = False,
         area: tuple[tuple[int, int], tuple[int, int]] | None = None, true_size: bool = False) -> bytes:  # fmt: skip
    """A GSPS made by highdicom (not by pypacs): a window (center, width), annotations on layer NOTES, and by hand
    the Spatial Transformation module and a displayed area."""
    with warnings.catch_warnings():  # the anonymised CT's patient name has a single component, as it may
        warnings.filterwarnings("ignore", "The string .* is unlikely to represent the intended person name")
        state = presentation_state(images, series_number, label, window, annotations)
    if rotation or flip:
        state.ImageRotation, state.ImageHorizontalFlip = rotation, "Y" if flip else "N"
    if area:
        item = state.DisplayedAreaSelectionSequence[0]
        item.DisplayedAreaTopLeftHandCorner, item.DisplayedAreaBottomRightHandCorner = list(area[0]), list(area[1])
        item.PresentationSizeMode = "SCALE TO FIT"
    if true_size:
        item = state.DisplayedAreaSelectionSequence[0]
        item.PresentationSizeMode, item.PresentationPixelSpacing = "TRUE SIZE", list(images[0].PixelSpacing)
        del item.PresentationPixelAspectRatio
    return part10_bytes(state)


def on(image: Dataset, graphics: list[hd.pr.GraphicObject], texts: list[hd.pr.TextObject]) -> hd.pr.GraphicAnnotation:
    layer = hd.pr.GraphicLayer(layer_name="NOTES", order=1)
    return hd.pr.GraphicAnnotation(referenced_images=[image], graphic_layer=layer, graphic_objects=graphics,
                                   text_objects=texts)  # fmt: skip


def polyline(*points: tuple[float, float]) -> hd.pr.GraphicObject:
    return hd.pr.GraphicObject(graphic_type="POLYLINE", graphic_data=np.array(points, dtype=float), units="PIXEL")


def states_made_elsewhere(study: ReadingStudy, tmp: Path) -> list[bytes]:
    images = [evidence_header(header) for header in study.headers]  # the GE CT leaves out Type 2 patient attributes
    middle = images[len(images) // 2]
    rows, columns = int(middle.Rows), int(middle.Columns)
    axes = [[0.3, 0.5], [0.7, 0.5], [0.5, 0.4], [0.5, 0.6]]  # major axis ends, minor axis ends, as fractions
    ellipse = hd.pr.GraphicObject(graphic_type="ELLIPSE", units="PIXEL",
                                  graphic_data=np.array(axes) * [columns, rows])  # fmt: skip
    note = hd.pr.TextObject(text_value="FOREIGN NOTE", units="PIXEL", anchor_point=(columns * 0.5, rows * 0.4),
                            bounding_box=(columns * 0.55, rows * 0.2, columns * 0.85, rows * 0.26))  # fmt: skip
    line = polyline((columns * 0.2, rows * 0.8), (columns * 0.4, rows * 0.8))
    rotated = gsps(images, ROTATED, "ROTATED", window=(40, 400), rotation=90, flip=True,
                   annotations=[on(middle, [ellipse, line], [note])])  # fmt: skip
    first = images[0]
    corner = gsps([first], CORNER, "CORNER", window=(-5000, 10), area=((1, 1), (8, 8)),
                  annotations=[on(first, [polyline((0, 0), (4, 4))], [])])
    true_size = gsps([first], TRUE_SIZE, "TRUE SIZE", window=(40, 80), true_size=True,
                     annotations=[on(first, [polyline((0, 0), (4, 4))], [])])
    return [rotated, corner, true_size, dcmpsmk_state(study, tmp)]


def dcmpsmk_state(study: ReadingStudy, tmp: Path) -> bytes:
    """DCMTK's GSPS for one stored image (the fourth): its own window, the whole image, no annotations."""
    if shutil.which("dcmpsmk") is None:
        raise AssertionError("dcmpsmk missing: `make test` installs the dcmtk package")
    (tmp / "image.dcm").write_bytes(study.files[3])
    result = subprocess.run(["dcmpsmk", str(tmp / "image.dcm"), str(tmp / "pr.dcm")], capture_output=True, text=True,
                            timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    state = dcmread(tmp / "pr.dcm")
    state.SeriesNumber = DCMPSMK
    buffer = BytesIO()
    state.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReadingStudy]:
    root = tmp_path_factory.mktemp("presentation-states")
    with serving(root, lambda study: states_made_elsewhere(study, root)) as study:
        yield study


def stored_states(study: ReadingStudy) -> list[dict]:  # type: ignore[type-arg]
    answer = httpx.get(f"{study.url}/api/studies/{study.study}/presentation-states", timeout=30)
    answer.raise_for_status()
    return answer.json()  # type: ignore[no-any-return]


def state_uid(study: ReadingStudy, label: str) -> str:
    return next(state["sopInstanceUID"] for state in stored_states(study) if state["label"] == label)


def apply_from_panel(page, study: ReadingStudy, label: str) -> None:  # type: ignore[no-untyped-def]
    if not page.locator(".presentation-states").is_visible():
        page.keyboard.press("P")
    item = page.locator(f".presentation-states li[data-sop-instance-uid='{state_uid(study, label)}']")
    item.locator("button[data-action=apply]").click()
    expect(item).to_have_attribute("data-applied", "true")
    expect(page.locator(f"{ACTIVE} .presentation-badge")).to_contain_text(label)


def svg_points(page, selector: str) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    text = page.locator(f"{ACTIVE} .presentation-layer {selector}").first.get_attribute("points") or ""
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in text.split())]


def set_window(page, width: float, level: float) -> None:  # type: ignore[no-untyped-def]
    page.fill(".window-form input[name=width]", str(width))
    page.fill(".window-form input[name=level]", str(level))
    page.click(".window-form button[type=submit]")


def drag(page, start: tuple[float, float], end: tuple[float, float]) -> None:  # type: ignore[no-untyped-def]
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, steps=4)
    page.mouse.move(*end, steps=4)
    page.mouse.up()


def test_an_arrow_and_a_length_saved_as_a_state_are_drawn_again_after_a_reload(page, served, step):  # type: ignore[no-untyped-def]
    viewport = open_study(page, served)
    first_window = viewport.locator("[data-field=window]").inner_text()
    page.keyboard.press("P")  # the panel open, as when the state is applied from it
    expect(page.locator(".presentation-states")).to_be_visible()
    for _ in range(2):
        page.keyboard.press("ArrowDown")
    expect(viewport.locator("[data-field=image]")).to_have_text(re.compile(r"Image 3/"))
    page.keyboard.press("f")  # fitted on this image, as applying will fit it
    set_window(page, 80, 40)
    expect(viewport.locator("[data-field=window]")).to_have_text("W/L 80/40")
    canvas = page.locator(f"{ACTIVE} canvas").first.bounding_box()
    cx, cy = canvas["x"] + canvas["width"] / 2, canvas["y"] + canvas["height"] / 2
    zoom = float(viewport.get_attribute("data-zoom") or 0)
    head, tail = (cx + 40, cy + 30), (cx + 140, cy + 110)
    page.keyboard.press("a")
    drag(page, head, tail)
    page.locator("dialog.ask input").fill("lesion")
    page.keyboard.press("Enter")
    page.keyboard.press("l")
    drag(page, (cx - 150, cy - 100), (cx - 40, cy - 100))
    step("arrow and length drawn")

    page.keyboard.press("S")
    dialog = page.locator("dialog.ask-form")
    dialog.locator("input[name=label]").fill("Arrow test")
    dialog.locator("input[name=description]").fill("an arrow and a length")
    dialog.locator("button[type=submit]").click()
    expect(page.locator("#message")).to_have_text("Presentation state ARROW TEST saved with 2 annotations.")
    saved = next(state for state in stored_states(served) if state["label"] == "ARROW TEST")
    assert saved["description"] == "an arrow and a length" and saved["referencedSeries"] == [served.series]
    found = httpx.get(f"{served.url}/dicom-web/studies/{served.study}/series", params={"Modality": "PR"}).json()
    assert saved["seriesInstanceUID"] in [series["0020000E"]["Value"][0] for series in found]
    expect(page.locator(f"#series [data-series-uid='{saved['seriesInstanceUID']}']")).to_contain_text("PR")
    expect(page.locator(f".presentation-states li[data-sop-instance-uid='{saved['sopInstanceUID']}']")).to_contain_text(
        "an arrow and a length")  # fmt: skip
    step("saved and listed")

    state = httpx.get(f"{served.url}/api/studies/{served.study}/presentation-states/{saved['sopInstanceUID']}").json()
    arrow = next(item for item in state["annotations"] if item["layer"] == "ARROWS")
    assert arrow["images"][0]["sopInstanceUID"] == served.sops[2]
    assert arrow["texts"][0]["text"] == "lesion" and arrow["texts"][0]["anchor"] == arrow["graphics"][0]["points"][1]
    assert all(image["window"] == {"center": 40, "width": 80, "function": "LINEAR", "explanation": None}
               for image in state["images"])  # fmt: skip
    length = next(item for item in state["annotations"] if item["layer"] == "MEASUREMENTS")
    assert re.fullmatch(r"\d+\.\d mm", length["texts"][0]["text"])

    page.reload(wait_until="networkidle")
    viewport = page.locator(f"{ACTIVE}[data-rendered]")
    viewport.wait_for(timeout=60000)
    expect(viewport.locator("[data-field=image]")).to_have_text(re.compile(r"Image 1/"))
    apply_from_panel(page, served, "ARROW TEST")
    expect(viewport.locator("[data-field=image]")).to_have_text(re.compile(r"Image 3/"))
    expect(viewport.locator("[data-field=window]")).to_have_text("W/L 80/40")
    expect(viewport.locator(".presentation-badge")).to_contain_text("ARROW TEST")
    layer = viewport.locator(".presentation-layer")
    expect(layer.locator("[data-arrow-head]")).to_have_count(1)
    expect(layer.locator("text[data-text=lesion]")).to_have_count(1)
    step("applied after a reload")
    drawn = svg_points(page, "[data-layer=ARROWS] polyline")
    # the same image fitted again (the viewport's size may differ): the arrow is where the mouse drew it, tail first
    now = page.locator(f"{ACTIVE} canvas").first.bounding_box()
    scale = float(viewport.get_attribute("data-zoom") or 0) / zoom
    for (x, y), (mouse_x, mouse_y) in zip(drawn, [tail, head], strict=True):
        expected = (now["width"] / 2 + (mouse_x - cx) * scale, now["height"] / 2 + (mouse_y - cy) * scale)
        assert abs(x - expected[0]) < 1 and abs(y - expected[1]) < 1, (drawn, expected)
    shown = screen_pixels(page)
    middle = (int(now["y"] + (drawn[0][1] + drawn[1][1]) / 2), int(now["x"] + (drawn[0][0] + drawn[1][0]) / 2))
    patch = shown[middle[0] - 3: middle[0] + 4, middle[1] - 3: middle[1] + 4].reshape(-1, 3)
    assert any(r > 180 and g > 140 and b < 120 for r, g, b in patch), "no yellow arrow on the screen"

    page.locator(".presentation-states button[data-action=remove-state]").click()
    expect(viewport.locator("[data-field=window]")).to_have_text(first_window)
    expect(layer.locator("*")).to_have_count(0)
    expect(viewport.locator(".presentation-badge")).to_be_hidden()
    step("back to the images as stored")


def test_a_highdicom_state_turns_then_flips_windows_and_draws_its_annotations(page, served, step):  # type: ignore[no-untyped-def]
    viewport = open_study(page, served)
    for side in ("top", "left"):
        expect(viewport.locator(f".orientation-marker[data-side={side}]")).to_have_text(re.compile(r"\w"))
    markers = {side: viewport.locator(f".orientation-marker[data-side={side}]").inner_text()
               for side in ("top", "bottom", "left", "right")}  # fmt: skip
    assert all(markers.values()), markers
    step("upright")
    rotated = next(state for state in stored_states(served) if state["label"] == "ROTATED")
    page.locator(f"#series [data-series-uid='{rotated['seriesInstanceUID']}']").click()
    expect(viewport.locator(".presentation-badge")).to_have_text("ROTATED · made by highdicom (rotated)")
    expect(viewport.locator("[data-field=window]")).to_have_text("W/L 400/40")
    middle = len(served.sops) // 2
    expect(viewport.locator("[data-field=image]")).to_have_text(re.compile(rf"Image {middle + 1}/"))
    # turned 90° clockwise, then flipped left to right: the image's left edge on top, its top on the left
    top = viewport.locator(".orientation-marker[data-side=top]")
    expect(top).to_have_text(markers["left"])
    expect(viewport.locator(".orientation-marker[data-side=left]")).to_have_text(markers["top"])
    expect(viewport.locator(".orientation-marker[data-side=right]")).to_have_text(markers["bottom"])
    layer = viewport.locator(".presentation-layer")
    expect(layer.locator("[data-graphic-type=ELLIPSE]")).to_have_count(1)
    expect(layer.locator("[data-graphic-type=POLYLINE]")).to_have_count(1)
    expect(layer.locator("text[data-text='FOREIGN NOTE']")).to_have_count(1)
    expect(layer.locator(".ps-anchor-line")).to_have_count(1)
    item = page.locator(f".presentation-states li[data-sop-instance-uid='{rotated['sopInstanceUID']}']")
    expect(item).to_contain_text("made by highdicom (rotated)")
    expect(item).to_contain_text("Tester, Tina")
    expect(item.locator(".document-meta")).to_have_text(re.compile(r"Tester, Tina · \d{4}-\d{2}-\d{2} \d{2}:\d{2}"))
    step("rotated and flipped")
    # the graphic follows the image: the horizontal line at 80% down the image is vertical once turned
    line = svg_points(page, "[data-graphic-type=POLYLINE]")
    assert abs(line[0][0] - line[1][0]) < 1 and abs(line[0][1] - line[1][1]) > 20, line


@pytest.mark.parametrize("renderer", ["cpu", "gpu"])
def test_a_displayed_area_of_eight_pixels_fills_the_viewport_and_graphics_land_on_pixel_corners(  # type: ignore[no-untyped-def]
    page, served, step, renderer
):
    open_study(page, served, renderer=renderer)
    apply_from_panel(page, served, "CORNER")
    viewport = page.locator(ACTIVE)
    expect(viewport.locator("[data-field=window]")).to_have_text(window_text(10, -5000))
    step("eight pixels")
    white = (canvas_pixels(page) > 200).all(axis=2)  # every pixel of the image is white in this window
    height, width = white.shape
    columns = np.flatnonzero(white.mean(axis=0) > 0.5)
    rows = np.flatnonzero(white.mean(axis=1) > 0.5)
    # pixels 1..8 scaled to fit: the image's top left corner at the top, centred; the image goes on to the right
    assert rows[0] <= 1 and rows[-1] >= height - 2
    assert abs(columns[0] - (width - height) / 2) <= 2 and columns[-1] >= width - 2
    zoom = float(viewport.get_attribute("data-zoom") or 0)
    assert abs(zoom - height / 8) / (height / 8) < 0.01
    # [0, 0] is the top left corner of the top left pixel and [4, 4] the corner between pixels 4 and 5
    (x1, y1), (x2, y2) = svg_points(page, "[data-graphic-type=POLYLINE]")
    assert abs(x1 - columns[0]) <= 2 and abs(y1) <= 2, (x1, y1, columns[0])
    assert abs(x2 - x1 - height / 2) <= 2 and abs(y2 - height / 2) <= 2, (x2, y2)


def test_a_dcmpsmk_state_gives_its_image_its_own_window_back(page, served, step):  # type: ignore[no-untyped-def]
    viewport = open_study(page, served)
    set_window(page, 80, 40)
    expect(viewport.locator("[data-field=window]")).to_have_text("W/L 80/40")
    ours = ("ROTATED", "CORNER", "TRUE SIZE", "ARROW TEST", "ZOOMED")
    made = next(state for state in stored_states(served) if state["label"] not in ours)
    page.keyboard.press("P")
    item = page.locator(f".presentation-states li[data-sop-instance-uid='{made['sopInstanceUID']}']")
    item.locator("button[data-action=apply]").click()
    expect(viewport.locator("[data-field=image]")).to_have_text(re.compile(r"Image 4/"))
    expect(viewport.locator("[data-field=window]")).to_have_text(own_window(served.headers[3]))
    expect(viewport.locator(".presentation-layer *")).to_have_count(0)
    step("dcmpsmk state applied")


def test_true_size_shows_a_pixel_as_large_as_its_spacing_on_a_96_dpi_screen(page, served, step):  # type: ignore[no-untyped-def]
    open_study(page, served)
    apply_from_panel(page, served, "TRUE SIZE")
    spacing = float(served.headers[0].PixelSpacing[1])
    zoom = float(page.locator(ACTIVE).get_attribute("data-zoom") or 0)  # screen pixels per image pixel
    assert abs(zoom - spacing / MM_PER_CSS_PIXEL) < 0.01, zoom
    step("true size")


def test_a_zoomed_turned_and_flipped_view_saved_comes_back_as_it_was(page, served, step):  # type: ignore[no-untyped-def]
    viewport = open_study(page, served)
    page.keyboard.press("P")
    expect(page.locator(".presentation-states")).to_be_visible()
    page.keyboard.press("f")
    for key in ("+", "+", "r", "h"):
        page.keyboard.press(key)
    sides = ("top", "bottom", "left", "right")
    marker = {side: viewport.locator(f".orientation-marker[data-side={side}]") for side in sides}
    before = {side: marker[side].inner_text() for side in sides}
    zoom = float(viewport.get_attribute("data-zoom") or 0)
    size = page.locator(f"{ACTIVE} canvas").first.bounding_box()
    page.keyboard.press("S")
    page.locator("dialog.ask-form input[name=label]").fill("zoomed")
    page.locator("dialog.ask-form button[type=submit]").click()
    expect(page.locator("#message")).to_have_text("Presentation state ZOOMED saved with 0 annotations.")
    step("zoomed, turned and flipped")
    page.keyboard.press("x")  # upright, fitted
    expect(viewport).not_to_have_attribute("data-zoom", f"{zoom:.3f}")
    apply_from_panel(page, served, "ZOOMED")
    for side in sides:
        expect(marker[side]).to_have_text(before[side])
    # the displayed area is the part of the image that was on the screen (rounded out to whole pixels), scaled to
    # fit the viewport, whose size the message above it changed
    now = page.locator(f"{ACTIVE} canvas").first.bounding_box()
    expected = zoom * min(now["width"] / size["width"], now["height"] / size["height"])
    assert abs(float(viewport.get_attribute("data-zoom") or 0) - expected) / expected < 0.01
    step("applied")


def test_every_tools_drawing_is_saved_as_dicom_graphics_and_drawn_back(page, served, step):  # type: ignore[no-untyped-def]
    viewport = open_study(page, served)
    page.keyboard.press("P")
    expect(page.locator(".presentation-states")).to_be_visible()
    page.keyboard.press("f")
    canvas = page.locator(f"{ACTIVE} canvas").first.bounding_box()
    cx, cy = canvas["x"] + canvas["width"] / 2, canvas["y"] + canvas["height"] / 2
    page.keyboard.press("n")  # angle: drag the first arm, click the end of the second
    drag(page, (cx - 200, cy + 150), (cx - 150, cy + 100))
    page.mouse.click(cx - 100, cy + 150)
    page.keyboard.press("e")
    drag(page, (cx + 100, cy - 150), (cx + 180, cy - 100))
    page.keyboard.press("b")
    drag(page, (cx - 250, cy - 250), (cx - 180, cy - 200))
    page.keyboard.press("d")  # freehand: round and back to the start
    page.mouse.move(cx + 60, cy + 60)
    page.mouse.down()
    for x, y in [(100, 60), (120, 100), (100, 140), (60, 140), (40, 100), (60, 62)]:
        page.mouse.move(cx + x, cy + y, steps=5)
    page.mouse.up()
    page.keyboard.press("t")
    page.mouse.click(cx + 150, cy + 200)
    page.locator("dialog.ask input").fill("note here")
    page.keyboard.press("Enter")
    step("every tool")
    page.keyboard.press("S")
    page.locator("dialog.ask-form input[name=label]").fill("every tool")
    page.locator("dialog.ask-form button[type=submit]").click()
    expect(page.locator("#message")).to_have_text("Presentation state EVERY TOOL saved with 5 annotations.")

    state = httpx.get(f"{served.url}/api/studies/{served.study}/presentation-states/"
                      f"{state_uid(served, 'EVERY TOOL')}").json()  # fmt: skip
    graphics = {(item["layer"], graphic["type"], len(graphic["points"])): graphic
                for item in state["annotations"] for graphic in item["graphics"]}  # fmt: skip
    assert ("MEASUREMENTS", "POLYLINE", 3) in graphics and ("MEASUREMENTS", "ELLIPSE", 4) in graphics
    rectangle = graphics[("MEASUREMENTS", "POLYLINE", 5)]["points"]
    assert rectangle[0] == rectangle[-1] and len({tuple(point) for point in rectangle}) == 4
    freehand = next(g["points"] for key, g in graphics.items() if key[1] == "POLYLINE" and key[2] > 5)
    assert freehand[0] == freehand[-1]
    [note] = [text for item in state["annotations"] if item["layer"] == "TEXT" for text in item["texts"]]
    assert note["text"] == "note here" and note["anchorVisible"] is False and note["box"] is None
    measured = [text["text"] for item in state["annotations"] if item["layer"] == "MEASUREMENTS"
                for text in item["texts"]]  # fmt: skip
    assert any(text.endswith("°") for text in measured) and sum("Area" in text for text in measured) == 3

    page.keyboard.press("x")
    apply_from_panel(page, served, "EVERY TOOL")
    layer = viewport.locator(".presentation-layer")
    expect(layer.locator(".ps-graphic")).to_have_count(4)
    expect(layer.locator("[data-graphic-type=ELLIPSE]")).to_have_count(1)
    expect(layer.locator("text[data-text='note here']")).to_have_count(1)
    expect(layer.locator("text.ps-text")).to_have_count(5)
    step("drawn back")
