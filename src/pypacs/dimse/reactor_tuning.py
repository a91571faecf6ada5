"""Latency tuning of pynetdicom's polling reactors, installed once per process.

pynetdicom's DUL and association threads poll with 1 ms sleeps, so every PDU and message waits up to 1 ms:
a third of the time to receive a 0.5 MB image (330 images/s at best with a handler that does nothing, ~500
with this). The sleeps become 0.1 ms while a thread has been busy in the last 50 ms, and stay 1 ms when idle.
"""

from __future__ import annotations

import threading
import time as _time
import types
from typing import Any

from pynetdicom import association, dul

BUSY_SLEEP = 0.0001  # seconds slept between polls while a thread has recent activity
BUSY_WINDOW = 0.05  # how long after the last activity a thread keeps polling fast
_ACTIVITY_GAP = 0.0002  # awake this long between two sleeps: the thread did work in between

_installed = False
_state = threading.local()


def _adaptive_sleep(seconds: float) -> None:
    """time.sleep for the reactors: short while the calling thread has been busy recently."""
    now = _time.monotonic()
    last = getattr(_state, "last_wake", 0.0)
    if now - last > _ACTIVITY_GAP:
        _state.busy_until = now + BUSY_WINDOW
    if seconds > BUSY_SLEEP and now < getattr(_state, "busy_until", 0.0):
        seconds = BUSY_SLEEP
    _time.sleep(seconds)
    _state.last_wake = _time.monotonic()


def _time_module_with(sleep: Any) -> types.SimpleNamespace:
    names = {name: getattr(_time, name) for name in dir(_time) if not name.startswith("__")}
    names["sleep"] = sleep
    return types.SimpleNamespace(**names)


def install() -> None:
    """Apply the tuning to the pynetdicom modules (idempotent)."""
    global _installed
    if _installed:
        return
    shim = _time_module_with(_adaptive_sleep)
    dul.time = shim  # type: ignore[attr-defined]
    association.time = shim  # type: ignore[attr-defined]
    _installed = True
