"""Hostile or broken peers: garbage bytes, PDUs longer than allowed, oversized messages. Each gets an
A-ABORT (or a closed connection) before anything large is read, nothing is stored, and the node keeps serving."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pynetdicom import AE
from pynetdicom.sop_class import CTImageStorage, Verification  # type: ignore[attr-defined]

from pypacs.archive.service import Archive
from pypacs.config import load_settings
from pypacs.dimse.guards import pdu_length_limit
from pypacs.dimse.server import DimseServer, start_dimse
from tests.conftest import make_dataset

A_ABORT = 0x07


@pytest.fixture
def node(tmp_path: Path) -> Iterator[tuple[Archive, DimseServer]]:
    settings = load_settings(None, data_dir=tmp_path / "data", dimse_port=0, max_pdu_size=65536,
                             max_message_size=1024 * 1024)  # fmt: skip
    with Archive.open(settings) as archive:
        server = start_dimse(settings, archive)
        try:
            yield archive, server
        finally:
            server.stop()


def still_serving(port: int) -> bool:
    ae = AE(ae_title="CHECK")
    ae.add_requested_context(Verification)
    assoc = ae.associate("127.0.0.1", port, ae_title="PYPACS")
    ok = assoc.is_established and assoc.send_c_echo().Status == 0x0000
    assoc.release()
    return ok


def ended(assoc, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    """Whether the association ends (the peer aborted it) within the timeout."""
    deadline = time.monotonic() + timeout
    while assoc.is_established and time.monotonic() < deadline:
        time.sleep(0.05)
    return not assoc.is_established


def send_raw(port: int, data: bytes, timeout: float = 5.0) -> bytes:
    """Send bytes on a fresh connection; return what the server answers before closing (or the timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(4096)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            received += chunk
        return received


def test_garbage_bytes_on_the_port_get_an_abort(node):
    _archive, server = node
    answer = send_raw(server.port, b"GET / HTTP/1.1\r\nHost: pacs\r\n\r\n")
    assert answer[:1] == bytes([A_ABORT])
    assert still_serving(server.port)


def test_an_associate_request_announcing_gigabytes_is_refused_from_its_header(node):
    _archive, server = node
    started = time.monotonic()
    answer = send_raw(server.port, struct.pack(">BBL", 0x01, 0, 0x7FFFFFFF))  # and no body at all
    assert answer[:1] == bytes([A_ABORT])
    assert time.monotonic() - started < 3  # not waiting for 2 GB that will never come
    assert still_serving(server.port)


def test_a_data_pdu_longer_than_our_maximum_aborts_the_association(node):
    _archive, server = node
    ae = AE(ae_title="BIGPDU")
    ae.add_requested_context(Verification)
    assoc = ae.associate("127.0.0.1", server.port, ae_title="PYPACS")
    assert assoc.is_established
    assert assoc.acceptor.maximum_length == 65536
    raw = assoc.dul.socket.socket
    raw.sendall(struct.pack(">BBL", 0x04, 0, 65536 + 1) + bytes(1024))
    assert ended(assoc)
    assert still_serving(server.port)


def test_a_command_set_that_never_ends_aborts_the_association(node):
    _archive, server = node
    ae = AE(ae_title="ENDLESS")
    ae.add_requested_context(Verification)
    assoc = ae.associate("127.0.0.1", server.port, ae_title="PYPACS")
    context_id = assoc.accepted_contexts[0].context_id
    fragment = bytes(30000)
    pdv = struct.pack(">LBB", len(fragment) + 2, context_id, 0x01) + fragment  # command, not the last fragment
    raw = assoc.dul.socket.socket
    for _ in range(4):
        if assoc.is_aborted:
            break
        raw.sendall(struct.pack(">BBL", 0x04, 0, len(pdv)) + pdv)
        time.sleep(0.05)
    assert ended(assoc)
    assert still_serving(server.port)


def test_an_object_over_the_message_size_limit_aborts_and_stores_nothing(node):
    archive, server = node
    ae = AE(ae_title="HUGE")
    ae.add_requested_context(CTImageStorage)
    assoc = ae.associate("127.0.0.1", server.port, ae_title="PYPACS")
    big = make_dataset(Rows=1024, Columns=1024, PixelData=bytes(2 * 1024 * 1024))
    response = assoc.send_c_store(big)
    assert "Status" not in response  # no answer: the association was aborted mid-message
    assert ended(assoc)
    assert archive.counts().instances == 0
    assert still_serving(server.port)


def test_limits_per_pdu_type():
    assert pdu_length_limit(0x04, 16384) == 16384
    assert pdu_length_limit(0x04, 0) == 64 * 1024 * 1024
    assert pdu_length_limit(0x01, 16384) == 1024 * 1024
    assert pdu_length_limit(0x05, 16384) == 64
