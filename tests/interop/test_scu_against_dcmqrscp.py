"""pypacs's SCU commands against DCMTK's dcmqrscp (an archive configured by the test): echo, store, find at
several levels, get into a folder, move into a running `pypacs serve`, and a wrong called AE title."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydicom import dcmread

from tests.conftest import SHARED_CT
from tests.interop.conftest import DCMTK_ENV, PacsProcess, free_port, pypacs_cli, start_pacs, stop_pacs

pytestmark = [pytest.mark.interop, pytest.mark.skipif(not SHARED_CT.exists(), reason="shared CT not present")]

STUDY_UID, SERIES_UID, SOP_INSTANCE_UID = "0020000D", "0020000E", "00080018"


class Dcmqrscp:
    """dcmqrscp as AE QRSCP on a free loopback port, its storage area in `root`; its HostTable knows PYPACS."""

    def __init__(self, root: Path, pypacs_port: int) -> None:
        storage = root / "qrscp-storage"
        storage.mkdir()
        self.log_path = root / "dcmqrscp.log"
        for attempt in range(3):
            self.port = free_port()
            config = root / "dcmqrscp.cfg"
            config.write_text(
                f"NetworkTCPPort = {self.port}\nMaxPDUSize = 16384\nMaxAssociations = 16\n\n"
                f"HostTable BEGIN\npypacs = (PYPACS, 127.0.0.1, {pypacs_port})\nHostTable END\n\n"
                "VendorTable BEGIN\nVendorTable END\n\n"
                f"AETable BEGIN\nQRSCP {storage} RW (200, 1024mb) ANY\nAETable END\n"
            )
            with self.log_path.open("wb") as log:
                self.process = subprocess.Popen(["dcmqrscp", "-c", str(config)], env=DCMTK_ENV, cwd=root,
                                                stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
            if self._listening():
                return
            if attempt == 2:
                raise RuntimeError(f"dcmqrscp did not start:\n{self.log()}")

    def _listening(self) -> bool:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:  # e.g. the port was taken in the meantime: try another
                return False
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return True
            time.sleep(0.05)
        self.stop()
        return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def peer(self) -> str:
        return f"QRSCP@127.0.0.1:{self.port}"


@dataclass
class Setup:
    qrscp: Dcmqrscp
    pacs: PacsProcess
    files: dict[str, Path]  # SOP Instance UID -> original file
    study: str
    series: str
    stored: subprocess.CompletedProcess[str]  # `pypacs store` of the shared CT into dcmqrscp


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    root = tmp_path_factory.mktemp("qrscp")
    headers = [dcmread(path, stop_before_pixels=True) for path in sorted(SHARED_CT.glob("*.dcm"))]
    files = {str(ds.SOPInstanceUID): Path(str(ds.filename)) for ds in headers}
    assert len(files) == 28
    assert len({str(ds.StudyInstanceUID) for ds in headers}) == len({str(ds.SeriesInstanceUID) for ds in headers}) == 1
    pacs = start_pacs(root / "pacs-data")
    try:
        qrscp = Dcmqrscp(root, pacs.dimse_port)
        try:
            stored = pypacs_cli("store", qrscp.peer, str(SHARED_CT))
            yield Setup(qrscp, pacs, files, str(headers[0].StudyInstanceUID), str(headers[0].SeriesInstanceUID), stored)
        finally:
            qrscp.stop()
    finally:
        stop_pacs(pacs)


def find_json(peer: str, *arguments: str) -> list[dict]:
    result = pypacs_cli("find", peer, "--json", *arguments)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def values(found: list[dict], tag: str) -> list[str]:
    return sorted(item[tag]["Value"][0] for item in found)


def test_echo(setup: Setup):
    result = pypacs_cli("echo", setup.qrscp.peer, "--count", "2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(f"C-ECHO {setup.qrscp.peer}: success in") == 2


def test_store_sends_every_file(setup: Setup):
    assert setup.stored.returncode == 0, setup.stored.stderr + setup.qrscp.log()
    assert f"sent 28 of 28 file(s) to {setup.qrscp.peer}" in setup.stored.stdout
    assert len(list((setup.qrscp.log_path.parent / "qrscp-storage").glob("*"))) >= 28  # the files and index.dat


def test_find_at_study_level_returns_the_study(setup: Setup):
    assert values(find_json(setup.qrscp.peer), STUDY_UID) == [setup.study]


def test_find_at_series_level_returns_the_series(setup: Setup):
    found = find_json(setup.qrscp.peer, "--level", "SERIES", "-k", f"StudyInstanceUID={setup.study}")
    assert values(found, SERIES_UID) == [setup.series]


@pytest.mark.parametrize("with_series", [False, True], ids=["study-key", "study-and-series-keys"])
def test_find_at_image_level_returns_every_instance(setup: Setup, with_series: bool):
    keys = ["-k", f"StudyInstanceUID={setup.study}", *(["-k", f"SeriesInstanceUID={setup.series}"] * with_series)]
    found = find_json(setup.qrscp.peer, "--level", "IMAGE", *keys)
    assert values(found, SOP_INSTANCE_UID) == sorted(setup.files)


def test_get_into_a_folder_delivers_every_instance_unchanged(setup: Setup, tmp_path: Path):
    result = pypacs_cli("get", setup.qrscp.peer, "--study", setup.study, "--out", str(tmp_path / "got"))
    assert result.returncode == 0, result.stderr
    assert "C-GET: 28 completed, 0 failed, 0 warning" in result.stdout
    received = {str(ds.SOPInstanceUID): ds for ds in map(dcmread, (tmp_path / "got").iterdir())}
    assert sorted(received) == sorted(setup.files)
    for uid, path in setup.files.items():
        assert received[uid].PixelData == dcmread(path).PixelData


def test_move_into_a_running_pypacs(setup: Setup):
    result = pypacs_cli("move", setup.qrscp.peer, "--to", "PYPACS", "--study", setup.study)
    assert result.returncode == 0, result.stderr + setup.pacs.log()
    assert "C-MOVE to PYPACS: 28 completed, 0 failed, 0 warning" in result.stdout
    pypacs_peer = f"PYPACS@127.0.0.1:{setup.pacs.dimse_port}"
    found = find_json(pypacs_peer, "--level", "IMAGE", "-k", f"StudyInstanceUID={setup.study}")
    assert values(found, SOP_INSTANCE_UID) == sorted(setup.files)


def test_a_wrong_called_ae_title_is_a_clear_failure(setup: Setup):
    peer = f"WRONG@127.0.0.1:{setup.qrscp.port}"
    result = pypacs_cli("find", peer)
    assert result.returncode == 1
    assert result.stderr.startswith(f"pypacs: {peer} rejected the association")
    assert result.stdout == ""


@pytest.mark.parametrize("command", ["echo", "store", "move", "get"])
def test_a_wrong_called_ae_title_fails_every_command(setup: Setup, command: str, tmp_path: Path):
    peer = f"WRONG@127.0.0.1:{setup.qrscp.port}"
    arguments = {
        "echo": [], "store": [str(next(iter(setup.files.values())))],
        "move": ["--to", "PYPACS", "--study", setup.study], "get": ["--study", setup.study, "--out", str(tmp_path)],
    }[command]  # fmt: skip
    result = pypacs_cli(command, peer, *arguments)
    assert result.returncode == 1
    assert result.stderr.startswith("pypacs: ") and peer in result.stderr


def test_get_whose_every_sub_operation_fails_reports_the_counts_and_the_failed_uids(setup: Setup, tmp_path: Path):
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")  # every received object fails to be written: pypacs answers 0xA700 to each C-STORE
    result = pypacs_cli("get", setup.qrscp.peer, "--study", setup.study, "--out", str(not_a_folder))
    assert result.returncode == 1
    assert "C-GET: 0 completed, 28 failed, 0 warning" in result.stdout, result.stderr
    assert sorted(line.removeprefix("failed ") for line in result.stderr.splitlines()) == sorted(setup.files)
