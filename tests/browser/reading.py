"""What the reading-page browser tests share: opening a study at /viewer, the active viewport and its overlay
lines, and the viewport's canvas as a numpy picture (what the reader sees); for measuring, its image's pixel
coordinates as page positions (from what the page says: the canvas's box and `data-zoom` of the fitted, centred
image), the side-panel tabs, drawing with a tool as a mouse would and reading the measurement list."""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np
from PIL import Image
from playwright.sync_api import Locator, expect

ACTIVE = ".viewport-cell[data-active]"
RENDERED = f"{ACTIVE}[data-rendered]"
RENDER_TIMEOUT = 60000


def open_study(page: Any, base_url: str, study: str, **parameters: str) -> Locator:
    """Go to the reading page of a study; returns the active viewport once it has drawn an image."""
    query = "".join(f"&{name}={value}" for name, value in parameters.items())
    page.goto(f"{base_url}/viewer?study={study}{query}", wait_until="networkidle")
    viewport = page.locator(f"{ACTIVE}[data-rendered]")
    viewport.wait_for(timeout=RENDER_TIMEOUT)
    return page.locator(ACTIVE)


def field(viewport: Locator, name: str) -> Locator:
    """An overlay line of a viewport: image, slice, window, zoom, key-image, note, probe, probe-patient…"""
    return viewport.locator(f"[data-field={name}]")


def marker(viewport: Locator, side: str) -> str:
    return str(viewport.locator(f".orientation-marker[data-side={side}]").inner_text())


def picture(viewport: Locator, mode: str = "L") -> np.ndarray:
    """The viewport's canvas as the reader sees it (a screenshot), greyscale by default."""
    shot = viewport.locator("canvas").first.screenshot()
    return np.asarray(Image.open(io.BytesIO(shot)).convert(mode), dtype=np.float32)


def middle(image: np.ndarray) -> np.ndarray:
    rows, columns = image.shape[:2]
    return image[rows // 4: 3 * rows // 4, columns // 4: 3 * columns // 4]


def press(page: Any, viewport: Locator, key: str) -> None:
    """A key for the reader, with the pointer over the viewport (as a reader's hand would be)."""
    box = viewport.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.keyboard.press(key)


def wait_window(viewport: Locator, text: str) -> None:
    expect(field(viewport, "window")).to_have_text(re.compile(rf"^W/L {re.escape(text)}\b"))


class Screen:
    """Image pixel coordinates ([0, 0] the top left corner of the top left pixel) of the active viewport's image to
    page coordinates and back: the image is fitted and centred in the canvas, `data-zoom` device pixels to one image
    pixel. Page positions are whole CSS pixels, as a mouse's are."""

    def __init__(self, page, size: int) -> None:  # type: ignore[no-untyped-def]
        cell = page.locator(RENDERED)
        ratio = page.evaluate("window.devicePixelRatio")
        self.zoom = float(cell.get_attribute("data-zoom")) / ratio
        box = cell.locator("canvas").first.bounding_box()
        self.centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        self.size = size

    def at(self, column: float, row: float) -> tuple[int, int]:
        x = self.centre[0] + (column - self.size / 2) * self.zoom
        y = self.centre[1] + (row - self.size / 2) * self.zoom
        return round(x), round(y)

    def image(self, position: tuple[int, int]) -> tuple[float, float]:
        """Where a page position is on the image."""
        return (
            (position[0] - self.centre[0]) / self.zoom + self.size / 2,
            (position[1] - self.centre[1]) / self.zoom + self.size / 2,
        )


def open_tab(page, key: str, tab: str, size: int) -> Screen:  # type: ignore[no-untyped-def]
    """Open a side-panel tab by its key; returns the screen once the viewport has settled to its new width."""
    page.keyboard.press(key)
    expect(page.locator(f"[data-panel={tab}]")).to_be_visible()
    return settled_screen(page, size)


def settled_screen(page, size: int) -> Screen:  # type: ignore[no-untyped-def]
    previous = None
    for _ in range(20):
        page.wait_for_timeout(150)
        screen = Screen(page, size)
        if previous and (screen.zoom, screen.centre) == (previous.zoom, previous.centre):
            return screen
        previous = screen
    raise AssertionError("the viewport did not settle")


def draw(page, screen: Screen, key: str, *points: tuple[float, float]) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """Choose a tool by its key and drag through the points (image coordinates); returns the page positions."""
    page.keyboard.press(key)
    positions = [screen.at(*point) for point in points]
    page.mouse.move(*positions[0])
    page.mouse.down()
    for position in positions[1:]:
        page.mouse.move(*position, steps=8)
    page.mouse.up()
    return positions


def item(page, kind: str):  # type: ignore[no-untyped-def]
    return page.locator(f"li.measurement[data-kind={kind}]")


def number(locator, name: str) -> float:  # type: ignore[no-untyped-def]
    """A measurement's value, once the viewer has computed it (a freehand outline's statistics come after it is
    listed)."""
    expect(locator).to_have_attribute(f"data-{name}", re.compile(r"\S"))
    return float(locator.get_attribute(f"data-{name}"))


def image_texts(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(f"{RENDERED} svg text", "texts => texts.map(text => text.textContent)")


def shown_value(text: str, unit: str) -> float:
    match = re.search(rf"(-?[\d.]+) {re.escape(unit)}", text)
    assert match, f"no value in {unit} in {text!r}"
    return float(match.group(1))
