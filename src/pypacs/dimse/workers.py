"""Worker processes that accept DICOM associations on the node's port, so parallel associations use every core.

Each worker opens the archive as a secondary (the main process migrated and recovered it) and dies with its parent.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from multiprocessing.process import BaseProcess
from typing import Any

from pypacs.config import Settings

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


STARTUP_TIMEOUT = 60.0


def association_counts(processes: int) -> Any:
    """Memory shared with the workers where each DIMSE process publishes its open associations (index 0:
    this process)."""
    return multiprocessing.get_context("spawn").Array("i", processes)


def start_workers(settings: Settings, port: int, count: int, counts: Any) -> list[BaseProcess]:
    """Start `count` worker processes listening on `port` (already bound by this process with SO_REUSEPORT);
    returns once each is listening, or has failed to start (logged), or STARTUP_TIMEOUT has passed.
    Worker n publishes its association count at counts[n]."""
    payload = settings.model_dump(mode="json") | {"dimse_port": port}
    context = multiprocessing.get_context("spawn")
    ready = context.Queue()
    workers: list[BaseProcess] = [
        context.Process(
            target=_worker_main, args=(payload, os.getpid(), ready, counts, number), name=f"pypacs-dimse-{number}"
        )
        for number in range(1, count + 1)
    ]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    listening = 0
    while listening < count and time.monotonic() < deadline:
        try:
            ready.get(timeout=0.2)
            listening += 1
        except queue.Empty:
            if not any(worker.is_alive() for worker in workers):
                break
    if listening < count:
        log.error("only %d of %d DICOM worker process(es) started", listening, count)
    log.info("%d DICOM worker process(es) listening on port %d", listening, port)
    return workers


def stop_workers(workers: list[BaseProcess], timeout: float = 30.0) -> None:
    """Ask every worker to finish its associations and exit; kill those that do not within `timeout`."""
    for worker in workers:
        if worker.is_alive():
            worker.terminate()  # SIGTERM: handled as a graceful stop
    for worker in workers:
        worker.join(timeout)
        if worker.is_alive():
            log.warning("DICOM worker %s did not stop in %.0f s; killing it", worker.name, timeout)
            worker.kill()
            worker.join()


def _die_with_parent(parent_pid: int) -> None:
    """Have the kernel kill this process when its parent dies (even by SIGKILL), so no orphan keeps the port."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


def _worker_main(payload: dict[str, Any], parent_pid: int, ready: Any, counts: Any, index: int) -> None:
    _die_with_parent(parent_pid)
    from pypacs.archive.service import Archive
    from pypacs.dimse.policy import AssociationSlots
    from pypacs.dimse.server import start_dimse
    from pypacs.runtime import configure_process

    settings = Settings(**payload)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"[dimse worker {os.getpid()}] %(name)s: %(message)s"))
    configure_process(settings, handler)
    stopping = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stopping.set())
    archive = Archive.open(settings, primary=False)
    server = start_dimse(settings, archive, shared_port=True, slots=AssociationSlots(counts, index))
    from pypacs.runtime import settle_memory

    settle_memory()
    ready.put(os.getpid())
    try:
        while not stopping.wait(1.0):
            if os.getppid() != parent_pid:
                break
    finally:
        server.stop()
        archive.close()
