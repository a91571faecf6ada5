"""The registry of known DICOM peers: those of the TOML configuration plus those added with `pypacs ae add`.

Changes take effect without a restart: the config file is re-read when it changes, the table at most every
second. Config peers cannot be changed from the CLI (the file is the operator's); table peers can.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, insert, select, update

from pypacs.archive.errors import Conflict, NotFound
from pypacs.archive.index import Engines, remote_ae
from pypacs.config import ConfigError, RemoteAE, Settings, read_remote_aes

log = logging.getLogger(__name__)

REFRESH_SECONDS = 1.0


@dataclass(frozen=True)
class Peer:
    """A registered AE and where its entry comes from ("config" or "registry")."""

    ae: RemoteAE
    source: str


class PeerRegistry:
    """Who we know: looked up per association, so it must stay cheap (a cached snapshot)."""

    def __init__(self, settings: Settings, engines: Engines) -> None:
        self._config_file = settings.config_file
        self._config_peers = list(settings.remote_aes)
        self._config_mtime = _mtime(settings.config_file)
        self._engines = engines
        self._lock = threading.Lock()
        self._snapshot: dict[str, Peer] | None = None
        self._taken_at = 0.0

    # -- lookups ---------------------------------------------------------------------------------------
    def peers(self) -> list[Peer]:
        return list(self._current().values())

    def get(self, title: str) -> RemoteAE | None:
        peer = self._current().get(title.strip())
        return peer.ae if peer else None

    def _current(self) -> dict[str, Peer]:
        now = time.monotonic()
        with self._lock:
            if self._snapshot is None or now - self._taken_at > REFRESH_SECONDS:
                self._reload_config_if_changed()
                stored = [Peer(ae, "registry") for ae in self._stored()]
                configured = [Peer(ae, "config") for ae in self._config_peers]
                self._snapshot = {peer.ae.title: peer for peer in [*stored, *configured]}  # config wins
                self._taken_at = now
            return self._snapshot

    def _reload_config_if_changed(self) -> None:
        if self._config_file is None:
            return
        mtime = _mtime(self._config_file)
        if mtime == self._config_mtime:
            return
        self._config_mtime = mtime
        try:
            self._config_peers = read_remote_aes(self._config_file)
            log.info("remote AEs re-read from %s: %d peer(s)", self._config_file, len(self._config_peers))
        except ConfigError as error:
            log.error("keeping the previous remote AEs: %s", error)

    def _stored(self) -> list[RemoteAE]:
        with self._engines.reader.connect() as connection:
            rows = connection.execute(select(remote_ae).order_by(remote_ae.c.title)).mappings().all()
        return [
            RemoteAE(
                title=row["title"],
                host=row["host"],
                port=row["port"],
                description=row["description"],
                may_store=row["may_store"],
                may_query=row["may_query"],
                may_retrieve=row["may_retrieve"],
            )  # fmt: skip
            for row in rows
        ]

    # -- changes (CLI) ---------------------------------------------------------------------------------
    def add(self, ae: RemoteAE, *, replace: bool = False) -> bool:
        """Register a peer; returns True when an existing registry entry was replaced."""
        self._refuse_config_peer(ae.title, "changed")
        values = ae.model_dump()
        with self._engines.write_lock(), self._engines.writer.begin() as connection:
            exists = connection.execute(select(remote_ae.c.title).where(remote_ae.c.title == ae.title)).first()
            if exists and not replace:
                raise Conflict(f"AE {ae.title} is already registered (use --replace to change it)")
            if exists:
                connection.execute(update(remote_ae).where(remote_ae.c.title == ae.title).values(**values))
            else:
                connection.execute(insert(remote_ae).values(**values))
        self._snapshot = None
        return bool(exists)

    def remove(self, title: str) -> None:
        self._refuse_config_peer(title, "removed")
        with self._engines.write_lock(), self._engines.writer.begin() as connection:
            removed = connection.execute(delete(remote_ae).where(remote_ae.c.title == title)).rowcount
        if not removed:
            raise NotFound(f"AE {title} is not registered")
        self._snapshot = None

    def _refuse_config_peer(self, title: str, what: str) -> None:
        self._reload_config_if_changed()
        if any(ae.title == title for ae in self._config_peers):
            raise Conflict(f"AE {title} is defined in {self._config_file}; it can only be {what} there")


def _mtime(path: Path | None) -> int | None:
    try:
        return path.stat().st_mtime_ns if path else None
    except OSError:
        return None
