"""20 storescu processes storing at once into one `pypacs serve`: all succeed, every object stored once."""

from __future__ import annotations

import io
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset
from pynetdicom import AE
from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind  # type: ignore[attr-defined]

from pypacs.archive.service import Archive
from pypacs.config import Settings
from tests.conftest import make_dataset
from tests.interop.conftest import DCMTK_ENV, PacsProcess, stop_pacs

pytestmark = pytest.mark.interop

CLIENTS, PER_CLIENT = 20, 10


def stored_sop_instance_uids(pacs: PacsProcess) -> Counter[str]:
    """What a C-FIND at IMAGE level answers for the patients of this test, counted by SOP Instance UID."""
    ae = AE(ae_title="CHECKER")
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind)
    assoc = ae.associate("127.0.0.1", pacs.dimse_port, ae_title="PYPACS")
    assert assoc.is_established
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "IMAGE"
    identifier.PatientID = "CONC*"
    identifier.SOPInstanceUID = ""
    found, statuses = Counter(), []
    for status, result in assoc.send_c_find(identifier, StudyRootQueryRetrieveInformationModelFind):
        statuses.append(status.Status)
        if result is not None:
            found[str(result.SOPInstanceUID)] += 1
    assoc.release()
    assert statuses[-1] == 0x0000 and set(statuses[:-1]) <= {0xFF00}
    return found


def test_twenty_concurrent_storescu_associations_lose_nothing(pacs: PacsProcess, tmp_path: Path):
    expected = set()
    folders = []
    for client in range(CLIENTS):
        folder = tmp_path / f"client{client}"
        folder.mkdir()
        study = f"1.2.826.0.1.4242.{client}"
        for number in range(PER_CLIENT):
            ds = make_dataset(PatientID=f"CONC{client}", StudyInstanceUID=study, SeriesInstanceUID=f"{study}.1",
                              SOPInstanceUID=f"{study}.1.{number}", InstanceNumber=number + 1)  # fmt: skip
            ds.save_as(folder / f"{number}.dcm", enforce_file_format=True)
            expected.add(str(ds.SOPInstanceUID))
        folders.append(folder)
    started = time.monotonic()
    processes = [
        subprocess.Popen(["storescu", "-aet", f"MOD{n}", "-aec", "PYPACS", "+sd", "127.0.0.1", str(pacs.dimse_port),
                          str(folder)], env=DCMTK_ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for n, folder in enumerate(folders)
    ]  # fmt: skip
    outputs = [process.communicate(timeout=60)[0] for process in processes]
    elapsed = time.monotonic() - started
    assert [process.returncode for process in processes] == [0] * CLIENTS, "\n".join(outputs)
    assert elapsed < 30, elapsed
    assert stored_sop_instance_uids(pacs) == Counter(expected)  # every object, each exactly once
    assert stop_pacs(pacs) == 0
    log = pacs.log()
    assert "Traceback" not in log, log[-3000:]
    assert log.count("C-STORE refused") == 0 and log.count("failed unexpectedly") == 0
    with Archive.open(Settings(data_dir=pacs.data_dir)) as archive:
        counts = archive.counts()
        # and durably so: the index after shutdown holds each once, with its blob
        assert (counts.patients, counts.studies, counts.series) == (CLIENTS, CLIENTS, CLIENTS)
        assert counts.instances == len(expected)
        for uid in expected:
            assert dcmread(io.BytesIO(archive.read_instance(uid))).SOPInstanceUID == uid
    assert len(list((pacs.data_dir / "blobs").rglob("*.dcm"))) == len(expected)  # one file each, no strays
