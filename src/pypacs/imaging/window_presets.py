"""The window presets (CT lung, brain, bone… plus "as stored" and "full range"), read from the one data file
window_presets.json that the viewer and the help pages are served too. Data only: no pixels, no I/O beyond it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

PresetKind = Literal["preset", "as stored", "full range"]
KINDS: tuple[str, ...] = ("preset", "as stored", "full range")


@dataclass(frozen=True)
class ValueRange:
    """The range radiologists use for a window's width or level, and the value the preset applies."""

    min: float
    max: float
    default: float


@dataclass(frozen=True)
class WindowPreset:
    key: str  # the viewer's keyboard key (KeyboardEvent.key)
    id: str  # what `window=` takes in a URL (the name works too)
    name: str
    kind: PresetKind
    modality: str | None
    width: ValueRange | None  # None unless kind is "preset"
    level: ValueRange | None

    def matches(self, text: str) -> bool:
        wanted = text.strip().casefold()
        return wanted in (self.id.casefold(), self.name.casefold())


def presets_document() -> dict[str, Any]:
    """The data file as it is (for the viewer's and the help pages' JSON route)."""
    return json.loads(json.dumps(_document()))  # a copy: callers may not change the module's own


def window_presets() -> list[WindowPreset]:
    return list(_presets())


def preset_named(text: str) -> WindowPreset | None:
    """The preset whose id or name is `text` (any case), or None."""
    return next((preset for preset in _presets() if preset.matches(text)), None)


@cache
def _document() -> dict[str, Any]:
    text = resources.files("pypacs.imaging").joinpath("window_presets.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


@cache
def _presets() -> tuple[WindowPreset, ...]:
    presets = tuple(_preset(entry) for entry in _document()["presets"])
    for field in ("key", "id", "name"):
        values = [getattr(preset, field).casefold() for preset in presets]
        if len(values) != len(set(values)):
            raise ValueError(f"window_presets.json: two presets have the same {field}")
    return presets


def _preset(entry: dict[str, Any]) -> WindowPreset:
    kind = entry["kind"]
    if kind not in KINDS:
        raise ValueError(f"window_presets.json: {entry['id']}: kind {kind!r} is not one of {', '.join(KINDS)}")
    width, level = _range(entry.get("width")), _range(entry.get("level"))
    if (kind == "preset") != (width is not None and level is not None):
        raise ValueError(f"window_presets.json: {entry['id']}: width and level are for presets, and only for them")
    for value_range in (width, level):
        if value_range is not None and not value_range.min <= value_range.default <= value_range.max:
            raise ValueError(f"window_presets.json: {entry['id']}: a default lies outside its range")
    return WindowPreset(str(entry["key"]), entry["id"], entry["name"], kind, entry.get("modality"), width, level)


def _range(entry: dict[str, Any] | None) -> ValueRange | None:
    if entry is None:
        return None
    return ValueRange(float(entry["min"]), float(entry["max"]), float(entry["default"]))
