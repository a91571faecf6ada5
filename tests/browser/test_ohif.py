"""OHIF v3 against pypacs in headless Chromium: the study list shows the demo studies, and opening one shows
an image with the window the object asks for."""

from __future__ import annotations

import io
import re

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.conftest import SHARED_CT

pytestmark = pytest.mark.browser


def qido(pacs, path: str) -> list[dict]:  # type: ignore[no-untyped-def]
    response = httpx.get(f"{pacs.http_url}/dicom-web/{path}", timeout=30)
    response.raise_for_status()
    return response.json()


def test_the_study_list_shows_every_demo_study(browser, viewer_url, viewer_pacs):  # type: ignore[no-untyped-def]
    studies = qido(viewer_pacs, "studies?includefield=StudyDescription")
    assert len(studies) >= 5
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto(viewer_url, wait_until="networkidle")
        page.get_by_text(f"1-{len(studies)} of {len(studies)}").wait_for(timeout=30000)
        text = page.inner_text("body")
    finally:
        page.close()
    for study in studies:
        description = study.get("00081030", {}).get("Value", [""])[0]
        assert description in text
        accession = study.get("00080050", {}).get("Value", [""])[0]
        assert accession in text
    assert "Müller, Jürgen" in text  # names with non-ASCII characters come through QIDO intact


@pytest.mark.skipif(not SHARED_CT.exists(), reason="shared CT not present")
def test_opening_a_study_shows_the_image_with_its_window(browser, viewer_url, viewer_pacs):  # type: ignore[no-untyped-def]
    [study] = qido(viewer_pacs, "studies?StudyDescription=HEAD")
    uid = study["0020000D"]["Value"][0]
    [series] = qido(viewer_pacs, f"studies/{uid}/series")
    first = min(qido(viewer_pacs, f"studies/{uid}/series/{series['0020000E']['Value'][0]}/instances"),
                key=lambda item: item["00200013"]["Value"][0])  # fmt: skip
    metadata = httpx.get(first["00081190"]["Value"][0] + "/metadata", timeout=30).json()[0]
    center, width = metadata["00281050"]["Value"][0], metadata["00281051"]["Value"][0]
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto(f"{viewer_url}/viewer?StudyInstanceUIDs={uid}", wait_until="networkidle")
        page.get_by_text(f"(1/{study['00201208']['Value'][0]})").wait_for(timeout=60000)
        page.wait_for_timeout(1000)
        overlay = page.inner_text("body")
        canvas = page.locator("canvas").first
        picture = np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("L"), dtype=np.float32)
    finally:
        page.close()
    shown = re.search(r"W:\s*(-?[\d.]+)\s*L:\s*(-?[\d.]+)", overlay)
    assert shown, overlay[:500]
    assert (float(shown[1]), float(shown[2])) == (float(width), float(center))
    middle = picture[
        picture.shape[0] // 4 : 3 * picture.shape[0] // 4, picture.shape[1] // 4 : 3 * picture.shape[1] // 4
    ]
    assert middle.std() > 30  # an image with structure, not an empty or flat viewport
    assert (middle > 200).mean() > 0.02 and (middle < 30).mean() > 0.02  # bone white, air black in this window
