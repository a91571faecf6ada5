"""Benchmark: DICOMweb against `pypacs serve` over HTTP on a keep-alive connection.

Measures (median of repeated requests, ms): series metadata of 250 instances; retrieve of a 250-image series
(~131 MB) as multipart DICOM (and GB/s); one frame; a rendered 512x512 CT frame as JPEG with a window;
QIDO /studies on the small archive; and QIDO /studies?PatientName=SMITH* over an index of 100,000 studies.

    .venv/bin/python bench/dicomweb.py [--images 250] [--studies 100000]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from ingest import folder_size, free_port, make_files  # type: ignore[import-not-found]
from query import populate  # type: ignore[import-not-found]

from pypacs.archive.service import Archive
from pypacs.config import Settings


def timed(call: Callable[[], object], repeat: int) -> list[float]:
    call()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def show(name: str, times: list[float], target: str = "") -> None:
    print(f"  {name:<52} median {statistics.median(times):8.1f} ms   min {min(times):7.1f} ms   {target}")


def start_server(data_dir: Path, database_url: str = "") -> tuple[subprocess.Popen[bytes], str, int]:
    """`pypacs serve` on free ports (one DIMSE process); returns it, its HTTP URL and its DICOM port."""
    http_port, dimse_port = free_port(), free_port()
    command = [sys.executable, "-m", "pypacs", "serve", "--data-dir", str(data_dir), "--http-port", str(http_port),
               "--dimse-port", str(dimse_port), "--dimse-processes", "1"]  # fmt: skip
    if database_url:
        command += ["--database-url", database_url]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{http_port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return server, url, dimse_port
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("pypacs serve did not start")


def bench_series(root: Path, images: int) -> None:
    [series_folder] = make_files(root / "series", images, 1)
    size = folder_size([series_folder])
    data_dir = root / "data"
    subprocess.run([sys.executable, "-m", "pypacs", "import", str(series_folder), "--data-dir", str(data_dir)],
                   check=True, capture_output=True)  # fmt: skip
    server, url, _ = start_server(data_dir)
    try:
        with httpx.Client(base_url=f"{url}/dicom-web", timeout=60) as client:
            [study] = client.get("/studies").json()
            study_uid = study["0020000D"]["Value"][0]
            [series] = client.get(f"/studies/{study_uid}/series").json()
            series_uid = series["0020000E"]["Value"][0]
            sop = client.get(f"/studies/{study_uid}/series/{series_uid}/instances?limit=1").json()[0]
            sop_uid = sop["00080018"]["Value"][0]
            instance = f"/studies/{study_uid}/series/{series_uid}/instances/{sop_uid}"
            print(f"{images} CT slices 512x512, {size / 1e6:.0f} MB, one series (Orthanc 1.10 figures for reference)")
            show(f"series metadata ({images} instances)", timed(
                lambda: client.get(f"/studies/{study_uid}/series/{series_uid}/metadata").content, 10),
                 "Orthanc 58 ms")  # fmt: skip
            retrieve = timed(lambda: _drain(client, f"/studies/{study_uid}/series/{series_uid}"), 5)
            show(f"series retrieve, multipart as stored ({size / 1e6:.0f} MB), httpx", retrieve,
                 f"{size / 1e9 / (statistics.median(retrieve) / 1000):.2f} GB/s; Orthanc 43 ms")  # fmt: skip
            if shutil.which("curl"):
                series_url = f"{url}/dicom-web/studies/{study_uid}/series/{series_uid}"
                by_curl = [_curl(series_url) for _ in range(9)]
                show(f"series retrieve, multipart as stored ({size / 1e6:.0f} MB), curl", by_curl,
                     f"{size / 1e9 / (statistics.median(by_curl) / 1000):.2f} GB/s; Orthanc 43 ms")  # fmt: skip
            frame_accept = {"Accept": 'multipart/related; type="application/octet-stream"; transfer-syntax=*'}
            show("one frame, httpx", timed(lambda: client.get(f"{instance}/frames/1", headers=frame_accept).content,
                                           50), "Orthanc ~1 ms")  # fmt: skip
            raw = KeepAliveClient(url)
            frame_path = f"/dicom-web{instance}/frames/1"
            show("one frame, raw keep-alive client", timed(lambda: raw.get(frame_path, frame_accept["Accept"]), 200),
                 "Orthanc ~1 ms")  # fmt: skip
            show("/health, raw keep-alive client (the HTTP floor)", timed(lambda: raw.get("/health"), 200))
            show("rendered JPEG 512x512, window=40,400", timed(
                lambda: client.get(f"{instance}/rendered?window=40,400", headers={"Accept": "image/jpeg"}).content, 50),
                 "target < 20 ms")  # fmt: skip
            show("QIDO /studies (1 study)", timed(lambda: client.get("/studies").content, 50), "Orthanc 4 ms")
    finally:
        server.terminate()
        server.wait(timeout=30)


class KeepAliveClient:
    """A minimal HTTP/1.1 client on one socket: ~20 µs a request of its own, where httpx takes ~0.5 ms, so its
    figures are the server's."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def get(self, path: str, accept: str = "*/*") -> bytes:
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\nAccept: {accept}\r\n\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data:
            data += self.sock.recv(1 << 16)
        head, body = data.split(b"\r\n\r\n", 1)
        fields = dict(line.split(": ", 1) for line in head.decode("latin-1").lower().split("\r\n")[1:])
        assert head.startswith(b"HTTP/1.1 200"), head
        if "content-length" in fields:
            while len(body) < int(fields["content-length"]):
                body += self.sock.recv(1 << 20)
        else:  # chunked
            while not body.endswith(b"0\r\n\r\n"):
                body += self.sock.recv(1 << 20)
        return body


def _curl(url: str) -> float:
    """ms from curl's request to the body's last byte, as curl measures it (its own start-up left out)."""
    accept = 'Accept: multipart/related; type="application/dicom"; transfer-syntax=*'
    result = subprocess.run(["curl", "-sSf", "-o", "/dev/null", "-w", "%{time_total}", "-H", accept, url],
                            check=True, capture_output=True, text=True)  # fmt: skip
    return float(result.stdout) * 1000


def _drain(client: httpx.Client, path: str) -> int:
    total = 0
    headers = {"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=*'}
    with client.stream("GET", path, headers=headers) as response:
        for chunk in response.iter_raw(1 << 20):
            total += len(chunk)
    return total


# The study browser's pages: newest first, by name, deep in the list, a name search in name order.
BROWSER_PAGES = (
    "orderby=-StudyDate,-StudyTime&limit=50",
    "orderby=-StudyDate,-StudyTime&limit=50&offset=50000",
    "orderby=PatientName&limit=50&offset=50000",
    "PatientName=SMITH*&orderby=PatientName&limit=50",
)


def bench_qido_large(root: Path, studies: int) -> None:
    settings = Settings(data_dir=root / "big")
    with Archive.open(settings) as archive:
        populate(archive, studies, 1)
    server, url, _ = start_server(root / "big")
    try:
        with httpx.Client(base_url=f"{url}/dicom-web", timeout=60) as client:
            print(f"{studies} studies")
            for query in ("PatientName=SMITH*&limit=101", "PatientName=SMITH*", "StudyDate=20200101-20200131",
                          "ModalitiesInStudy=MG&limit=101", *BROWSER_PAGES):  # fmt: skip
                hits = len(client.get(f"/studies?{query}").json())
                times = timed(lambda query=query: client.get(f"/studies?{query}").content, 20)  # type: ignore[misc]
                show(f"QIDO /studies?{query} ({hits} results)", times, "target < 50 ms")
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=250)
    parser.add_argument("--studies", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pypacs-bench-") as tmp:
        bench_series(Path(tmp), args.images)
        bench_qido_large(Path(tmp), args.studies)


if __name__ == "__main__":
    main()
