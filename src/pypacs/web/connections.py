"""HTTP connections as uvicorn serves them, watched: deadlines for request headers and bodies, and a cap on open
connections (idle keep-alive connections are uvicorn's own `timeout_keep_alive`). Must not patch uvicorn.

WatchedHttpProtocol is the asyncio protocol uvicorn runs for each connection (`Config(http=...)`). It hands every
event unchanged to uvicorn's own HttpToolsProtocol, which it holds (composition), and feeds the same bytes to its own
httptools parser, so it knows whether the connection waits for a request's headers, is reading a request's body, or
is being answered. One timer per server (ConnectionWatch) looks at every connection a few times per shortest
timeout and closes those past their deadline:

- headers: the request line and headers must arrive within `header_timeout` of the connection being opened (first
  request) or of the first bytes after the previous request (later requests, blank lines too; the idle time before
  them is uvicorn's keep-alive). When the first request of a connection had begun, a 408 Request Timeout goes out
  before the close; a connection that sent nothing is closed silently (browsers open spare connections they may
  never use).
- body: no body bytes for `body_timeout` while a body is expected: closed (the application may have begun a
  response, so no 408).
- no deadline runs while the server holds reading back (flow control, a pipelined request: the server is the one
  waiting), nor while a request is being answered: a long download to a slow reader is never cut.
- cap: a connection beyond `max_connections` is answered 503 (a problem, Retry-After: 1) at once and closed after a
  short linger, so that the client reads the answer rather than a reset; uvicorn never sees it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, cast

import httptools
import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)

LINGER = 1.0  # seconds a refused connection is still read (and discarded) before it is closed
REFUSAL_LOG_INTERVAL = 60.0  # at most one warning about refused connections per this many seconds


@dataclass(frozen=True)
class HttpLimits:
    header_timeout: float
    body_timeout: float
    max_connections: int

    @property
    def tick(self) -> float:
        """How often deadlines are checked: a quarter of the shortest timeout, at most once a second."""
        return max(0.05, min(1.0, self.header_timeout / 4, self.body_timeout / 4))


class Phase(Enum):
    HEADERS = "request headers"
    BODY = "request body"
    ANSWERING = "answering"  # the request is complete: its response is under way (or done, and the line idle)
    REFUSED = "refused"


def problem_response(status: int, reason: str, detail: str, headers: str = "") -> bytes:
    """A whole HTTP/1.1 response with a problem+json body that closes the connection."""
    body = orjson.dumps({"type": "about:blank", "title": reason, "status": status, "detail": detail})
    head = (f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/problem+json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n{headers}\r\n")  # fmt: skip
    return head.encode("ascii") + body


class ConnectionWatch:
    """The open connections of one server, the cap, and the timer that closes those past a deadline."""

    def __init__(self, limits: HttpLimits) -> None:
        self.limits = limits
        self.connections: set[WatchedHttpProtocol] = set()
        self.timer: asyncio.TimerHandle | None = None
        self.request_timeout = problem_response(
            408, "Request Timeout", f"the request line and headers did not arrive within {limits.header_timeout:g} s"
        )
        self.service_unavailable = problem_response(
            503, "Service Unavailable", f"more than {limits.max_connections} connections are open; try again later",
            "retry-after: 1\r\n",
        )  # fmt: skip
        self.refused = 0
        self.refusals_logged_at: float | None = None

    def admit(self, connection: WatchedHttpProtocol, loop: asyncio.AbstractEventLoop) -> bool:
        if len(self.connections) >= self.limits.max_connections:
            self._count_refusal(loop.time())
            return False
        self.connections.add(connection)
        if self.timer is None:
            self.timer = loop.call_later(self.limits.tick, self._check, loop)
        return True

    def forget(self, connection: WatchedHttpProtocol) -> None:
        self.connections.discard(connection)

    def _check(self, loop: asyncio.AbstractEventLoop) -> None:
        now = loop.time()
        for connection in list(self.connections):
            connection.check(now)
        self.timer = loop.call_later(self.limits.tick, self._check, loop) if self.connections else None

    def _count_refusal(self, now: float) -> None:
        self.refused += 1
        if self.refusals_logged_at is None or now - self.refusals_logged_at >= REFUSAL_LOG_INTERVAL:
            log.warning("HTTP connection cap reached (max_http_connections = %d): %d connection(s) answered 503 "
                        "so far", self.limits.max_connections, self.refused)  # fmt: skip
            self.refusals_logged_at = now


class WatchedHttpProtocol(asyncio.Protocol):
    """uvicorn's httptools protocol with deadlines and a cap around it (see the module's docstring)."""

    watch: ClassVar[ConnectionWatch]  # set by watched_protocol(), one per server

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.inner = HttpToolsProtocol(*args, **kwargs)  # whatever uvicorn passes, passed on
        self.parser: httptools.HttpRequestParser | None = httptools.HttpRequestParser(self)
        self.parser.set_dangerous_leniencies(lenient_data_after_close=True)  # as uvicorn's parser: same verdicts
        self.transport: asyncio.Transport | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.phase = Phase.HEADERS
        self.since = 0.0  # HEADERS: when the request's clock started; BODY: when body bytes last came
        self.received = False  # bytes have come on this connection
        self.requests = 0  # requests received whole

    # -- asyncio.Protocol, forwarded ----------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport, self.loop = cast(asyncio.Transport, transport), asyncio.get_running_loop()  # uvloop's
        self.since = self.loop.time()
        if not self.watch.admit(self, self.loop):
            self._refuse()
            return
        self.inner.connection_made(self.transport)

    def data_received(self, data: bytes) -> None:
        if self.phase is Phase.REFUSED:
            return
        assert self.loop is not None
        now = self.loop.time()
        self.received = True
        if self.phase is Phase.ANSWERING:  # bytes after a request (blank lines too): the next request's clock starts
            self.phase, self.since = Phase.HEADERS, now
        if self.parser is not None:
            try:
                self.parser.feed_data(data)
            except (httptools.HttpParserUpgrade, httptools.HttpParserError):
                # uvicorn answers 400 and closes, or (an upgrade; pypacs has no websockets) ignores later bytes.
                self.parser = None
        if self.phase is Phase.BODY:
            self.since = now
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        if self.phase is not Phase.REFUSED:
            self.inner.eof_received()
        return None  # as uvicorn's protocol answers: the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.watch.forget(self)
        self.parser = None  # the parser refers back to this protocol
        if self.phase is not Phase.REFUSED:
            self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    # -- httptools parser callbacks: where a request's headers end, and where the request ends ------------------

    def on_headers_complete(self) -> None:
        self.phase = Phase.BODY

    def on_message_complete(self) -> None:
        self.phase = Phase.ANSWERING
        self.requests += 1

    # -- deadlines ----------------------------------------------------------------------------------------------

    def check(self, now: float) -> None:
        """Close the connection when it is past its deadline (called by the watch's timer)."""
        transport = self.transport
        if self.phase is Phase.HEADERS:
            limit = self.watch.limits.header_timeout
        elif self.phase is Phase.BODY:
            limit = self.watch.limits.body_timeout
        else:
            return
        if transport is None or transport.is_closing():
            return
        if not transport.is_reading():  # the server holds the bytes back: its own wait, not the client's
            self.since = now
            return
        if now - self.since < limit:
            return
        if self.phase is Phase.HEADERS and self.requests == 0 and self.received:
            transport.write(self.watch.request_timeout)  # nothing of a response can have begun
        log.info("closing HTTP connection from %s: no complete %s within %g s",
                 _peer(transport), self.phase.value, limit)  # fmt: skip
        transport.close()

    def _refuse(self) -> None:
        assert self.transport is not None and self.loop is not None
        self.phase = Phase.REFUSED
        self.transport.write(self.watch.service_unavailable)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER, self.transport.close)


def _peer(transport: asyncio.BaseTransport) -> str:
    peer = transport.get_extra_info("peername")
    return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) and len(peer) >= 2 else "?"


def watched_protocol(limits: HttpLimits) -> type[WatchedHttpProtocol]:
    """The protocol class to give uvicorn (`Config(http=...)`): a class of its own per server, with its own watch."""

    class ServerHttpProtocol(WatchedHttpProtocol):
        watch = ConnectionWatch(limits)

    return ServerHttpProtocol
