"""A running pypacs node: the archive, the DICOM listener and the HTTP server in one process.

Starts them in order, serves until interrupted (Ctrl-C / SIGTERM), then stops them in reverse order.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass

import uvicorn

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.dimse.policy import AssociationSlots
from pypacs.dimse.server import DimseServer, start_dimse
from pypacs.dimse.workers import association_counts, start_workers, stop_workers
from pypacs.runtime import settle_memory
from pypacs.web.app import create_app
from pypacs.web.connections import HttpLimits, watched_protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NodeAddresses:
    ae_title: str
    dimse_host: str
    dimse_port: int
    http_url: str


def http_limits(settings: Settings) -> HttpLimits:
    return HttpLimits(settings.http_header_timeout, settings.http_body_timeout, settings.max_http_connections)


class HttpServer(uvicorn.Server):
    """uvicorn's server, saying when it listens (the address banner comes after the sockets are bound)."""

    def __init__(self, config: uvicorn.Config, on_listening: Callable[[], None] | None) -> None:
        super().__init__(config)
        self.on_listening = on_listening

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.on_listening is not None:
            self.on_listening()


def serve(settings: Settings, archive: Archive, on_ready: Callable[[NodeAddresses], None] | None = None) -> None:
    """Serve DIMSE and HTTP until interrupted; the archive is closed by the caller."""
    processes = settings.dimse_process_count
    counts = association_counts(processes)
    slots = AssociationSlots(counts, 0)
    dimse: DimseServer = start_dimse(settings, archive, shared_port=processes > 1, slots=slots)
    workers = start_workers(settings, dimse.port, processes - 1, counts) if processes > 1 else []
    try:
        config = uvicorn.Config(
            create_app(archive),
            host=settings.http_host,
            port=settings.http_port,
            http=watched_protocol(http_limits(settings)),
            ws="none",  # no websocket routes: an upgrade request is answered as plain HTTP
            timeout_keep_alive=settings.http_keep_alive_timeout,
            log_level=settings.log_level.lower(),
            access_log=settings.log_level == "DEBUG",
        )
        addresses = NodeAddresses(
            settings.ae_title, settings.dimse_host, dimse.port, f"http://{settings.http_host}:{settings.http_port}"
        )
        server = HttpServer(config, (lambda: on_ready(addresses)) if on_ready is not None else None)
        settle_memory()
        server.run()
        if not server.started:
            raise OSError(f"HTTP server could not listen on {settings.http_host}:{settings.http_port}")
    finally:
        log.info("stopping the DICOM listener")
        stop_workers(workers)
        dimse.stop()
