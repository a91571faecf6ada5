"""20 storescu processes storing at once into one `pypacs serve`: all succeed, every object stored once."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from pydicom import dcmread

from pypacs.archive.service import Archive
from pypacs.config import Settings
from tests.conftest import make_dataset
from tests.interop.conftest import DCMTK_ENV, PacsProcess, stop_pacs

pytestmark = pytest.mark.interop

CLIENTS, PER_CLIENT = 20, 10


def test_twenty_concurrent_storescu_associations_lose_nothing(pacs: PacsProcess, tmp_path: Path):
    expected = set()
    folders = []
    for client in range(CLIENTS):
        folder = tmp_path / f"client{client}"
        folder.mkdir()
        study = f"1.2.826.0.1.4242.{client}"
        for number in range(PER_CLIENT):
            ds = make_dataset(PatientID=f"CONC{client}", StudyInstanceUID=study, SeriesInstanceUID=f"{study}.1",
                              SOPInstanceUID=f"{study}.1.{number}")  # fmt: skip
            ds.save_as(folder / f"{number}.dcm", enforce_file_format=True)
            expected.add(str(ds.SOPInstanceUID))
        folders.append(folder)
    processes = [
        subprocess.Popen(["storescu", "-aet", f"MOD{n}", "-aec", "PYPACS", "+sd", "127.0.0.1", str(pacs.dimse_port),
                          str(folder)], env=DCMTK_ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for n, folder in enumerate(folders)
    ]  # fmt: skip
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [process.returncode for process in processes] == [0] * CLIENTS, "\n".join(outputs)
    assert stop_pacs(pacs) == 0
    with Archive.open(Settings(data_dir=pacs.data_dir)) as archive:
        assert archive.counts().instances == len(expected)  # each once: no duplicate rows
        for uid in expected:
            assert dcmread(io.BytesIO(archive.read_instance(uid))).SOPInstanceUID == uid
    assert "Traceback" not in pacs.log()
