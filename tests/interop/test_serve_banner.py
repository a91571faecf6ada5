"""What `make run` shows: once both listeners are up, `pypacs serve` prints the AE title and its addresses."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.interop.conftest import start_pacs, stop_pacs

pytestmark = pytest.mark.interop


def test_serve_prints_its_ae_title_and_addresses_once_listening(tmp_path: Path):
    pacs = start_pacs(tmp_path / "data")
    try:
        deadline = time.monotonic() + 10
        while "is running" not in pacs.log() and time.monotonic() < deadline:
            time.sleep(0.1)
        log = pacs.log()
    finally:
        stop_pacs(pacs)
    assert "is running" in log
    assert f"Viewer       {pacs.http_url}/" in log
    assert "AE title     PYPACS" in log
    assert f"DICOM        127.0.0.1:{pacs.dimse_port}" in log
    assert f"HTTP         {pacs.http_url}" in log
    assert f"DICOMweb     {pacs.http_url}/dicom-web" in log
