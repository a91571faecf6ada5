"""Benchmark: C-FIND at STUDY level over the network against an index of 100,000 studies.

A pynetdicom SCU (one association, Study Root) asks `pypacs serve` for a PatientName wildcard, a one-month
StudyDate range and ModalitiesInStudy, with the usual study-level return keys; prints matches, median and p95
ms for the whole C-FIND (request to final response). Also DCMTK findscu wall time, process start included.

    .venv/bin/python bench/find.py [--studies 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from dicomweb import start_server  # type: ignore[import-not-found]
from pydicom.dataset import Dataset
from pynetdicom import AE
from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind  # type: ignore[attr-defined]
from query import populate  # type: ignore[import-not-found]

from pypacs.archive.service import Archive
from pypacs.config import Settings

RETURN_KEYS = ["PatientName", "PatientID", "StudyDate", "StudyDescription", "AccessionNumber", "ModalitiesInStudy",
               "NumberOfStudyRelatedInstances", "StudyInstanceUID"]  # fmt: skip
QUERIES = {
    "PatientName=SMITH*": ("PatientName", "SMITH*"),
    "StudyDate=20200101-20200131": ("StudyDate", "20200101-20200131"),
    "ModalitiesInStudy=MG": ("ModalitiesInStudy", "MG"),
}


def identifier(keyword: str, value: str) -> Dataset:
    ds = Dataset()
    ds.QueryRetrieveLevel = "STUDY"
    for key in RETURN_KEYS:
        setattr(ds, key, "")
    setattr(ds, keyword, value)
    return ds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--studies", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pypacs-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        settings = Settings(data_dir=data_dir, database_url=args.database_url)
        started = time.perf_counter()
        with Archive.open(settings) as archive:
            populate(archive, args.studies, 1)
        print(f"{args.studies} studies indexed in {time.perf_counter() - started:.0f} s "
              f"({settings.database_url.split(':')[0]}); C-FIND, Study Root, STUDY level, target < 50 ms")  # fmt: skip
        server, _url, dimse_port = start_server(data_dir, args.database_url)
        try:
            ae = AE(ae_title="BENCH")
            ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind)
            assoc = ae.associate("127.0.0.1", dimse_port, ae_title="PYPACS")
            for name, (keyword, value) in QUERIES.items():
                request = identifier(keyword, value)
                times, matches = [], 0
                for attempt in range(args.repeat + 2):
                    begun = time.perf_counter()
                    responses = list(assoc.send_c_find(request, StudyRootQueryRetrieveInformationModelFind))
                    if attempt >= 2:
                        times.append((time.perf_counter() - begun) * 1000)
                    matches = sum(1 for status, _ in responses if status.Status == 0xFF00)
                times.sort()
                print(f"  {name:<32} {matches:6d} matches   median {statistics.median(times):7.1f} ms   "
                      f"p95 {times[int(len(times) * 0.95) - 1]:7.1f} ms")  # fmt: skip
            assoc.release()
            if shutil.which("findscu"):
                findscu(dimse_port)
        finally:
            server.terminate()
            server.wait(timeout=30)


def findscu(port: int) -> None:
    command = ["findscu", "-S", "-aec", "PYPACS", "-k", "QueryRetrieveLevel=STUDY", "-k", "PatientName=SMITH*",
               "-k", "StudyInstanceUID=", "127.0.0.1", str(port)]  # fmt: skip
    env = {**os.environ, "TCP_NODELAY": "1"}
    times = []
    for _ in range(5):
        begun = time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, check=True)
        times.append((time.perf_counter() - begun) * 1000)
    print(f"  DCMTK findscu PatientName=SMITH* (process start included)   median {statistics.median(times):7.1f} ms")


if __name__ == "__main__":
    main()
