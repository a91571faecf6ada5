"""DCMTK's echoscu and storescu against a real `pypacs serve`: what a new user does after `make run`."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections import defaultdict
from pathlib import Path

import data_store
import pytest
from pydicom import dcmread
from pydicom.errors import InvalidDicomError

from pypacs.archive.service import Archive
from pypacs.config import Settings
from tests.conftest import SHARED_CT, make_dataset
from tests.interop.conftest import PacsProcess, pypacs_cli, run_dcmtk, start_pacs, stop_pacs

pytestmark = pytest.mark.interop

import pydicom  # noqa: E402

# The files of the pydicom-data package, and the ones pydicom itself ships for its tests.
PYDICOM_DATA = [Path(data_store.__file__).parent / "data", Path(pydicom.__file__).parent / "data" / "test_files"]

# The storescu option that proposes each transfer syntax (besides the uncompressed ones it always proposes).
PROPOSE_FLAG = {
    "1.2.840.10008.1.2": "-xi",
    "1.2.840.10008.1.2.1": "-xe",
    "1.2.840.10008.1.2.2": "-xb",
    "1.2.840.10008.1.2.4.50": "-xy",
    "1.2.840.10008.1.2.4.51": "-xx",
    "1.2.840.10008.1.2.4.57": "-xs",
    "1.2.840.10008.1.2.4.70": "-xs",
    "1.2.840.10008.1.2.4.80": "-xt",
    "1.2.840.10008.1.2.4.81": "-xu",
    "1.2.840.10008.1.2.4.90": "-xv",
    "1.2.840.10008.1.2.4.91": "-xw",
    "1.2.840.10008.1.2.5": "-xr",
    "1.2.840.10008.1.2.1.99": "-xd",
}


def stored_instances(pacs: PacsProcess) -> list[dict]:
    result = pypacs_cli("ls", "series", "--json", "--data-dir", str(pacs.data_dir))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_echoscu_gets_a_success_response(pacs: PacsProcess):
    result = run_dcmtk("echoscu", "-v", "-aec", "PYPACS", "127.0.0.1", str(pacs.dimse_port))
    assert result.returncode == 0, result.stderr
    assert "Received Echo Response (Success)" in result.stderr


def test_echoscu_to_a_wrong_called_ae_title_is_rejected(pacs: PacsProcess):
    result = run_dcmtk("echoscu", "-aec", "SOMEONEELSE", "127.0.0.1", str(pacs.dimse_port))
    assert result.returncode != 0
    assert "Called AE Title Not Recognized" in result.stderr


@pytest.mark.skipif(not SHARED_CT.exists(), reason="shared CT series not present")
def test_storescu_of_the_shared_ct_folder_stores_all_28_slices(pacs: PacsProcess):
    result = run_dcmtk("storescu", "-aec", "PYPACS", "+sd", "+r", "127.0.0.1", str(pacs.dimse_port), str(SHARED_CT))
    assert result.returncode == 0, result.stderr
    [series] = stored_instances(pacs)
    assert series["NumberOfSeriesRelatedInstances"] == "28"
    listing = pypacs_cli("ls", "--data-dir", str(pacs.data_dir))
    assert "28" in listing.stdout and "CT" in listing.stdout
    with Archive.open(Settings(data_dir=pacs.data_dir)) as archive:
        for path in sorted(SHARED_CT.glob("*.dcm")):
            original = dcmread(path)
            stored = dcmread(archive.open_instance(original.SOPInstanceUID))
            assert stored.PixelData == original.PixelData
            assert stored.file_meta.TransferSyntaxUID == original.file_meta.TransferSyntaxUID


def test_storescu_of_pydicom_data_stores_every_transfer_syntax_as_received(pacs: PacsProcess):
    candidates: dict[str, list[tuple[str, Path]]] = defaultdict(list)
    for path in sorted(p for folder in PYDICOM_DATA for p in folder.glob("*.dcm")):
        try:
            ds = dcmread(path, stop_before_pixels=True)
        except InvalidDicomError:
            continue
        if all(ds.get(k) for k in ("SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID")):
            candidates[str(ds.file_meta.TransferSyntaxUID)].append((str(ds.SOPInstanceUID), path))
    # Some files hold the same instance in several encodings: send each instance once, in its rarest encoding.
    by_syntax: dict[str, list[Path]] = defaultdict(list)
    chosen: set[str] = set()
    for syntax in sorted(candidates, key=lambda ts: len(candidates[ts])):
        for uid, path in candidates[syntax]:
            if uid not in chosen:
                chosen.add(uid)
                by_syntax[syntax].append(path)
    assert len(by_syntax) >= 8  # uncompressed, big endian, JPEG, JPEG-LS, JPEG 2000, RLE ...
    sent: list[Path] = []
    for syntax, paths in by_syntax.items():
        flag = PROPOSE_FLAG.get(syntax, "-x=")
        result = run_dcmtk(
            "storescu", "-v", "-nh", "-R", flag, "-aec", "PYPACS", "127.0.0.1", str(pacs.dimse_port), *map(str, paths)
        )
        succeeded = _acknowledged_files(result.stderr)
        sent.extend(Path(p) for p in succeeded)
    assert len(sent) >= 0.9 * sum(len(paths) for paths in by_syntax.values()), "storescu could send most files"
    with Archive.open(Settings(data_dir=pacs.data_dir)) as archive:
        for path in sent:
            original = dcmread(path)
            stored = dcmread(archive.open_instance(original.SOPInstanceUID))
            assert stored.file_meta.TransferSyntaxUID == original.file_meta.TransferSyntaxUID, path.name
            assert stored.get("PixelData") == original.get("PixelData"), path.name
        syntaxes = {
            row[0]
            for row in archive.engines.reader.connect().exec_driver_sql(
                "select distinct transfer_syntax_uid from instance"
            )
        }
    assert {"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.5"} <= syntaxes


def _acknowledged_files(storescu_log: str) -> list[str]:
    """The files storescu -v reports a Success store response for."""
    acknowledged, current = [], None
    for line in storescu_log.splitlines():
        sending = re.match(r"I: Sending file: (.+)$", line)
        if sending:
            current = sending.group(1)
        elif "Received Store Response (Success)" in line and current:
            acknowledged.append(current)
            current = None
    return acknowledged


def test_store_of_an_invalid_object_gets_a_failure_status_with_a_reason(pacs: PacsProcess, tmp_path: Path):
    ds = make_dataset()
    del ds.SeriesInstanceUID
    path = tmp_path / "no-series.dcm"
    ds.save_as(path, enforce_file_format=True)
    result = run_dcmtk("storescu", "-d", "-aec", "PYPACS", "127.0.0.1", str(pacs.dimse_port), str(path))
    assert re.search(r"Status\s*:\s*0xc000", result.stderr, re.IGNORECASE), result.stderr[-2000:]
    assert "[missing required attribute(s): SeriesInstanceUID] #" in result.stderr
    assert stored_instances(pacs) == []


def test_kill_9_during_storescu_loses_no_acknowledged_instance_and_leaves_no_orphans(tmp_path: Path, dcmtk: None):
    folder = tmp_path / "incoming"
    folder.mkdir()
    pixels = os.urandom(256 * 256 * 2)
    for number in range(400):
        ds = make_dataset(
            Rows=256,
            Columns=256,
            PixelData=pixels,
            InstanceNumber=number + 1,
            StudyInstanceUID="1.2.826.0.1.77",
            SeriesInstanceUID="1.2.826.0.1.77.1",
        )
        ds.save_as(folder / f"{number:04d}.dcm", enforce_file_format=True)
    data_dir = tmp_path / "data"
    pacs = start_pacs(data_dir)
    log_path = tmp_path / "storescu.log"
    with log_path.open("w") as log:
        import subprocess

        from tests.interop.conftest import DCMTK_ENV

        client = subprocess.Popen(
            ["storescu", "-v", "-aec", "PYPACS", "+sd", "127.0.0.1", str(pacs.dimse_port), str(folder)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=DCMTK_ENV,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and log_path.read_text().count("(Success)") < 60:
            time.sleep(0.02)
        pacs.process.send_signal(signal.SIGKILL)
        pacs.process.wait()
        client.wait(timeout=60)
    assert _port_closes(pacs.dimse_port), "DICOM worker processes must die with the main process"
    acknowledged = _acknowledged_files(log_path.read_text())
    assert 60 <= len(acknowledged) < 400, "the kill must land in the middle of the transfer"

    restarted = start_pacs(data_dir, log_name="restart.log")
    try:
        assert stop_pacs(restarted) == 0
    finally:
        stop_pacs(restarted)
    with Archive.open(Settings(data_dir=data_dir)) as archive:
        for path in acknowledged:
            uid = dcmread(path, stop_before_pixels=True).SOPInstanceUID
            assert dcmread(archive.open_instance(uid)).PixelData == pixels
        counts = archive.counts()
        assert counts.instances >= len(acknowledged)
        assert archive.blobs.count() == counts.instances, "no orphan blob files, no rows without a blob"
        assert list(archive.blobs.staging.iterdir()) == []
        with archive.engines.reader.connect() as connection:
            [(series_count,)] = connection.exec_driver_sql("select num_instances from series").all()
            assert series_count == counts.instances, "counters match the rows"


def _port_closes(port: int, within: float = 10.0) -> bool:
    import socket

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return True
        time.sleep(0.1)
    return False


def test_parallel_storescu_clients_into_several_processes_store_everything_once(tmp_path: Path, dcmtk: None):
    import subprocess

    from tests.interop.conftest import DCMTK_ENV

    folders = []
    for client in range(8):
        folder = tmp_path / f"client{client}"
        folder.mkdir()
        study = f"1.2.826.0.1.66.{client % 3}"  # clients share studies and a patient: concurrent inserts
        for number in range(15):
            ds = make_dataset(
                StudyInstanceUID=study,
                SeriesInstanceUID=f"{study}.{client}",
                PatientID="SHARED",
                InstanceNumber=number + 1,
                Modality="MR" if client % 2 else "CT",
            )
            ds.save_as(folder / f"{number}.dcm", enforce_file_format=True)
        folders.append(folder)
    pacs = start_pacs(tmp_path / "data", "--dimse-processes", "4")
    try:
        env = {**DCMTK_ENV}
        clients = [
            subprocess.Popen(["storescu", "-aec", "PYPACS", "+sd", "127.0.0.1", str(pacs.dimse_port), str(folder)],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for folder in folders
        ]  # fmt: skip
        results = [(client.wait(timeout=120), client.stderr.read().decode()) for client in clients]
        assert all(code == 0 for code, _ in results), results
    finally:
        assert stop_pacs(pacs) == 0
    with Archive.open(Settings(data_dir=pacs.data_dir)) as archive:
        counts = archive.counts()
        assert (counts.patients, counts.studies, counts.series, counts.instances) == (1, 3, 8, 120)
        assert archive.blobs.count() == 120
        with archive.engines.reader.connect() as connection:
            rows = connection.exec_driver_sql(
                "select num_series, num_instances, modalities_in_study from study order by study_instance_uid"
            ).all()
    assert [tuple(row) for row in rows] == [(3, 45, "CT\\MR"), (3, 45, "CT\\MR"), (2, 30, "CT\\MR")]
