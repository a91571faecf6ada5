"""DCMTK movescu (to a DCMTK storescp) and getscu against a real `pypacs serve`."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydicom import dcmread

from tests.conftest import SHARED_CT
from tests.interop.conftest import DCMTK_ENV, PacsProcess, free_port, pypacs_cli, run_dcmtk, start_pacs, stop_pacs

pytestmark = [pytest.mark.interop, pytest.mark.skipif(not SHARED_CT.exists(), reason="shared CT not present")]


class Storescp:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        command = ["storescp", "-aet", "DEST", "-od", str(folder), str(self.port)]
        self.process = subprocess.Popen(command, env=DCMTK_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)

    def received(self) -> dict[str, bytes]:
        return {str(ds.SOPInstanceUID): ds.PixelData for ds in map(dcmread, sorted(self.folder.iterdir()))}

    def clear(self) -> None:
        for path in self.folder.iterdir():
            path.unlink()


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PacsProcess, Storescp, dict[str, bytes], str]]:
    root = tmp_path_factory.mktemp("retrieve")
    (root / "dest").mkdir()
    destination = Storescp(root / "dest")
    config = root / "pypacs.toml"
    # pending_interval = 0: a pending response after every sub-operation (by default, every 0.1 s)
    config.write_text(f'pending_interval = 0\n[[remote_aes]]\ntitle = "DEST"\nhost = "127.0.0.1"\n'
                      f'port = {destination.port}\n')  # fmt: skip
    assert pypacs_cli("import", str(SHARED_CT), "--data-dir", str(root / "data")).returncode == 0
    originals = {str(ds.SOPInstanceUID): ds.PixelData for ds in map(dcmread, sorted(SHARED_CT.glob("*.dcm")))}
    study = str(dcmread(next(SHARED_CT.glob("*.dcm"))).StudyInstanceUID)
    pacs = start_pacs(root / "data", "--config", str(config))
    try:
        yield pacs, destination, originals, study
    finally:
        stop_pacs(pacs)
        destination.process.terminate()


def movescu(pacs: PacsProcess, destination: str, *keys: str) -> str:
    arguments = ["movescu", "-v", "-S", "-aec", "PYPACS", "-aem", destination]
    for key in keys:
        arguments += ["-k", key]
    return run_dcmtk(*arguments, "127.0.0.1", str(pacs.dimse_port)).stderr


def test_c_move_of_a_study_delivers_every_instance_unchanged(setup):
    pacs, destination, originals, study = setup
    destination.clear()
    log = movescu(pacs, "DEST", "QueryRetrieveLevel=STUDY", f"StudyInstanceUID={study}")
    assert "Received Final Move Response (Success)" in log, log[-600:]
    # a pending response after each sub-operation but the last, which the final response follows at once
    assert "Received Move Response 27 (Pending)" in log and "Response 28 (Pending)" not in log
    assert destination.received() == originals


def test_c_move_at_series_and_image_level(setup):
    pacs, destination, originals, study = setup
    one = sorted(originals)[3]
    first = dcmread(next(p for p in SHARED_CT.glob("*.dcm") if dcmread(p).SOPInstanceUID == one))
    destination.clear()
    log = movescu(pacs, "DEST", "QueryRetrieveLevel=IMAGE", f"StudyInstanceUID={study}",
                  f"SeriesInstanceUID={first.SeriesInstanceUID}", f"SOPInstanceUID={one}")  # fmt: skip
    assert "Received Final Move Response (Success)" in log
    assert list(destination.received()) == [one]
    destination.clear()
    log = movescu(pacs, "DEST", "QueryRetrieveLevel=SERIES", f"StudyInstanceUID={study}",
                  f"SeriesInstanceUID={first.SeriesInstanceUID}")  # fmt: skip
    assert len(destination.received()) == 28


def test_c_move_to_an_unknown_destination_is_refused_with_a801(setup):
    pacs, _destination, _originals, study = setup
    log = movescu(pacs, "NOBODY", "QueryRetrieveLevel=STUDY", f"StudyInstanceUID={study}")
    assert "Refused: MoveDestinationUnknown" in log


def test_c_move_without_the_levels_unique_key_is_refused(setup):
    pacs, destination, _originals, _study = setup
    destination.clear()
    log = movescu(pacs, "DEST", "QueryRetrieveLevel=STUDY", "PatientID=*")
    assert "Move Response" in log and "Success" not in log.split("Final Move Response")[-1]
    assert destination.received() == {}


def test_c_get_of_a_study_into_a_folder(setup, tmp_path: Path):
    pacs, _destination, originals, study = setup
    result = run_dcmtk("getscu", "-v", "-S", "-aec", "PYPACS", "-od", str(tmp_path), "-k", "QueryRetrieveLevel=STUDY",
                       "-k", f"StudyInstanceUID={study}", "127.0.0.1", str(pacs.dimse_port))  # fmt: skip
    assert result.returncode == 0, result.stderr[-600:]
    received = {str(ds.SOPInstanceUID): ds.PixelData for ds in map(dcmread, sorted(tmp_path.iterdir()))}
    assert received == originals
