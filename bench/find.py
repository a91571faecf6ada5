"""Benchmark: C-FIND at STUDY level over the network against an index of 100,000 studies.

Asks `pypacs serve` for a PatientName wildcard, a one-month StudyDate range and ModalitiesInStudy, with the usual
study-level return keys, on one association (Study Root); prints matches, median and p95 ms from request to final
response, as seen by:
- a lean C-FIND SCU (a raw socket walking the responses as they come, under 1 µs each): the server's own time;
- a pynetdicom SCU, which spends ~0.25 ms on each response itself;
- DCMTK findscu, process start included.

    .venv/bin/python bench/find.py [--studies 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import struct
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from dicomweb import start_server  # type: ignore[import-not-found]
from pydicom.dataset import Dataset
from pynetdicom import AE
from pynetdicom.dsutils import encode
from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind  # type: ignore[attr-defined]
from query import populate  # type: ignore[import-not-found]

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.dimse import pdata
from pypacs.dimse.store_association import associate_rq, parse_associate_ac

RETURN_KEYS = ["PatientName", "PatientID", "StudyDate", "StudyDescription", "AccessionNumber", "ModalitiesInStudy",
               "NumberOfStudyRelatedInstances", "StudyInstanceUID"]  # fmt: skip
QUERIES = {
    "PatientName=SMITH*": ("PatientName", "SMITH*"),
    "StudyDate=20200101-20200131": ("StudyDate", "20200101-20200131"),
    "ModalitiesInStudy=MG": ("ModalitiesInStudy", "MG"),
}
FIND = str(StudyRootQueryRetrieveInformationModelFind)
EXPLICIT = "1.2.840.10008.1.2.1"


def identifier(keyword: str, value: str) -> Dataset:
    ds = Dataset()
    ds.QueryRetrieveLevel = "STUDY"
    for key in RETURN_KEYS:
        setattr(ds, key, "")
    setattr(ds, keyword, value)
    return ds


class LeanFindSCU:
    """One association; `find` sends a C-FIND and counts the pending responses until the final one."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(associate_rq("BENCH", "PYPACS", [(FIND, [EXPLICIT])], 0))
        pdu_type, body = self._pdu()
        accepted, self.max_pdu = parse_associate_ac(body, [(FIND, [EXPLICIT])])
        assert pdu_type == 0x02 and accepted, "association refused"
        self.buffer = bytearray()

    def _read(self, count: int) -> bytes:
        while len(self.buffer) < count:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        data = bytes(self.buffer[:count])
        del self.buffer[:count]
        return data

    def _pdu(self) -> tuple[int, bytes]:
        if not hasattr(self, "buffer"):
            self.buffer = bytearray()
        pdu_type, length = struct.unpack(">BxL", self._read(6))
        return pdu_type, self._read(length)

    def find(self, query: Dataset, message_id: int) -> int:
        """The number of pending responses; PDUs are walked in place, and a pending command equal to the last one
        is counted without decoding it (this client costs ~1.5 µs per result, less than the server)."""
        command = pdata.command_set(AffectedSOPClassUID=FIND, CommandField=0x0020, MessageID=message_id, Priority=0,
                                    CommandDataSetType=pdata.DATA_SET_PRESENT)  # fmt: skip
        self.sock.sendall(pdata.message_bytes(1, command, encode(query, False, True), self.max_pdu))
        pending, command_bytes, known_pending = 0, b"", b""
        data, offset = bytes(self.buffer), 0
        while True:
            while offset + 6 <= len(data):
                pdu_type, length = struct.unpack_from(">BxL", data, offset)
                end = offset + 6 + length
                if end > len(data):
                    break
                assert pdu_type == 0x04, pdu_type
                position = offset + 6
                while position < end:
                    pdv_length, control = struct.unpack_from(">L", data, position)[0], data[position + 5]
                    if control & 0x01:
                        fragment = data[position + 6 : position + 4 + pdv_length]
                        if not control & 0x02:
                            command_bytes += fragment
                        elif not command_bytes and fragment == known_pending:
                            pending += 1
                        else:
                            whole, command_bytes = command_bytes + fragment, b""
                            status = pdata.us_value(pdata.read_command(whole), 0x00000900)
                            if status != 0xFF00:
                                assert status == 0x0000, hex(status or 0)
                                self.buffer = bytearray(data[end:])
                                return pending
                            known_pending = whole
                            pending += 1
                    position += 4 + pdv_length
                offset = end
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("closed")
            data, offset = data[offset:] + chunk, 0

    def close(self) -> None:
        self.sock.sendall(struct.pack(">BxLL", 0x05, 4, 0))
        self._pdu()
        self.sock.close()


def timed(run: Callable[[], int], repeat: int) -> tuple[int, list[float]]:
    times, matches = [], 0
    for attempt in range(repeat + 2):
        begun = time.perf_counter()
        matches = run()
        if attempt >= 2:
            times.append((time.perf_counter() - begun) * 1000)
    return matches, sorted(times)


def report(client: str, name: str, matches: int, times: list[float]) -> None:
    print(f"  {client:<10} {name:<30} {matches:6d} matches   median {statistics.median(times):7.1f} ms   "
          f"p95 {times[int(len(times) * 0.95) - 1]:7.1f} ms")  # fmt: skip


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
            lean = LeanFindSCU(dimse_port)
            for number, (name, (keyword, value)) in enumerate(QUERIES.items()):
                query = identifier(keyword, value)
                report("lean SCU", name, *timed(lambda q=query, n=number: lean.find(q, n + 1), args.repeat))
            lean.close()
            ae = AE(ae_title="BENCH")
            ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind)
            assoc = ae.associate("127.0.0.1", dimse_port, ae_title="PYPACS")
            for name, (keyword, value) in QUERIES.items():
                query = identifier(keyword, value)

                def pynetdicom_find(q: Dataset = query) -> int:
                    responses = list(assoc.send_c_find(q, StudyRootQueryRetrieveInformationModelFind))
                    return sum(1 for status, _ in responses if status.Status == 0xFF00)

                report("pynetdicom", name, *timed(pynetdicom_find, max(3, args.repeat // 3)))
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
