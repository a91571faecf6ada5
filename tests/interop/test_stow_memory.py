"""A STOW-RS part of hundreds of megabytes against a real `pypacs serve`: stored whole, with the server's peak
memory barely moving (the part goes through a spool file, not memory)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydicom import dcmread

from tests.conftest import encode, make_dataset
from tests.interop.conftest import PacsProcess

pytestmark = pytest.mark.interop

ROWS, COLUMNS = 8192, 16384  # 16-bit: 256 MiB of pixels


def peak_memory_mib(pid: int) -> float:
    """VmHWM: the most resident memory the process has had."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def multipart_stream(path: Path, boundary: str) -> Iterator[bytes]:
    yield f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode()
    with path.open("rb") as handle:
        while piece := handle.read(1 << 20):
            yield piece
    yield f"\r\n--{boundary}--\r\n".encode()


def test_a_256_mib_part_is_stored_with_bounded_server_memory(pacs: PacsProcess, tmp_path: Path):
    big = tmp_path / "big.dcm"
    pixels = bytes(range(256)) * (ROWS * COLUMNS * 2 // 256)
    big.write_bytes(encode(make_dataset(Rows=ROWS, Columns=COLUMNS, PixelData=pixels)))
    del pixels
    sop = str(dcmread(big, stop_before_pixels=True).SOPInstanceUID)
    httpx.get(f"{pacs.http_url}/health")  # everything the server loads for a request, loaded
    before = peak_memory_mib(pacs.process.pid)
    response = httpx.post(
        f"{pacs.http_url}/dicom-web/studies",
        content=multipart_stream(big, "BIGPART"),
        headers={"Content-Type": 'multipart/related; type="application/dicom"; boundary=BIGPART'},
        timeout=300,
    )
    assert response.status_code == 200, response.text
    grown = peak_memory_mib(pacs.process.pid) - before
    assert grown < 64, f"peak memory grew by {grown:.0f} MiB for a {big.stat().st_size >> 20} MiB part"
    stored = [p for p in (pacs.data_dir / "blobs").rglob("*.dcm")]
    assert len(stored) == 1 and stored[0].stat().st_size == big.stat().st_size
    assert hashlib.sha256(stored[0].read_bytes()).digest() == hashlib.sha256(big.read_bytes()).digest()
    assert sop in response.text
