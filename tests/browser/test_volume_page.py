"""The 3D page (volume/main.ts), as a radiologist uses it: opened from the reading page on a CT, the three planes
and a volume rendering; the crosshair dragged (the other planes follow), the rendering's preset switched and the
volume turned; a path clicked for a CPR and its cross-section; the endoscope flown along it; a window preset on
the planes. Screenshots of each step are kept."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.synthetic import PatientInfo, SeriesSpec, encode_part10, make_study
from pypacs.web.viewer import BUILT_VIEWER
from tests.interop.conftest import PacsProcess, start_pacs, stop_pacs

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    if not (BUILT_VIEWER / "manifest.json").exists():
        pytest.fail("the viewer is not built: `make viewer` builds it (make test does)")
    root = tmp_path_factory.mktemp("volume-page")
    spec = SeriesSpec(slices=40, rows=128, columns=128, pixel_spacing=2.5, slice_thickness=2.5, description="CT 3D")
    datasets = list(make_study([spec], patient=PatientInfo("THREED", "THREE^DEE"), seed=61))
    with Archive.open(Settings(data_dir=root / "data")) as archive:
        for dataset in datasets:
            archive.store(encode_part10(dataset))
    pacs: PacsProcess = start_pacs(root / "data", "--dimse-processes", "1")
    try:
        yield pacs.http_url, datasets[0].StudyInstanceUID, datasets[0].SeriesInstanceUID
    finally:
        stop_pacs(pacs)


def shown_views(page) -> int:  # type: ignore[no-untyped-def]
    return int(page.evaluate("document.querySelectorAll('.volume-view[data-shown]').length"))


def url_of(page, view: str) -> str:  # type: ignore[no-untyped-def]
    return str(page.locator(f'[data-view="{view}"]').get_attribute("data-url") or "")


def test_the_3d_page_from_the_reading_page_to_endoscopy(page, step, served):  # type: ignore[no-untyped-def]
    url, study, series = served
    page.goto(f"{url}/viewer?study={study}")
    expect(page.locator("#viewports .viewport-cell").first).to_have_attribute("data-image-index", re.compile(r"\d+"))
    page.locator('[data-action="three-d"]').click()
    page.wait_for_url(re.compile(r"/viewer/3d\?"))
    views = page.locator("#views")
    expect(views).to_have_attribute("data-layout", "mpr")
    page.wait_for_function("document.querySelectorAll('.volume-view[data-shown]').length >= 4", timeout=60_000)
    step("MPR and volume rendering")

    # the crosshair dragged on the axial plane: the point moves, the coronal and sagittal planes follow it
    before = views.get_attribute("data-point")
    coronal_before = url_of(page, "coronal")
    box = page.locator('[data-view="axial"]').bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.35, steps=5)
    page.mouse.up()
    expect(views).not_to_have_attribute("data-point", before or "")
    point = views.get_attribute("data-point") or ""
    x, y, _ = (float(v) for v in point.split(","))
    assert x < -5 and y < -5  # towards the patient's right (screen left) and anterior (screen top)
    page.wait_for_function("(u) => document.querySelector('[data-view=coronal]').dataset.url !== u", arg=coronal_before)
    encoded = point.replace(",", "%2C")
    page.wait_for_function("(p) => document.querySelector('[data-view=sagittal]').dataset.url.includes(p)", arg=encoded)
    step("crosshair moved")

    # shift-drag on the axial plane turns the coronal and sagittal planes about its normal: they become oblique
    page.keyboard.down("Shift")
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5 + 60, box["y"] + box["height"] * 0.5, steps=4)
    page.mouse.up()
    page.keyboard.up("Shift")
    expect(views).to_have_attribute("data-turned", "true")
    page.wait_for_function("document.querySelector('[data-view=coronal]').dataset.url.includes('plane=oblique')")
    assert "plane=axial" in url_of(page, "axial")
    step("planes turned")

    # the rendering's preset switched, then the volume turned by a drag
    page.get_by_label("Preset").select_option("ct-soft-tissue")
    page.wait_for_function("document.querySelector('[data-view=rendering]').dataset.url.includes('preset=ct-soft-tissue')")
    box = page.locator('[data-view="rendering"]').bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5 + 120, box["y"] + box["height"] * 0.5 - 40, steps=6)
    page.mouse.up()
    expect(views).to_have_attribute("data-azimuth", "60")
    expect(views).to_have_attribute("data-elevation", "20")
    page.wait_for_function("() => { const u = document.querySelector('[data-view=rendering]').dataset.url;"
                           " return u.includes('azimuth=60') && !u.includes('draft'); }")  # fmt: skip
    step("soft tissue preset, turned")

    # a clipping box keeping the patient's left half, then panned (shift-drag), then the cine turning the view
    page.get_by_label("Clip").select_option(label="left half")
    page.wait_for_function("document.querySelector('[data-view=rendering]').dataset.url.includes('clip=0.5%2C1%2C0%2C1%2C0%2C1')")
    page.keyboard.down("Shift")
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5 + 50, box["y"] + box["height"] * 0.5, steps=3)
    page.mouse.up()
    page.keyboard.up("Shift")
    expect(views).to_have_attribute("data-azimuth", "60")  # panning does not turn
    page.wait_for_function("document.querySelector('[data-view=rendering]').dataset.url.includes('pan=')")
    step("clipped and panned")
    page.locator("#cine").click()
    expect(views).to_have_attribute("data-cine", "on")
    page.wait_for_function("Number(document.getElementById('views').dataset.azimuth) >= 72")
    page.locator("#cine").click()
    expect(views).to_have_attribute("data-cine", "off")
    page.get_by_label("Clip").select_option(label="none")
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.mouse.wheel(0, -120)  # zoom in
    expect(views).to_have_attribute("data-zoom", "1.10")  # fmt: skip
    page.wait_for_function("document.querySelector('[data-view=rendering]').dataset.url.includes('zoom=1.10')")

    # a window preset on the planes
    page.get_by_label("Window").select_option("bone")
    page.wait_for_function("document.querySelector('[data-view=axial]').dataset.url.includes('window=bone')")

    # a CPR: three points clicked on the axial plane
    page.locator("#layout-cpr").click()
    expect(views).to_have_attribute("data-layout", "cpr")
    axial = page.locator('[data-view="axial"]').bounding_box()
    for across, along in ((0.35, 0.45), (0.5, 0.55), (0.65, 0.45)):
        page.mouse.click(axial["x"] + axial["width"] * across, axial["y"] + axial["height"] * along)
    expect(views).to_have_attribute("data-path-points", "3")
    page.wait_for_function("document.querySelector('[data-view=cpr]').dataset.url?.includes('path=')")
    page.wait_for_function("document.querySelector('[data-view=section]').dataset.url?.includes('cross-section')")
    assert page.locator('[data-view="axial"] .volume-overlay line.path').count() == 2
    step("CPR along a clicked path")
    page.get_by_label("CPR", exact=True).select_option("stretched")
    page.wait_for_function("document.querySelector('[data-view=cpr]').dataset.url.includes('kind=stretched')")
    page.locator("#save-cpr").click()
    expect(page.locator("#message")).to_contain_text("Saved as a new series of 1 image")
    saved = views.get_attribute("data-saved")
    assert saved and saved != series

    # the endoscope flown two steps along the path
    page.locator("#layout-endoscopy").click()
    page.wait_for_function("document.querySelector('[data-view=endoscopy]').dataset.shown")
    page.locator("#path-forward").click()
    page.locator("#path-forward").click()
    expect(views).to_have_attribute("data-at", "10")
    page.wait_for_function("document.querySelector('[data-view=endoscopy]').dataset.url.includes('at=10')")
    step("endoscopy, 10 mm along")
    assert shown_views(page) >= 4
    assert not page.locator("#message.message-error").is_visible()
