"""Value of interest: window centre/width (LINEAR, LINEAR_EXACT, SIGMOID), VOI LUTs, defaults and the standard
radiology presets (from window_presets.json). Pure numpy: modality values in, display values in [0, 1] out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydicom.dataset import Dataset

from pypacs.imaging.pixels import lut_values
from pypacs.imaging.window_presets import preset_named, window_presets

WindowFunction = Literal["LINEAR", "LINEAR_EXACT", "SIGMOID"]
FUNCTIONS: tuple[str, ...] = ("LINEAR", "LINEAR_EXACT", "SIGMOID")


@dataclass(frozen=True)
class Window:
    center: float
    width: float
    function: WindowFunction = "LINEAR"

    def __post_init__(self) -> None:
        if not (math.isfinite(self.center) and math.isfinite(self.width)):
            raise ValueError(f"window centre {self.center} and width {self.width} must be finite numbers")
        if self.function not in FUNCTIONS:
            raise ValueError(f"window function {self.function!r} is not one of {', '.join(FUNCTIONS)}")
        minimum = 0 if self.function == "LINEAR_EXACT" else 1
        if not self.width >= minimum or self.width == 0 and self.function == "LINEAR_EXACT":
            raise ValueError(f"window width {self.width} must be {'> 0' if minimum == 0 else '>= 1'}")


FULL_RANGE: Literal["full range"] = "full range"
# What a request may ask for: a window, the frame's value range, or None: the object's own ("as stored").
WindowRequest = Window | Literal["full range"] | None

# Centre/width in HU (CT) by preset name ("lung", "brain", "soft tissue"…): each preset's default level and width.
PRESETS: dict[str, Window] = {
    preset.name: Window(preset.level.default, preset.width.default)
    for preset in window_presets()
    if preset.level is not None and preset.width is not None
}


def window_request(text: str) -> WindowRequest:
    """`window=` of the rendered resources: `center,width[,function]`, or a preset's id or name (`lung`,
    `brain-haemorrhage`, `soft tissue`, `as-stored`, `full-range`; any case)."""
    preset = preset_named(text)
    if preset is None:
        return parse_window(text)
    if preset.level is not None and preset.width is not None:
        return Window(preset.level.default, preset.width.default)
    if preset.kind == "full range":
        return FULL_RANGE
    return None


def parse_window(text: str) -> Window:
    """`center,width[,function]` as in WADO-RS `window=` (function: linear, linear-exact, sigmoid)."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) not in (2, 3):
        raise ValueError(f"window {text!r} must be center,width[,function] or a preset's name")
    try:
        center, width = float(parts[0]), float(parts[1])
    except ValueError as error:
        raise ValueError(f"window {text!r}: center and width must be numbers") from error
    function = parts[2].upper().replace("-", "_") if len(parts) == 3 else "LINEAR"
    return Window(center, width, function)  # type: ignore[arg-type]


def window_from_dataset(ds: Dataset, frame: int = 0) -> Window | None:
    """The first window the object suggests for a frame: per-frame functional groups, then the top level."""
    for source in _window_sources(ds, frame):
        centers, widths = source.get("WindowCenter"), source.get("WindowWidth")
        if centers is None or widths is None or centers == "" or widths == "":
            continue
        center = _first(centers)
        width = _first(widths)
        function = str(source.get("VOILUTFunction", "LINEAR") or "LINEAR").strip().upper()
        try:
            return Window(center, width, function if function in FUNCTIONS else "LINEAR")  # type: ignore[arg-type]
        except ValueError:
            continue
    return None


def _window_sources(ds: Dataset, frame: int) -> list[Dataset]:
    sources: list[Dataset] = []
    for group in ("PerFrameFunctionalGroupsSequence", "SharedFunctionalGroupsSequence"):
        items = ds.get(group)
        if not items:
            continue
        item = items[frame] if group.startswith("PerFrame") and frame < len(items) else items[0]
        sources.extend(item.get("FrameVOILUTSequence") or [])
    sources.append(ds)
    return sources


def _first(value: object) -> float:
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        value = value[0]  # type: ignore[index]
    return float(value)  # type: ignore[arg-type]


def default_window(values: np.ndarray) -> Window:
    """A window covering the frame's value range (used when neither the request nor the object gives one)."""
    low, high = float(values.min()), float(values.max())
    width = max(high - low, 1.0)
    return Window(low + width / 2, width, "LINEAR_EXACT")


def apply_window(values: np.ndarray, window: Window) -> np.ndarray:
    """Display values in [0, 1] (float32) per PS3.3 C.11.2.1.2."""
    x = values.astype(np.float32, copy=False)
    c, w = window.center, window.width
    if window.function == "SIGMOID":
        return (1.0 / (1.0 + np.exp(-4.0 * (x - np.float32(c)) / np.float32(w)))).astype(np.float32)
    if window.function == "LINEAR_EXACT":
        low, span = c - w / 2, w
    else:  # LINEAR: the half-pixel offsets of the standard's formula
        low, span = c - 0.5 - (w - 1) / 2, w - 1
    out = (x - np.float32(low)) / np.float32(span)
    return np.clip(out, 0.0, 1.0, out=out)


def apply_voi_lut(values: np.ndarray, item: Dataset) -> np.ndarray:
    """A VOI LUT Sequence item applied to modality values, scaled to [0, 1]."""
    entries, first, bits = (int(v) for v in item.LUTDescriptor)
    data = np.asarray(lut_values(item), dtype=np.float32)[: entries or 65536]
    indices = np.clip(values.astype(np.int64) - first, 0, len(data) - 1)
    scale = float((1 << bits) - 1) if 8 <= bits <= 16 else max(float(data.max(initial=1.0)), 1.0)
    return np.clip(data[indices] / np.float32(scale), 0.0, 1.0).astype(np.float32)
