"""The npm licence check of `make lint` (scripts/check-npm-licences.mjs): the viewer's production packages may not
be GPL or AGPL or undeclared; dev-only packages, permissive alternatives and the LGPL pass."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "check-npm-licences.mjs"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (make viewer installs it)")


def check(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NODE or "node", str(SCRIPT), str(folder)], capture_output=True, text=True, timeout=60)


def project(tmp_path: Path, packages: dict[str, dict]) -> Path:
    """A viewer folder with a lockfile and installed package.json files: name -> lockfile entry + `manifest`."""
    lock: dict = {"name": "x", "lockfileVersion": 3, "packages": {"": {"name": "x"}}}
    for name, entry in packages.items():
        manifest = entry.pop("manifest", None)
        lock["packages"][f"node_modules/{name}"] = {"version": "1.0.0", **entry}
        if manifest is not None:
            folder = tmp_path / "node_modules" / name
            folder.mkdir(parents=True)
            (folder / "package.json").write_text(json.dumps({"name": name, **manifest}))
    (tmp_path / "package-lock.json").write_text(json.dumps(lock))
    return tmp_path


def test_permissive_alternatives_lgpl_and_dev_only_packages_pass(tmp_path: Path):
    folder = project(tmp_path, {
        "mit": {"manifest": {"license": "MIT"}},
        "either": {"manifest": {"license": "(GPL-3.0-only OR MIT)"}},
        "old-style": {"manifest": {"licenses": [{"type": "BSD-3-Clause"}]}},
        "weak": {"manifest": {"license": "LGPL-3.0-only"}},
        "compiler": {"dev": True, "manifest": {"license": "GPL-3.0-only"}},
        "other-platform": {"optional": True, "license": "MIT"},  # not installed here: skipped
    })  # fmt: skip
    result = check(folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 production packages" in result.stdout and "LGPL (allowed as libraries): weak" in result.stdout


@pytest.mark.parametrize("manifest", [{"license": "GPL-2.0-or-later"}, {"license": "AGPL-3.0-only"},
                                      {"license": "GPL-3.0 AND MIT"}, {}])  # fmt: skip
def test_gpl_agpl_or_undeclared_production_packages_fail(tmp_path: Path, manifest: dict):
    folder = project(tmp_path, {"fine": {"manifest": {"license": "MIT"}}, "bad": {"manifest": manifest}})
    result = check(folder)
    assert result.returncode == 1
    assert "bad 1.0.0" in result.stderr


def test_the_viewers_own_packages_pass():
    if not (ROOT / "viewer" / "node_modules").is_dir():
        pytest.fail("viewer/node_modules is missing: `make viewer` installs it")
    result = check(ROOT / "viewer")
    assert result.returncode == 0, result.stdout + result.stderr
