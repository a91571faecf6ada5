"""HTTP connection deadlines and the connection cap (issue 9, point 12), against a real `pypacs serve` with short
timeouts: idle, slowloris and stalled-body connections are closed on time, idle keep-alive ones too, the cap answers
503, and a slow download that outlasts every timeout is not cut."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pypacs.archive.service import Archive
from pypacs.config import Settings
from tests.conftest import make_object
from tests.interop.conftest import PacsProcess, start_pacs, stop_pacs

HEADER_TIMEOUT, BODY_TIMEOUT, KEEP_ALIVE = 2.0, 1.0, 1
MAX_CONNECTIONS = 6
SLACK = 1.5  # the watch looks every half second here; a busy test machine adds more
STUDY, SERIES, SOP = "1.2.826.0.1.97.1", "1.2.826.0.1.97.1.1", "1.2.826.0.1.97.1.1.1"
BIG_PIXELS = 4096 * 4096 * 2  # 32 MiB: a download that takes seconds to a slow reader


@pytest.fixture(scope="module")
def pacs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PacsProcess]:
    root = Path(tmp_path_factory.mktemp("connections"))
    with Archive.open(Settings(data_dir=root / "data")) as archive:
        archive.store(make_object(StudyInstanceUID=STUDY, SeriesInstanceUID=SERIES, SOPInstanceUID=SOP, Rows=4096,
                                  Columns=4096, PixelData=bytes(BIG_PIXELS)))  # fmt: skip
    config = root / "pypacs.toml"
    config.write_text(
        f"http_header_timeout = {HEADER_TIMEOUT}\nhttp_body_timeout = {BODY_TIMEOUT}\n"
        f"http_keep_alive_timeout = {KEEP_ALIVE}\nmax_http_connections = {MAX_CONNECTIONS}\n"
    )
    running = start_pacs(root / "data", "--config", str(config), "--dimse-processes", "1")
    try:
        yield running
    finally:
        stop_pacs(running)


def connect(pacs: PacsProcess, receive_buffer: int | None = None) -> socket.socket:
    sock = socket.socket()
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.connect(("127.0.0.1", pacs.http_port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_until_closed(sock: socket.socket, timeout: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and when it closed (monotonic)."""
    sock.settimeout(timeout)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received, time.monotonic()


def server_log(pacs: PacsProcess) -> str:
    return " ".join(pacs.log().split())  # the console log wraps long lines


def one_response(sock: socket.socket) -> bytes:
    """One whole response with a Content-Length body."""
    sock.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"content-length: (\d+)", head, re.IGNORECASE)[1])  # type: ignore[index]
    while len(body) < length:
        body += sock.recv(65536)
    return head


def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(pacs: PacsProcess):
    with connect(pacs) as sock:
        opened = time.monotonic()
        received, closed = read_until_closed(sock, HEADER_TIMEOUT + SLACK + 5)
    assert HEADER_TIMEOUT - 0.1 <= closed - opened <= HEADER_TIMEOUT + SLACK
    assert received == b""  # nothing was asked: no 408 (browsers open spare connections)


def test_slowloris_headers_are_cut_at_the_header_deadline_with_a_408(pacs: PacsProcess):
    with connect(pacs) as sock:
        opened = time.monotonic()
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: pacs\r\n")
        sock.settimeout(0.05)
        received = b""
        while time.monotonic() - opened < HEADER_TIMEOUT + SLACK + 5:
            try:
                sock.sendall(b"X-Slow: 1\r\n")  # one header line a second, never the blank line
            except (BrokenPipeError, ConnectionResetError):
                break
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                time.sleep(0.95)
                continue
            except ConnectionResetError:
                break
            received += chunk
            if not chunk:
                break
        closed = time.monotonic()
    assert HEADER_TIMEOUT - 0.1 <= closed - opened <= HEADER_TIMEOUT + SLACK
    assert received.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert b"application/problem+json" in received


def test_a_trickled_body_lives_and_a_stalled_one_is_closed_after_the_body_timeout(pacs: PacsProcess):
    boundary = b"XBOUNDARYX"
    with connect(pacs) as sock:
        sock.sendall(b"POST /dicom-web/studies HTTP/1.1\r\nHost: pacs\r\nContent-Length: 100000\r\n"
                     b'Content-Type: multipart/related; type="application/dicom"; boundary=' + boundary + b"\r\n\r\n"
                     b"--" + boundary + b"\r\nContent-Type: application/dicom\r\n\r\n")  # fmt: skip
        started = last_sent = time.monotonic()
        while time.monotonic() - started < 3 * BODY_TIMEOUT + 0.5:  # slow, but bytes keep coming: alive
            time.sleep(BODY_TIMEOUT / 3)
            sock.sendall(b"\0" * 100)
            last_sent = time.monotonic()
        received, closed = read_until_closed(sock, BODY_TIMEOUT + SLACK + 5)  # then nothing more
    assert BODY_TIMEOUT - 0.1 <= closed - last_sent <= BODY_TIMEOUT + SLACK
    assert received == b""
    deadline = time.monotonic() + 5
    while "connection closed before the request was complete" not in server_log(pacs) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "no complete request body within 1 s" in server_log(pacs)
    assert "Traceback" not in server_log(pacs)  # the interrupted STOW-RS is no server error


def test_an_idle_keep_alive_connection_is_closed_after_the_keep_alive_timeout(pacs: PacsProcess):
    with connect(pacs) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: pacs\r\n\r\n")
        assert one_response(sock).startswith(b"HTTP/1.1 200")
        answered = time.monotonic()
        received, closed = read_until_closed(sock, KEEP_ALIVE + SLACK + 5)
    assert KEEP_ALIVE - 0.1 <= closed - answered <= KEEP_ALIVE + SLACK
    assert received == b""


def test_connections_beyond_the_cap_are_answered_503_and_closed(pacs: PacsProcess):
    time.sleep(0.5)  # connections of earlier tests are gone
    held = [connect(pacs) for _ in range(MAX_CONNECTIONS)]
    try:
        for sock in held:
            sock.sendall(b"GET /health HTTP/1.1\r\n")  # begun, not finished: each holds a place
        time.sleep(0.3)
        with connect(pacs) as extra:
            extra.sendall(b"GET /health HTTP/1.1\r\nHost: pacs\r\n\r\n")
            received, _ = read_until_closed(extra, 5)
        assert received.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
        assert b"retry-after: 1" in received.lower() and b"application/problem+json" in received
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.5)
    with connect(pacs) as sock:  # places free again
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: pacs\r\n\r\n")
        assert one_response(sock).startswith(b"HTTP/1.1 200")


def test_a_slow_download_that_outlasts_every_timeout_is_not_cut(pacs: PacsProcess):
    path = f"/dicom-web/studies/{STUDY}/series/{SERIES}/instances/{SOP}"
    with connect(pacs, receive_buffer=16384) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: pacs\r\nAccept: multipart/related; type=\"application/dicom\"; "
                     "transfer-syntax=*\r\n\r\n".encode())  # fmt: skip
        sock.settimeout(10)
        started = time.monotonic()
        received = 0
        data = b""
        slow_until = started + HEADER_TIMEOUT + BODY_TIMEOUT + KEEP_ALIVE + 1
        while time.monotonic() < slow_until:  # ~2 MB/s: well past every deadline
            chunk = sock.recv(16384)
            assert chunk, f"cut after {received} bytes and {time.monotonic() - started:.1f} s"
            received += len(chunk)
            data = (data + chunk)[-200:]
            time.sleep(0.008)
        while not data.endswith(b"--\r\n\r\n0\r\n\r\n"):  # then the rest: closing boundary, last chunk
            chunk = sock.recv(1 << 20)
            assert chunk, f"cut after {received} bytes"
            received += len(chunk)
            data = (data + chunk)[-200:]
    assert received > BIG_PIXELS
