"""pypacs's SCU commands against DCMTK's dcmqrscp (an archive configured by the test): echo, store, find at
several levels, get into a folder, move into a running `pypacs serve`."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydicom import dcmread

from tests.conftest import SHARED_CT
from tests.interop.conftest import DCMTK_ENV, PacsProcess, free_port, pypacs_cli, start_pacs, stop_pacs

pytestmark = [pytest.mark.interop, pytest.mark.skipif(not SHARED_CT.exists(), reason="shared CT not present")]


class Dcmqrscp:
    def __init__(self, root: Path, pypacs_port: int) -> None:
        self.port = free_port()
        storage = root / "qrscp-storage"
        storage.mkdir()
        config = root / "dcmqrscp.cfg"
        config.write_text(
            f"NetworkTCPPort = {self.port}\nMaxPDUSize = 16384\nMaxAssociations = 16\n\n"
            f"HostTable BEGIN\npypacs = (PYPACS, 127.0.0.1, {pypacs_port})\nHostTable END\n\n"
            "VendorTable BEGIN\nVendorTable END\n\n"
            f"AETable BEGIN\nQRSCP {storage} RW (200, 1024mb) ANY\nAETable END\n"
        )
        self.process = subprocess.Popen(["dcmqrscp", "-c", str(config)], env=DCMTK_ENV, cwd=root,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("dcmqrscp did not start")

    @property
    def peer(self) -> str:
        return f"QRSCP@127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Dcmqrscp, PacsProcess, dict[str, Path]]]:
    root = tmp_path_factory.mktemp("qrscp")
    pacs = start_pacs(root / "pacs-data")
    qrscp = Dcmqrscp(root, pacs.dimse_port)
    files = {str(dcmread(p, stop_before_pixels=True).SOPInstanceUID): p for p in sorted(SHARED_CT.glob("*.dcm"))}
    try:
        stored = pypacs_cli("store", qrscp.peer, str(SHARED_CT))
        assert stored.returncode == 0, stored.stderr
        yield qrscp, pacs, files
    finally:
        qrscp.process.terminate()
        qrscp.process.wait()
        stop_pacs(pacs)


def study_of(files: dict[str, Path]) -> str:
    return str(dcmread(next(iter(files.values())), stop_before_pixels=True).StudyInstanceUID)


def test_echo(archives):
    qrscp, _pacs, _files = archives
    result = pypacs_cli("echo", qrscp.peer)
    assert result.returncode == 0 and "success" in result.stdout


def test_find_at_study_and_image_level(archives):
    qrscp, _pacs, files = archives
    study = study_of(files)
    studies = pypacs_cli("find", qrscp.peer, "--json")
    assert studies.returncode == 0, studies.stderr
    assert [item["0020000D"]["Value"][0] for item in json.loads(studies.stdout)] == [study]
    images = pypacs_cli("find", qrscp.peer, "--level", "IMAGE", "-k", f"StudyInstanceUID={study}", "--json")
    assert images.returncode == 0, images.stderr
    assert sorted(item["00080018"]["Value"][0] for item in json.loads(images.stdout)) == sorted(files)


def test_get_into_a_folder(archives, tmp_path: Path):
    qrscp, _pacs, files = archives
    result = pypacs_cli("get", qrscp.peer, "--study", study_of(files), "--out", str(tmp_path / "got"))
    assert result.returncode == 0, result.stderr
    received = {str(ds.SOPInstanceUID): ds for ds in map(dcmread, (tmp_path / "got").iterdir())}
    assert sorted(received) == sorted(files)
    for uid, path in files.items():
        assert received[uid].PixelData == dcmread(path).PixelData


def test_move_into_a_running_pypacs(archives):
    qrscp, pacs, files = archives
    result = pypacs_cli("move", qrscp.peer, "--to", "PYPACS", "--study", study_of(files))
    assert result.returncode == 0, result.stderr
    assert f"{len(files)} completed" in result.stdout
    found = pypacs_cli("find", f"PYPACS@127.0.0.1:{pacs.dimse_port}", "--level", "IMAGE",
                       "-k", f"StudyInstanceUID={study_of(files)}", "--json")  # fmt: skip
    assert sorted(item["00080018"]["Value"][0] for item in json.loads(found.stdout)) == sorted(files)


def test_a_wrong_called_ae_title_is_a_clear_failure(archives):
    qrscp, _pacs, _files = archives
    result = pypacs_cli("find", f"WRONG@127.0.0.1:{qrscp.port}")
    assert result.returncode != 0
    assert "rejected the association" in result.stderr
