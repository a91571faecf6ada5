"""Association policy seen from DCMTK tools against `pypacs serve` with several DIMSE processes: unknown
callers refused, `pypacs ae add` taking effect in every process without a restart, per-peer permissions."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import make_dataset
from tests.interop.conftest import PacsProcess, pypacs_cli, run_dcmtk, start_pacs, stop_pacs

pytestmark = pytest.mark.interop


@pytest.fixture
def guarded_pacs(tmp_path: Path, dcmtk: None) -> Iterator[PacsProcess]:
    config = tmp_path / "pypacs.toml"
    config.write_text("known_callers_only = true\n")
    running = start_pacs(tmp_path / "data", "--config", str(config), "--dimse-processes", "2")
    try:
        yield running
    finally:
        stop_pacs(running)


def echoscu(pacs: PacsProcess, calling: str) -> str:
    result = run_dcmtk("echoscu", "-v", "-aet", calling, "-aec", "PYPACS", "127.0.0.1", str(pacs.dimse_port))
    return result.stderr if result.returncode else "success"


def test_an_unknown_caller_is_refused_until_added_while_the_server_runs(guarded_pacs: PacsProcess):
    assert "Calling AE Title Not Recognized" in echoscu(guarded_pacs, "NEWMOD")
    added = pypacs_cli("ae", "add", "NEWMOD", "127.0.0.1", "104", "--data-dir", str(guarded_pacs.data_dir))
    assert added.returncode == 0, added.stderr
    time.sleep(1.2)
    # several associations, so that every DIMSE process (the kernel spreads connections) answers at least once
    assert [echoscu(guarded_pacs, "NEWMOD") for _ in range(6)] == ["success"] * 6
    log = " ".join(guarded_pacs.log().split())  # the console log wraps long lines
    assert "(127.0.0.1) refused: calling AE title 'NEWMOD' is not a registered peer" in log


def test_a_peer_without_store_permission_gets_not_authorized_but_may_query(guarded_pacs: PacsProcess, tmp_path: Path):
    data = ["--data-dir", str(guarded_pacs.data_dir)]
    assert pypacs_cli("ae", "add", "VIEWER", "127.0.0.1", "104", "--no-store", *data).returncode == 0
    time.sleep(1.2)
    image = tmp_path / "image.dcm"
    make_dataset(PatientID="PERM1").save_as(image, enforce_file_format=True)
    stored = run_dcmtk("storescu", "-v", "-aet", "VIEWER", "-aec", "PYPACS", "127.0.0.1",
                       str(guarded_pacs.dimse_port), str(image))  # fmt: skip
    assert "Received Store Response (Unknown Status: 0x124)" in stored.stderr, stored.stderr  # DCMTK has no name for it
    found = run_dcmtk("findscu", "-v", "-S", "-aet", "VIEWER", "-aec", "PYPACS", "-k", "QueryRetrieveLevel=STUDY",
                      "-k", "PatientID=PERM1", "127.0.0.1", str(guarded_pacs.dimse_port))  # fmt: skip
    assert found.returncode == 0, found.stderr
    assert "Received Final Find Response (Success)" in found.stderr
    assert "Find Response: 1 (Pending)" not in found.stderr  # nothing was stored
