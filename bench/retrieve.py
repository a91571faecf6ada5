"""Benchmark: C-MOVE to a DCMTK storescp and C-GET with DCMTK getscu, of a 500-image 512x512 CT series.

Prints images/s and MB/s, the median of --repeat runs after one warm-up run (the first run after start-up pays
for the server's first query and cold caches; it is printed too). Needs DCMTK (`make system-deps`).

    .venv/bin/python bench/retrieve.py [--images 500] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ingest import DCMTK_ENV, folder_size, free_port, make_files, report  # type: ignore[import-not-found]


def run_timed(command: list[str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, env=DCMTK_ENV, capture_output=True, text=True, errors="replace")
    elapsed = time.perf_counter() - started
    if result.returncode != 0 or "Success" not in result.stderr:
        raise SystemExit(f"{command[0]} failed:\n{result.stderr[-800:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pypacs-bench-") as tmp:
        root = Path(tmp)
        [series] = make_files(root / "series", args.images, 1)
        size = folder_size([series])
        data_dir = root / "data"
        subprocess.run([sys.executable, "-m", "pypacs", "import", str(series), "--data-dir", str(data_dir)], check=True,
                       capture_output=True)  # fmt: skip
        study = "1.2.826.0.1.3680043.10.9.0"
        destination = root / "dest"
        destination.mkdir()
        store_port, dimse_port, http_port = free_port(), free_port(), free_port()
        config = root / "pypacs.toml"
        config.write_text(f'[[remote_aes]]\ntitle = "DEST"\nhost = "127.0.0.1"\nport = {store_port}\n')
        storescp = subprocess.Popen(["storescp", "-aet", "DEST", "-od", str(destination), str(store_port)],
                                    env=DCMTK_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        server = subprocess.Popen(
            [sys.executable, "-m", "pypacs", "serve", "--data-dir", str(data_dir), "--config", str(config),
             "--dimse-port", str(dimse_port), "--http-port", str(http_port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            time.sleep(6)
            print(f"{args.images} synthetic CT slices, 512x512, {size / 1e6:.0f} MB, one series")
            keys = ["-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={study}"]
            received = root / "got"
            commands = {
                "C-MOVE to DCMTK storescp": (destination, ["movescu", "-v", "-S", "-aec", "PYPACS", "-aem", "DEST",
                                                           *keys, "127.0.0.1", str(dimse_port)]),
                "C-GET with DCMTK getscu": (received, ["getscu", "-v", "-S", "-aec", "PYPACS", "-od", str(received),
                                                       *keys, "127.0.0.1", str(dimse_port)]),
            }  # fmt: skip
            for name, (folder, command) in commands.items():
                times = []
                for _run in range(args.repeat + 1):
                    shutil.rmtree(folder, ignore_errors=True)
                    folder.mkdir()
                    times.append(run_timed(command))
                    assert len(os.listdir(folder)) == args.images, f"{name}: {len(os.listdir(folder))} received"
                report(f"{name} (first run)", args.images, size, times[0])
                report(f"{name} (median of {args.repeat})", args.images, size, statistics.median(times[1:]))
        finally:
            server.terminate()
            server.wait(timeout=30)
            storescp.terminate()


if __name__ == "__main__":
    main()
