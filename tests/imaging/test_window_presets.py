"""The window presets data file: the issue's CT table, one key each, and what `window=` makes of a name."""

from __future__ import annotations

import numpy as np
import pytest

from pypacs.imaging.render import render_frame
from pypacs.imaging.voi import FULL_RANGE, PRESETS, Window, window_request
from pypacs.imaging.window_presets import preset_named, presets_document, window_presets
from tests.imaging.test_render import phantom

# name: (width min, max, default), (level min, max, default): the table of issue 10
CT_TABLE = {
    "lung": ((1500, 2000, 1500), (-600, -450, -600)),
    "mediastinum": ((250, 350, 350), (30, 50, 40)),
    "brain": ((80, 100, 80), (30, 40, 40)),
    "brain haemorrhage": ((80, 140, 120), (30, 50, 40)),
    "orbits / maxillofacial": ((150, 250, 200), (30, 40, 35)),
    "nasopharynx": ((300, 350, 325), (30, 50, 40)),
    "pituitary / sella": ((200, 250, 225), (45, 50, 48)),
    "bone": ((1000, 1500, 1500), (250, 350, 300)),
    "larynx / neck": ((300, 350, 325), (30, 50, 40)),
    "pharynx": ((300, 350, 325), (30, 50, 40)),
    "soft tissue": ((300, 500, 400), (40, 60, 50)),
}


def test_the_file_holds_the_ct_table_and_the_two_special_presets():
    presets = {preset.name: preset for preset in window_presets()}
    assert set(presets) == {*CT_TABLE, "as stored", "full range"}
    for name, (width, level) in CT_TABLE.items():
        preset = presets[name]
        assert preset.modality == "CT" and preset.kind == "preset"
        assert (preset.width.min, preset.width.max, preset.width.default) == width  # type: ignore[union-attr]
        assert (preset.level.min, preset.level.max, preset.level.default) == level  # type: ignore[union-attr]
    assert presets["as stored"].kind == "as stored" and presets["as stored"].width is None
    assert presets["full range"].kind == "full range" and presets["full range"].level is None


def test_every_preset_has_its_own_keyboard_key_and_url_id():
    presets = window_presets()
    assert len({preset.key for preset in presets}) == len(presets)
    assert len({preset.id for preset in presets}) == len(presets)
    assert [preset.key for preset in presets[:10]] == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"]
    assert all(len(preset.key) == 1 for preset in presets)
    assert all(preset.id.replace("-", "").isalnum() and preset.id == preset.id.lower() for preset in presets)


def test_voi_presets_are_the_files_defaults_under_their_names():
    assert PRESETS["brain"] == Window(40, 80)
    assert PRESETS["lung"] == Window(-600, 1500)
    assert PRESETS["soft tissue"] == Window(50, 400)
    assert set(PRESETS) == set(CT_TABLE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lung", Window(-600, 1500)),
        ("Brain-Haemorrhage", Window(40, 120)),
        ("brain haemorrhage", Window(40, 120)),
        ("orbits / maxillofacial", Window(35, 200)),
        ("pituitary", Window(48, 225)),
        ("40,400", Window(40, 400)),
        ("as-stored", None),
        ("as stored", None),
        ("full-range", FULL_RANGE),
    ],
)
def test_a_window_request_is_numbers_or_a_presets_id_or_name(text, expected):
    assert window_request(text) == expected


def test_an_unknown_preset_name_is_refused_with_the_expected_forms():
    with pytest.raises(ValueError, match="preset"):
        window_request("liverish")
    assert preset_named("liverish") is None


def test_full_range_ignores_the_objects_own_window():
    values = np.array([[0, 100, 200]], dtype=np.uint16)
    ds = phantom(values, WindowCenter=100, WindowWidth=2)
    assert render_frame(ds).tolist() == [[0, 255, 255]]
    assert render_frame(ds, window=FULL_RANGE).tolist() == [[0, 128, 255]]
    assert render_frame(ds, window=window_request("as stored")).tolist() == [[0, 255, 255]]


def test_the_document_served_is_a_copy_of_the_file():
    document = presets_document()
    document["presets"].clear()
    assert len(presets_document()["presets"]) == 13
