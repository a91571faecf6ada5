"""The reading page's first image before its viewer has started: the server puts its rendering of the image the
viewer opens on into the page, shown at once, in the viewport's place; it gives way to the viewer's own drawing
of the same image, and the viewer then works as always. Checked with the frames held back (the viewer cannot draw
until they come)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.synthetic import PatientInfo, SeriesSpec, encode_part10, make_study
from pypacs.web.viewer import BUILT_VIEWER
from tests.browser.reading import ACTIVE, field, middle, press
from tests.interop.conftest import PacsProcess, start_pacs, stop_pacs

pytestmark = pytest.mark.browser

RAW_FRAME = re.compile(r"/frames/\d+$")  # a frame's pixel data, not its rendering (…/frames/1/rendered?…)
SERIES_BULK = re.compile(r"/series/[0-9.]+$")  # the series' frames in one response (series-bulk.ts)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, list[str]]]:
    """A CT study of 12 slices stored last slice first; yields the server's URL, the study and its instances in
    instance-number order."""
    if not (BUILT_VIEWER / "manifest.json").exists():
        pytest.fail("the viewer is not built: `make viewer` builds it (make test does)")
    root = tmp_path_factory.mktemp("first-image")
    spec = SeriesSpec(slices=12, rows=256, columns=256, description="CT FIRST")
    datasets = list(make_study([spec], patient=PatientInfo("FIRSTIMG", "FIRST^IMAGE"), seed=31))
    with Archive.open(Settings(data_dir=root / "data")) as archive:
        for dataset in sorted(datasets, key=lambda ds: -int(ds.InstanceNumber)):
            archive.store(encode_part10(dataset))
    ordered = [ds.SOPInstanceUID for ds in sorted(datasets, key=lambda ds: int(ds.InstanceNumber))]
    pacs: PacsProcess = start_pacs(root / "data", "--dimse-processes", "1")
    try:
        yield pacs.http_url, datasets[0].StudyInstanceUID, ordered
    finally:
        stop_pacs(pacs)


def shot(locator) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.asarray(Image.open(io.BytesIO(locator.screenshot())).convert("L"), dtype=np.float32)


def test_the_first_image_is_on_screen_before_the_viewer_draws_and_gives_way_to_it(page, served, step):  # type: ignore[no-untyped-def]
    url, study, ordered = served
    held: list = []
    released = [False]

    def hold(route) -> None:  # type: ignore[no-untyped-def]
        if released[0]:
            route.continue_()
        else:
            held.append(route)

    page.route(RAW_FRAME, hold)
    page.route(SERIES_BULK, hold)
    page.goto(f"{url}/viewer?study={study}", wait_until="commit")
    first = page.locator("#first-image")
    expect(first).to_be_visible()
    assert first.get_attribute("data-instance") == ordered[0]
    page.wait_for_function("document.getElementById('first-image').complete")
    expect(page.locator(".toolbar button").first).to_be_visible()  # the viewer's code has started…
    expect(page.locator(f"{ACTIVE}[data-rendered]")).to_have_count(0)  # …but cannot draw: its frames are held
    viewports = page.locator("#viewports")
    before = shot(viewports)
    assert middle(before).mean() > 20, "the first image does not show"
    step("the server's picture while the frames are held")
    released[0] = True
    for route in held:
        route.continue_()
    viewport = page.locator(f"{ACTIVE}[data-rendered]")
    viewport.wait_for(timeout=60000)
    expect(first).to_have_count(0)
    expect(field(viewport, "image")).to_have_text("Image 1/12")
    after = shot(viewports)
    step("the viewer's own drawing")
    rows, columns = min(before.shape[0], after.shape[0]), min(before.shape[1], after.shape[1])
    difference = np.abs(middle(after[:rows, :columns]) - middle(before[:rows, :columns])).mean()
    assert difference < 6, f"the viewer drew another picture than the server's first image ({difference:.1f})"
    press(page, viewport, "ArrowDown")
    expect(field(viewport, "image")).to_have_text("Image 2/12")


def test_another_layout_has_no_first_image_and_a_failure_takes_it_away(page, served):  # type: ignore[no-untyped-def]
    url, study, _ = served
    page.goto(f"{url}/viewer?study={study}&layout=2x2", wait_until="networkidle")
    expect(page.locator(".viewport-cell[data-rendered]").first).to_be_visible(timeout=60000)
    expect(page.locator("#first-image")).to_have_count(0)
    page.route(RAW_FRAME, lambda route: route.fulfill(status=500, body="no"))
    page.route(SERIES_BULK, lambda route: route.fulfill(status=500, body="no"))
    page.goto(f"{url}/viewer?study={study}", wait_until="commit")
    expect(page.locator(f"{ACTIVE} .viewport-message")).to_be_visible(timeout=60000)
    expect(page.locator("#first-image")).to_have_count(0)
