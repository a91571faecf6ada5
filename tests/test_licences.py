"""The licence check of `make lint`: GPL and AGPL distributions are refused, alternatives and the LGPL are not."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check-licences.py"
spec = importlib.util.spec_from_file_location("check_licences", SCRIPT)
assert spec and spec.loader
check_licences = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_licences)


@pytest.mark.parametrize(
    ("terms", "refused"),
    [
        (["GNU General Public License v3 (GPLv3)", "Other/Proprietary License"], True),  # pylibjpeg-libjpeg
        (["GPL-2.0-or-later"], True),
        (["AGPL-3.0-only"], True),
        (["GNU Affero General Public License v3"], True),
        (["GPL-3.0-only OR MIT"], False),
        (["LGPL-3.0-only"], False),
        (["GNU Lesser General Public License v3 (LGPLv3)"], False),
        (["MPL-2.0 AND (Apache-2.0 OR MIT)"], False),
        (["MIT"], False),
    ],
)
def test_strong_copyleft_is_recognised_in_expressions_and_classifiers(terms: list[str], refused: bool):
    assert check_licences.is_strong_copyleft(terms) is refused


def test_the_installed_environment_has_no_gpl_or_agpl_distribution():
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "distributions" in result.stdout


def test_the_project_declares_its_licence():
    root = SCRIPT.parents[1]
    assert (root / "LICENSE").read_text().startswith("MIT License")
    assert 'license = "MIT"' in (root / "pyproject.toml").read_text()
