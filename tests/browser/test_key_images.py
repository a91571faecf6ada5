"""Key images in the reading page, in headless Chromium against a real `pypacs serve`: images marked with "k" are
saved as a key object selection with a CID 7010 title (found by QIDO-RS, read back by GET …/key-images), the
"Key images" card of the series strip shows the saved and the marked ones as one stack, and a KO series card
shows the images its document selects."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.reading_study import ACTIVE, ReadingStudy, open_study, serving

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReadingStudy]:
    with serving(tmp_path_factory.mktemp("key-images")) as study:
        yield study


def key_image_selections(study: ReadingStudy) -> list[dict]:  # type: ignore[type-arg]
    answer = httpx.get(f"{study.url}/api/studies/{study.study}/key-images", timeout=30)
    answer.raise_for_status()
    return answer.json()  # type: ignore[no-any-return]


def test_a_marked_image_saved_as_key_image_is_stored_listed_and_shown_from_the_strip(page, served: ReadingStudy, step):  # type: ignore[no-untyped-def]
    viewport = open_study(page, served)
    card = page.locator("#series [data-key-images]")
    expect(card).to_have_count(0)  # no key images yet: no card
    for _ in range(2):
        page.keyboard.press("ArrowDown")
    expect(viewport).to_have_attribute("data-sop-instance-uid", served.sops[2])
    page.keyboard.press("k")
    expect(viewport.locator("[data-field=key-image]")).to_have_text("★ Key image")
    expect(card).to_contain_text("1 marked, not saved")
    step("marked")

    page.keyboard.press("P")
    page.locator(".key-images button[data-action=save-key-images]").click()
    dialog = page.locator("dialog.ask-form")
    dialog.locator("select[name=title]").select_option(label="For Teaching")
    dialog.locator("input[name=description]").fill("a teaching slice")
    dialog.locator("button[type=submit]").click()
    expect(page.locator("#message")).to_have_text("1 key image saved as a key object selection (For Teaching).")
    expect(card).to_contain_text("saved")
    expect(card).to_contain_text("1 image")
    step("saved")

    [selection] = key_image_selections(served)
    assert selection["title"] == {"value": "113004", "scheme": "DCM", "meaning": "For Teaching"}
    assert selection["description"] == "a teaching slice"
    assert [image["sopInstanceUID"] for image in selection["images"]] == [served.sops[2]]
    assert selection["images"][0]["seriesInstanceUID"] == served.series
    found = httpx.get(f"{served.url}/dicom-web/studies/{served.study}/series", params={"Modality": "KO"}).json()
    assert [series["0020000E"]["Value"][0] for series in found] == [selection["seriesInstanceUID"]]
    ko_card = page.locator(f"#series [data-series-uid='{selection['seriesInstanceUID']}']")
    expect(ko_card).to_contain_text("KO")
    expect(page.locator(".key-images li.document")).to_contain_text("For Teaching")

    # one more marked and not saved: the card's stack holds both, saved first
    page.keyboard.press("End")
    expect(viewport).to_have_attribute("data-sop-instance-uid", served.sops[-1])
    page.keyboard.press("k")
    expect(card).to_contain_text("1 marked, not saved")
    expect(card).to_contain_text("2 images")
    card.click()
    expect(viewport.locator("[data-field=image]")).to_have_text("Image 1/2")
    expect(card).to_have_attribute("aria-pressed", "true")
    expect(viewport).to_have_attribute("data-sop-instance-uid", served.sops[2])
    page.keyboard.press("ArrowDown")
    expect(viewport).to_have_attribute("data-sop-instance-uid", served.sops[-1])
    step("key images card")

    # the KO series card shows what its document selects, not "holds no pictures"
    ko_card.click()
    expect(viewport.locator("[data-field=image]")).to_have_text("Image 1/1")
    expect(viewport).to_have_attribute("data-sop-instance-uid", served.sops[2])
    expect(viewport.locator(".viewport-message")).to_be_hidden()
    step("KO series card")

    # after a reload the saved key image is known (a star, the card) and the unsaved mark is gone
    page.reload(wait_until="networkidle")
    page.locator(f"{ACTIVE}[data-rendered]").wait_for(timeout=60000)
    expect(card).to_contain_text("1 image")
    page.keyboard.press("K")
    expect(viewport.locator("[data-field=image]")).to_have_text("Image 1/1")
    expect(viewport.locator("[data-field=key-image]")).to_have_text("★ Key image")
    step("after a reload")


def test_nothing_marked_nothing_to_save(page, served: ReadingStudy):  # type: ignore[no-untyped-def]
    open_study(page, served)
    page.keyboard.press("P")
    expect(page.locator(".key-images")).to_contain_text("0 marked, not saved")
    expect(page.locator(".key-images button[data-action=save-key-images]")).to_be_disabled()
