"""Benchmark: C-MOVE to a DCMTK storescp and C-GET with DCMTK getscu, of a 500-image 512x512 CT series.

Prints images/s and MB/s. Needs DCMTK (`make system-deps`).

    .venv/bin/python bench/retrieve.py [--images 500]
"""

from __future__ import annotations

import argparse
import os
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
            elapsed = run_timed(["movescu", "-v", "-S", "-aec", "PYPACS", "-aem", "DEST", *keys, "127.0.0.1",
                                 str(dimse_port)])  # fmt: skip
            report("C-MOVE to DCMTK storescp", args.images, size, elapsed)
            received = root / "got"
            received.mkdir()
            elapsed = run_timed(["getscu", "-v", "-S", "-aec", "PYPACS", "-od", str(received), *keys, "127.0.0.1",
                                 str(dimse_port)])  # fmt: skip
            report("C-GET with DCMTK getscu", args.images, size, elapsed)
            assert len(os.listdir(destination)) == len(os.listdir(received)) == args.images
        finally:
            server.terminate()
            server.wait(timeout=30)
            storescp.terminate()


if __name__ == "__main__":
    main()
