"""One log line when an association starts and one when it ends: peer, AE titles, presentation contexts
accepted and rejected, duration, and the DIMSE requests it carried.

Notification handlers only; they never change what happens on the association.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from pynetdicom import evt
from pynetdicom.events import Event

log = logging.getLogger(__name__)

COMMAND_NAMES = {
    0x0001: "C-STORE", 0x0020: "C-FIND", 0x0010: "C-GET", 0x0021: "C-MOVE", 0x0030: "C-ECHO", 0x0FFF: "C-CANCEL",
    0x0100: "N-EVENT-REPORT", 0x0110: "N-GET", 0x0120: "N-SET", 0x0130: "N-ACTION", 0x0140: "N-CREATE",
    0x0150: "N-DELETE",
}  # fmt: skip


def _describe(event: Event) -> str:
    assoc = event.assoc
    requestor = assoc.requestor
    return f"{requestor.ae_title} ({requestor.address}:{requestor.port}) -> {assoc.acceptor.ae_title}"


def _on_accepted(event: Event) -> None:
    assoc = event.assoc
    assoc.pypacs_started = time.monotonic()  # type: ignore[attr-defined]
    assoc.pypacs_requests = Counter()  # type: ignore[attr-defined]
    rejected = sorted({str(cx.abstract_syntax) for cx in assoc.rejected_contexts})
    log.info(
        "association %s accepted: %d context(s)%s, max PDU %s",
        _describe(event),
        len(assoc.accepted_contexts),
        f", {len(rejected)} rejected ({', '.join(rejected[:5])}{'...' if len(rejected) > 5 else ''})"
        if rejected
        else "",
        assoc.requestor.maximum_length or "unlimited",
    )


def _on_rejected(event: Event) -> None:
    log.warning("association %s rejected", _describe(event))


def _on_request(event: Event) -> None:
    requests: Counter[str] | None = getattr(event.assoc, "pypacs_requests", None)
    if requests is None:
        return
    command = getattr(event.message, "command_set", None)
    field = getattr(command, "CommandField", None) if command is not None else None
    if field is not None and field in COMMAND_NAMES:
        requests[COMMAND_NAMES[field]] += 1


def _on_end(how: str) -> Callable[[Event], None]:
    def handler(event: Event) -> None:
        assoc = event.assoc
        started = getattr(assoc, "pypacs_started", None)
        if started is None:
            return  # never accepted: the rejection was logged
        assoc.pypacs_started = None  # type: ignore[attr-defined]  # an abort after a release is logged once
        requests: Counter[str] = getattr(assoc, "pypacs_requests", None) or Counter()
        summary = ", ".join(f"{count} {name}" for name, count in sorted(requests.items())) or "no requests"
        level = logging.INFO if how == "released" else logging.WARNING
        log.log(level, "association %s %s after %.1f s: %s", _describe(event), how,
                time.monotonic() - started, summary)  # fmt: skip

    return handler


def event_handlers() -> list[tuple[Any, Callable[[Event], None]]]:
    return [
        (evt.EVT_ACCEPTED, _on_accepted),
        (evt.EVT_REJECTED, _on_rejected),
        (evt.EVT_DIMSE_RECV, _on_request),
        (evt.EVT_RELEASED, _on_end("released")),
        (evt.EVT_ABORTED, _on_end("aborted")),
    ]
