"""What the reading-page browser tests share: opening a study at /viewer, the active viewport and its overlay
lines, and the viewport's canvas as a numpy picture (what the reader sees)."""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np
from PIL import Image
from playwright.sync_api import Locator, expect

ACTIVE = ".viewport-cell[data-active]"
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
