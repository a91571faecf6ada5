"""The first series' frames come in one bulk data response (series-bulk.ts): one request for the series and none
per frame, every image then shown with its own pixels at its place in the stack (the series is stored last slice
first); when that request is refused the viewer asks for each frame itself."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from pydicom.dataset import Dataset

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.synthetic import PatientInfo, SeriesSpec, encode_part10, make_study
from pypacs.web.viewer import BUILT_VIEWER
from tests.browser.reading import field, open_study, press
from tests.interop.conftest import PacsProcess, start_pacs, stop_pacs

pytestmark = pytest.mark.browser

FRAME = re.compile(r"/frames/\d+$")
SERIES = re.compile(r"/series/[0-9.]+$")
SLICES = 10


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, list[Dataset]]]:
    """A CT series stored last slice first; the server's URL, the study and its slices in instance order."""
    if not (BUILT_VIEWER / "manifest.json").exists():
        pytest.fail("the viewer is not built: `make viewer` builds it (make test does)")
    root = tmp_path_factory.mktemp("series-bulk")
    spec = SeriesSpec(slices=SLICES, rows=128, columns=128, description="CT BULK")
    datasets = list(make_study([spec], patient=PatientInfo("BULK", "BULK^SERIES"), seed=47))
    with Archive.open(Settings(data_dir=root / "data")) as archive:
        for dataset in sorted(datasets, key=lambda ds: -int(ds.InstanceNumber)):
            archive.store(encode_part10(dataset))
    ordered = sorted(datasets, key=lambda ds: int(ds.InstanceNumber))
    pacs: PacsProcess = start_pacs(root / "data", "--dimse-processes", "1")
    try:
        yield pacs.http_url, datasets[0].StudyInstanceUID, ordered
    finally:
        stop_pacs(pacs)


def requests_of(page) -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def check_every_image(page, viewport, ordered: list[Dataset]) -> None:  # type: ignore[no-untyped-def]
    """Each image in turn: the stored value of a pixel, probed, is the right slice's."""
    box = viewport.bounding_box()
    for index, dataset in enumerate(ordered):
        if index:
            press(page, viewport, "ArrowDown")
        expect(field(viewport, "image")).to_have_text(f"Image {index + 1}/{len(ordered)}")
        page.mouse.move(box["x"] + box["width"] * 0.5 + index % 2, box["y"] + box["height"] * 0.5)
        probe = field(viewport, "probe")
        expect(probe).to_contain_text("HU")
        found = re.fullmatch(r"x (\d+) y (\d+) · (-?[\d.]+) HU", probe.inner_text())
        assert found, probe.inner_text()
        column, row, value = int(found[1]), int(found[2]), float(found[3])
        stored = float(dataset.pixel_array[row, column]) * float(dataset.RescaleSlope) + float(dataset.RescaleIntercept)
        assert value == pytest.approx(stored, abs=0.01), f"image {index + 1} shows another slice's pixels"


def test_the_series_comes_in_one_response_and_every_image_is_the_right_one(page, served):  # type: ignore[no-untyped-def]
    url, study, ordered = served
    seen = requests_of(page)
    viewport = open_study(page, url, study)
    check_every_image(page, viewport, ordered)
    assert len([u for u in seen if SERIES.search(u)]) == 1, seen
    assert [u for u in seen if FRAME.search(u)] == []


def test_a_refused_bulk_request_leaves_the_frames_to_their_own_requests(page, served):  # type: ignore[no-untyped-def]
    url, study, ordered = served
    page.route(SERIES, lambda route: route.fulfill(status=406, body="no"))
    seen = requests_of(page)
    viewport = open_study(page, url, study)
    check_every_image(page, viewport, ordered)
    assert len({u for u in seen if FRAME.search(u)}) == SLICES
