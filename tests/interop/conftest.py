"""A real `pypacs serve` process on free loopback ports, and helpers to drive DCMTK tools against it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

DCMTK_ENV = {**os.environ, "TCP_NODELAY": "1"}  # Debian's DCMTK leaves Nagle on: ~40 ms per response without


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PacsProcess:
    data_dir: Path
    dimse_port: int
    http_port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_pacs(data_dir: Path, *extra: str, log_name: str = "server.log") -> PacsProcess:
    """Start `pypacs serve` on free ports; tries new ports when another process took one in the meantime."""
    for attempt in range(3):
        try:
            return _start_pacs_once(data_dir, *extra, log_name=log_name)
        except PortTaken:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


class PortTaken(RuntimeError):
    pass


def _start_pacs_once(data_dir: Path, *extra: str, log_name: str) -> PacsProcess:
    dimse_port, http_port = free_port(), free_port()
    log_path = data_dir.parent / log_name
    command = [
        sys.executable, "-m", "pypacs", "serve", "--data-dir", str(data_dir),
        "--dimse-port", str(dimse_port), "--http-port", str(http_port), *extra,
    ]  # fmt: skip
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYPACS_")}
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    pacs = PacsProcess(data_dir, dimse_port, http_port, process, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            if "address already in use" in pacs.log().lower() or "could not listen" in pacs.log().lower():
                raise PortTaken(pacs.log())
            raise RuntimeError(f"pypacs serve exited with {process.returncode}:\n{pacs.log()}")
        try:
            if httpx.get(f"{pacs.http_url}/health", timeout=1).status_code == 200 and _dimse_listening(dimse_port):
                return pacs
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"pypacs serve did not come up:\n{pacs.log()}")


def _dimse_listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def stop_pacs(pacs: PacsProcess) -> int:
    if pacs.process.poll() is None:
        pacs.process.send_signal(signal.SIGINT)
        try:
            pacs.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pacs.process.kill()
            pacs.process.wait()
    return pacs.process.returncode


@pytest.fixture(scope="session")
def dcmtk() -> None:
    missing = [tool for tool in ("echoscu", "storescu") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"DCMTK tools missing ({', '.join(missing)}): `make test` installs the dcmtk package")


@pytest.fixture
def pacs(tmp_path: Path, dcmtk: None) -> Iterator[PacsProcess]:
    running = start_pacs(tmp_path / "data")
    try:
        yield running
    finally:
        stop_pacs(running)


def run_dcmtk(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), env=DCMTK_ENV, capture_output=True, text=True, errors="replace", timeout=timeout)


def pypacs_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYPACS_")}
    return subprocess.run([sys.executable, "-m", "pypacs", *args], capture_output=True, text=True, timeout=120, env=env)
