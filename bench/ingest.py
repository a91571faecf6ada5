"""Benchmark: ingest throughput of synthetic 512x512 CT slices, durable (fsync + commit before success).

(a) `pypacs import` of N files; (b) DCMTK storescu into `pypacs serve` over one association; (c) over 4
parallel associations. Prints images/s and MB/s for each. Needs DCMTK (`make system-deps`).

    .venv/bin/python bench/ingest.py [--images 500] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from pypacs.synthetic import PatientInfo, SeriesSpec, make_series, write_datasets

DCMTK_ENV = {**os.environ, "TCP_NODELAY": "1"}  # Debian's DCMTK leaves Nagle on: each response would wait ~40 ms


def make_files(folder: Path, images: int, parts: int = 1) -> list[Path]:
    """`images` slices written into `parts` sub-folders (one series each)."""
    per_part = images // parts
    folders = []
    for part in range(parts):
        target = folder / f"part{part}"
        spec = SeriesSpec(slices=per_part, rows=512, columns=512)
        patient = PatientInfo(f"BENCH{part}", f"BENCH^PART{part}")
        write_datasets(make_series(spec, patient=patient, study_uid=f"1.2.826.0.1.3680043.10.9.{part}",
                                   seed=part), target)  # fmt: skip
        folders.append(target)
    return folders


def folder_size(folders: list[Path]) -> int:
    return sum(p.stat().st_size for folder in folders for p in folder.rglob("*.dcm"))


def report(name: str, images: int, size: int, seconds: float) -> None:
    print(f"  {name:<42} {images / seconds:8.0f} images/s  {size / seconds / 1e6:7.1f} MB/s  ({seconds:.2f} s)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_import(folders: list[Path], data_dir: Path, database_url: str) -> None:
    command = [sys.executable, "-m", "pypacs", "import", *map(str, folders), "--data-dir", str(data_dir)]
    if database_url:
        command += ["--database-url", database_url]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    elapsed = time.perf_counter() - started
    images = sum(1 for folder in folders for _ in folder.rglob("*.dcm"))
    report("pypacs import (one process)", images, folder_size(folders), elapsed)


def bench_storescu(folders: list[Path], data_dir: Path, database_url: str, label: str) -> None:
    dimse_port, http_port = free_port(), free_port()
    command = [sys.executable, "-m", "pypacs", "serve", "--data-dir", str(data_dir), "--dimse-port", str(dimse_port),
               "--http-port", str(http_port)]  # fmt: skip
    if database_url:
        command += ["--database-url", database_url]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{http_port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        started = time.perf_counter()
        clients = [
            subprocess.Popen(
                ["storescu", "-aec", "PYPACS", "+sd", "+r", "127.0.0.1", str(dimse_port), str(folder)],
                env=DCMTK_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )
            for folder in folders
        ]  # fmt: skip
        failures = [client.communicate()[1] for client in clients if client.wait() != 0]
        elapsed = time.perf_counter() - started
        if failures:
            raise SystemExit(f"storescu failed: {failures[0].decode()[-500:]}")
        images = sum(1 for folder in folders for _ in folder.rglob("*.dcm"))
        report(label, images, folder_size(folders), elapsed)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--database-url", default="", help="index URL (default: SQLite in a temporary folder)")
    args = parser.parse_args()
    if shutil.which("storescu") is None:
        raise SystemExit("storescu not found: install DCMTK (make system-deps)")
    with tempfile.TemporaryDirectory(prefix="pypacs-bench-", dir=os.environ.get("BENCH_TMP")) as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        single = make_files(root / "single", args.images, 1)
        quad = make_files(root / "quad", args.images, 4)
        print(f"{args.images} synthetic CT slices, 512x512, {folder_size(single) / 1e6:.0f} MB "
              f"(made in {time.perf_counter() - started:.1f} s); fsync on, index "
              f"{args.database_url.split(':')[0] if args.database_url else 'sqlite'}")  # fmt: skip
        bench_import(single, root / "data-import", args.database_url)
        bench_storescu(single, root / "data-one", args.database_url, "storescu, 1 association")
        bench_storescu(quad, root / "data-four", args.database_url, "storescu, 4 parallel associations")


if __name__ == "__main__":
    main()
