"""Latency tuning of pynetdicom, installed once per process: reactor polling, and TCP_NODELAY on its sockets.

Without TCP_NODELAY, a C-STORE's last small segment waits for the peer's delayed ACK (~40 ms per image).

pynetdicom's DUL and association threads poll with 1 ms sleeps, so every PDU and message waits up to 1 ms:
a third of the time to receive a 0.5 MB image (330 images/s at best with a handler that does nothing, ~500
with this). The sleeps become 0.1 ms while a thread has been busy in the last 50 ms, and stay 1 ms when idle
or when several associations are busy at once (then the GIL is worth more to the handlers than to polling).
"""

from __future__ import annotations

import socket
import threading
import time as _time
import types
from typing import Any

from pynetdicom import association, dul, transport

BUSY_SLEEP = 0.0001  # seconds slept between polls while a thread has recent activity
BUSY_WINDOW = 0.05  # how long after the last activity a thread keeps polling fast
MAX_FAST_POLLERS = 4  # a C-MOVE's two associations; with more busy threads, polling would starve the handlers
_ACTIVITY_GAP = 0.0002  # awake this long between two sleeps: the thread did work in between

_installed = False
_state = threading.local()
_busy_until: dict[int, float] = {}  # thread id -> end of its busy window


def _adaptive_sleep(seconds: float) -> None:
    """time.sleep for the reactors: short while the calling thread has been busy recently, unless several
    associations are busy at once (their polling threads would then take the GIL from the handlers)."""
    now = _time.monotonic()
    me = threading.get_ident()
    if now - getattr(_state, "last_wake", 0.0) > _ACTIVITY_GAP:
        _busy_until[me] = now + BUSY_WINDOW
    if seconds > BUSY_SLEEP and _busy_until.get(me, 0.0) > now:
        busy = sum(1 for until in list(_busy_until.values()) if until > now)
        if busy <= MAX_FAST_POLLERS:
            seconds = BUSY_SLEEP
    elif _busy_until.get(me, 1.0) <= now:
        _busy_until.pop(me, None)
    _time.sleep(seconds)
    _state.last_wake = _time.monotonic()


def _time_module_with(sleep: Any) -> types.SimpleNamespace:
    names = {name: getattr(_time, name) for name in dir(_time) if not name.startswith("__")}
    names["sleep"] = sleep
    return types.SimpleNamespace(**names)


def _without_nagle(original_init: Any) -> Any:
    def __init__(self: transport.AssociationSocket, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        sock = self.socket
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    return __init__


def install() -> None:
    """Apply the tuning to the pynetdicom modules (idempotent)."""
    global _installed
    if _installed:
        return
    shim = _time_module_with(_adaptive_sleep)
    dul.time = shim  # type: ignore[assignment]
    association.time = shim  # type: ignore[assignment]
    transport.AssociationSocket.__init__ = _without_nagle(transport.AssociationSocket.__init__)  # type: ignore[method-assign]
    _installed = True
