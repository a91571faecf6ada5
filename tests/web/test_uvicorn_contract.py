"""What web/connections.py relies on in uvicorn and httptools (pinned in pyproject.toml): when an upgrade breaks one
of these, this fails first and says which."""

from __future__ import annotations

import asyncio
import inspect
import socket
from concurrent.futures import ThreadPoolExecutor

import httptools
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from pypacs.web.connections import HttpLimits, WatchedHttpProtocol, watched_protocol

LIMITS = HttpLimits(header_timeout=5, body_timeout=5, max_connections=10)


async def hello(scope, receive, send):  # type: ignore[no-untyped-def]
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"5")]})
    await send({"type": "http.response.body", "body": b"hello"})


def test_config_takes_a_protocol_class_no_websockets_and_a_keep_alive_timeout():
    protocol = watched_protocol(LIMITS)
    config = uvicorn.Config(hello, http=protocol, ws="none", timeout_keep_alive=7)
    config.load()
    assert config.http_protocol_class is protocol
    assert config.ws_protocol_class is None
    assert config.timeout_keep_alive == 7


def test_the_httptools_protocol_takes_what_the_server_passes_and_has_the_events_forwarded():
    parameters = inspect.signature(HttpToolsProtocol).parameters
    assert {"config", "server_state", "app_state", "_loop"} <= set(parameters)  # what Server.startup passes
    for event in ("connection_made", "data_received", "eof_received", "connection_lost", "pause_writing",
                  "resume_writing"):  # fmt: skip
        assert callable(getattr(HttpToolsProtocol, event)), event
        assert event in vars(WatchedHttpProtocol), f"{event} is not forwarded"


def test_a_server_with_the_watched_protocol_answers_and_shuts_down_its_idle_connections():
    async def scenario() -> tuple[bytes, bool]:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(hello, http=watched_protocol(LIMITS), ws="none", lifespan="off", log_level="error")
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.01)
        reader, writer = await asyncio.open_connection(*sock.getsockname())
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = await reader.readuntil(b"hello")
        server.should_exit = True  # the idle keep-alive connection must be closed (the server tracks uvicorn's own
        await asyncio.wait_for(serving, 5)  # protocol objects in its connections): shutdown does not wait for it
        closed = await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()
        return answer, closed

    with ThreadPoolExecutor(1) as thread:  # a loop of its own: another test's (Playwright's) may run in this thread
        answer, closed = thread.submit(asyncio.run, scenario()).result(timeout=30)
    assert answer.startswith(b"HTTP/1.1 200") and closed


class Events:
    """Only the callbacks web/connections.py defines: httptools calls those a protocol has."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def on_headers_complete(self) -> None:
        self.seen.append("headers")

    def on_message_complete(self) -> None:
        self.seen.append("complete")


def parsed(*pieces: bytes) -> tuple[list[str], str]:
    events = Events()
    parser = httptools.HttpRequestParser(events)
    parser.set_dangerous_leniencies(lenient_data_after_close=True)
    try:
        for piece in pieces:
            parser.feed_data(piece)
    except httptools.HttpParserUpgrade:
        return events.seen, "upgrade"
    except httptools.HttpParserError:
        return events.seen, "error"
    return events.seen, ""


def test_httptools_reports_where_headers_and_requests_end():
    assert parsed(b"GET / HTTP/1.1\r\n", b"Host: x\r\n") == ([], "")
    assert parsed(b"GET / HTTP/1.1\r\n", b"Host: x\r\n", b"\r\n") == (["headers", "complete"], "")
    body = b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\n"
    assert parsed(body, b"ab") == (["headers"], "")
    assert parsed(body + b"ab", b"cd") == (["headers", "complete"], "")
    chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert parsed(chunked, b"2\r\nab\r\n", b"0\r\n\r\n") == (["headers", "complete"], "")
    assert parsed(b"GET / HTTP/1.1\r\n\r\nGET /a HTTP/1.1\r\n\r\n\r\n") == (["headers", "complete"] * 2, "")


def test_httptools_stops_at_an_upgrade_and_at_garbage():
    upgrade = b"GET / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n"
    assert parsed(upgrade) == (["headers", "complete"], "upgrade")
    assert parsed(b"\x16\x03\x01 not http\r\n\r\n")[1] == "error"
