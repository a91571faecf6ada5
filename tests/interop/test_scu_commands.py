"""`pypacs echo`, `pypacs store` and `pypacs find` against DCMTK's storescp and a real `pypacs serve`."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from pydicom import dcmread

from tests.conftest import SHARED_CT, make_dataset
from tests.interop.conftest import DCMTK_ENV, PacsProcess, free_port, pypacs_cli

pytestmark = pytest.mark.interop


@pytest.fixture
def storescp(tmp_path: Path):  # type: ignore[no-untyped-def]
    folder = tmp_path / "received"
    folder.mkdir()
    port = free_port()
    process = subprocess.Popen(["storescp", "-aet", "STORESCP", "-od", str(folder), str(port)], env=DCMTK_ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    time.sleep(0.3)
    yield f"STORESCP@127.0.0.1:{port}", folder
    process.terminate()
    process.wait()


def test_echo_reports_the_round_trip(storescp):
    peer, _folder = storescp
    result = pypacs_cli("echo", peer, "--count", "2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(f"C-ECHO {peer}: success in") == 2


def test_echo_to_nobody_fails_with_a_clear_message():
    result = pypacs_cli("echo", f"NOBODY@127.0.0.1:{free_port()}")
    assert result.returncode == 1
    assert "cannot associate with NOBODY@127.0.0.1" in result.stderr


@pytest.mark.parametrize("peer", ["no-at-sign", "A@host", "THIS_AE_TITLE_IS_LONG@h:104", "UNREGISTERED"])
def test_unusable_peers_are_usage_errors(peer: str):
    result = pypacs_cli("echo", peer)
    assert result.returncode == 2
    assert result.stderr.startswith("pypacs: ")


@pytest.mark.skipif(not SHARED_CT.exists(), reason="shared CT not present")
def test_store_sends_a_folder_over_one_association_and_names_what_failed(storescp, tmp_path: Path):
    peer, folder = storescp
    incoming = tmp_path / "outgoing"
    incoming.mkdir()
    for path in sorted(SHARED_CT.glob("*.dcm"))[:10]:
        (incoming / path.name).write_bytes(path.read_bytes())
    (incoming / "notes.txt").write_text("not DICOM")
    result = pypacs_cli("store", peer, str(incoming))
    assert result.returncode == 1
    assert "notes.txt: not sent: not a readable DICOM file" in result.stderr
    assert "sent 10 of 11 file(s)" in result.stdout
    sent = {dcmread(p).SOPInstanceUID for p in incoming.glob("*.dcm")}
    assert {dcmread(p).SOPInstanceUID for p in folder.iterdir()} == sent


def test_find_queries_another_node_with_friendly_flags_and_keys(pacs: PacsProcess, tmp_path: Path):
    outgoing = tmp_path / "objects"
    outgoing.mkdir()
    for number, (name, modality) in enumerate([("Doe^John", "CT"), ("Doe^Jane", "MR"), ("Roe^Rick", "CT")]):
        make_dataset(PatientName=name, PatientID=f"Q{number}", Modality=modality).save_as(
            outgoing / f"{number}.dcm", enforce_file_format=True
        )
    peer = f"PYPACS@127.0.0.1:{pacs.dimse_port}"
    assert pypacs_cli("store", peer, str(outgoing)).returncode == 0
    result = pypacs_cli("find", peer, "--patient-name", "doe*", "--modality", "CT", "--json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert [item["00100020"]["Value"] for item in found] == [["Q0"]]
    table = pypacs_cli("find", peer, "--level", "SERIES", "-k", "PatientID=Q1", "-k", "Modality=")
    assert table.returncode == 0 and "MR" in table.stdout
    bad = pypacs_cli("find", peer, "-k", "StudyDate=2024-99")
    assert bad.returncode == 1 and "StudyDate" in bad.stderr
    unknown = pypacs_cli("find", peer, "-k", "NoSuchKeyword=1")
    assert unknown.returncode == 2 and "not a DICOM keyword" in unknown.stderr


@pytest.mark.skipif(not SHARED_CT.exists(), reason="shared CT not present")
def test_move_and_get_fetch_a_study_from_another_node(storescp, tmp_path: Path):
    from tests.interop.conftest import start_pacs, stop_pacs

    destination, received = storescp
    title, _, address = destination.partition("@")
    host, _, port = address.partition(":")
    config = tmp_path / "source.toml"
    config.write_text(f'[[remote_aes]]\ntitle = "{title}"\nhost = "{host}"\nport = {port}\n')
    source_data = tmp_path / "source"
    assert pypacs_cli("import", str(SHARED_CT), "--data-dir", str(source_data)).returncode == 0
    study = str(dcmread(next(SHARED_CT.glob("*.dcm"))).StudyInstanceUID)
    originals = {dcmread(p).SOPInstanceUID for p in SHARED_CT.glob("*.dcm")}
    source = start_pacs(source_data, "--config", str(config))
    try:
        peer = f"PYPACS@127.0.0.1:{source.dimse_port}"
        moved = pypacs_cli("move", peer, "--to", title, "--study", study)
        assert moved.returncode == 0, moved.stderr
        assert "28 completed, 0 failed" in moved.stdout
        assert {dcmread(p).SOPInstanceUID for p in received.iterdir()} == originals
        unknown = pypacs_cli("move", peer, "--to", "NOBODY", "--study", study)
        assert unknown.returncode == 1 and "0xA801" in unknown.stderr

        folder = tmp_path / "fetched"
        fetched = pypacs_cli("get", peer, "--study", study, "--out", str(folder))
        assert fetched.returncode == 0, fetched.stderr
        assert {p.stem for p in folder.glob("*.dcm")} == originals
        local = tmp_path / "local"
        into = pypacs_cli("get", peer, "--study", study, "--into-archive", "--data-dir", str(local))
        assert into.returncode == 0, into.stderr
        listing = json.loads(pypacs_cli("ls", "series", "--json", "--data-dir", str(local)).stdout)
        assert [row["NumberOfSeriesRelatedInstances"] for row in listing] == ["28"]
        neither = pypacs_cli("get", peer, "--study", study)
        assert neither.returncode == 2 and "exactly one of --out" in neither.stderr
    finally:
        stop_pacs(source)
