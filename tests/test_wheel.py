"""`pip install .` gives a working viewer: the wheel built from this tree holds every file of the built viewer
(pages, scripts, the decode worker, the WebAssembly codecs), so an installed pypacs serves it without Node."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pypacs.web.viewer import BUILT_VIEWER

REPO = Path(__file__).resolve().parents[1]


def test_the_wheel_contains_the_built_viewer(tmp_path: Path) -> None:
    if not (BUILT_VIEWER / "manifest.json").exists():
        pytest.fail("the viewer is not built: `make viewer` builds it (make test does)")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(REPO)],
                   check=True, capture_output=True, timeout=600)  # fmt: skip
    (wheel,) = tmp_path.glob("pypacs-*.whl")
    inside = set(zipfile.ZipFile(wheel).namelist())
    built = {f"pypacs/web/static/viewer/{path.relative_to(BUILT_VIEWER).as_posix()}"
             for path in BUILT_VIEWER.rglob("*") if path.is_file()}  # fmt: skip
    assert built - inside == set()
    assert any(name.endswith(".wasm") for name in built)
    assert "pypacs/imaging/window_presets.json" in inside
