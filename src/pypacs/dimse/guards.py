"""Limits pynetdicom does not enforce on what a peer sends: PDU lengths and the size of one DIMSE message.

pynetdicom trusts a PDU's length field and buffers any message whole. Here a PDU longer than we allow is
refused from its 6-byte header, before its body is read, and a message that grows past its limit is dropped;
both abort the association (A-ABORT, invalid PDU) so other associations are untouched. Reads take a per-socket
lock, so that a C-GET can read its sub-operation responses itself (dimse.direct_receive) without a race.
"""

from __future__ import annotations

import logging
import select
import struct
import threading
from typing import Any

from pynetdicom import dimse, dul

log = logging.getLogger(__name__)

A_ASSOCIATE_RQ, A_ASSOCIATE_AC, A_ASSOCIATE_RJ, P_DATA_TF = 0x01, 0x02, 0x03, 0x04
PDU_TYPES = (0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07)
MAX_ASSOCIATE_PDU = 1024 * 1024  # an A-ASSOCIATE with 128 contexts of 30 transfer syntaxes needs ~110 KB
MAX_SMALL_PDU = 64  # A-ASSOCIATE-RJ, A-RELEASE-RQ/RP and A-ABORT have 4-byte bodies
UNLIMITED_PDATA = 64 * 1024 * 1024  # when we advertise 0 (no limit), still never buffer more per PDU
MAX_COMMAND_SET = 64 * 1024  # a DIMSE command set is a few hundred bytes
DEFAULT_MAX_MESSAGE = 1024 * 1024 * 1024

_installed = False
_locks_guard = threading.Lock()


def pdu_length_limit(pdu_type: int, advertised_maximum: int) -> int:
    """The longest body (PDU length field) accepted for a PDU type, given our advertised maximum length."""
    if pdu_type == P_DATA_TF:
        return advertised_maximum or UNLIMITED_PDATA
    if pdu_type in (A_ASSOCIATE_RQ, A_ASSOCIATE_AC):
        return MAX_ASSOCIATE_PDU
    return MAX_SMALL_PDU


def _peer(provider: Any) -> str:
    assoc = provider.assoc
    try:
        peer = assoc.requestor if assoc.is_acceptor else assoc.acceptor
        return f"{peer.ae_title or '?'} ({peer.address}:{peer.port})"
    except Exception:  # the association may not be negotiated yet
        return "peer"


def socket_lock(sock: Any, purpose: str) -> threading.Lock:
    """A lock kept on an association socket for one purpose ("read", "send"), made on first use."""
    attribute = f"_pypacs_{purpose}_lock"
    lock: threading.Lock | None = getattr(sock, attribute, None)
    if lock is None:
        with _locks_guard:
            lock = getattr(sock, attribute, None)
            if lock is None:
                lock = threading.Lock()
                setattr(sock, attribute, lock)
    return lock


def reader_lock(sock: Any) -> threading.Lock:
    """The lock around every PDU read on an association socket: pynetdicom's reader and a held reader
    (dimse.direct_receive) never read at the same time."""
    return socket_lock(sock, "read")


def set_held(sock: Any, held: bool) -> None:
    """While held, pynetdicom's reader leaves the socket alone (the holder reads and hands on what isn't its)."""
    sock._pypacs_reader_held = held


def _has_data(sock: Any) -> bool:
    raw = sock.socket
    if raw is None:
        return False
    try:
        return bool(select.select([raw], [], [], 0)[0])
    except (OSError, ValueError):
        return True  # let the read find out and report the closed connection


def _read_pdu_guarded(self: dul.DULServiceProvider) -> None:
    """DULServiceProvider._read_pdu_data with the length field checked before the body is read, and not while
    another reader holds the socket (or after it took the data that made the socket ready)."""
    sock = self.socket
    assert sock is not None
    with reader_lock(sock):
        if getattr(sock, "_pypacs_reader_held", False) or not _has_data(sock):
            return
        _read_one_pdu(self, sock)


def _read_one_pdu(self: dul.DULServiceProvider, sock: Any) -> None:
    try:
        header = sock.recv(6)
    except (OSError, TimeoutError):
        self.event_queue.put("Evt17")  # transport connection closed
        return
    if len(header) < 6:
        self.event_queue.put("Evt17")
        return
    pdu_type, _, length = struct.unpack(">BBL", header)
    if pdu_type not in PDU_TYPES:
        log.warning("%s sent bytes that are not a DICOM PDU (type 0x%02X): aborting", _peer(self), pdu_type)
        self.event_queue.put("Evt19")  # invalid PDU: A-ABORT
        return
    limit = pdu_length_limit(pdu_type, self.assoc.ae.maximum_pdu_size)
    if length > limit:
        log.warning(
            "%s sent a PDU of type 0x%02X announcing %d bytes, over the %d allowed: aborting",
            _peer(self), pdu_type, length, limit,
        )  # fmt: skip
        self.event_queue.put("Evt19")
        return
    try:
        body = sock.recv(length)
    except (OSError, TimeoutError):
        self.event_queue.put("Evt17")
        return
    if len(body) != length:
        log.warning("%s closed the connection in the middle of a PDU", _peer(self))
        self.event_queue.put("Evt17")
        return
    deliver_pdu(self, bytes(header) + bytes(body))


def deliver_pdu(provider: dul.DULServiceProvider, data: bytes) -> None:
    """Hand a whole PDU read from the socket to pynetdicom's state machine, as its own reader does."""
    try:
        pdu, event = provider._decode_pdu(bytearray(data))
    except Exception as error:
        log.warning("%s sent a PDU that cannot be decoded (%s): aborting", _peer(provider), error)
        provider.event_queue.put("Evt19")
        return
    provider.event_queue.put(event)
    provider._recv_pdu.put(pdu)


def _receive_primitive_guarded(original: Any) -> Any:
    def receive_primitive(self: dimse.DIMSEServiceProvider, primitive: Any) -> None:
        message = self.message
        if message is not None:
            limit = getattr(self.assoc.ae, "maximum_message_size", DEFAULT_MAX_MESSAGE)
            values = primitive.presentation_data_value_list
            commands = sum(len(value) for _, value in values if value[:1] and value[0] & 1)
            data = sum(len(value) for _, value in values) - commands
            if message.encoded_command_set.tell() + commands > MAX_COMMAND_SET:
                return _refuse(self, f"a DIMSE command set over {MAX_COMMAND_SET} bytes")
            buffered = message.data_set.tell() if message.data_set is not None else 0
            if buffered + data > limit:
                return _refuse(self, f"a DIMSE message over the {limit} bytes allowed (max_message_size)")
        original(self, primitive)

    return receive_primitive


def _refuse(provider: dimse.DIMSEServiceProvider, what: str) -> None:
    log.warning("%s sent %s: aborting the association", _peer(provider), what)
    provider.message = None  # free what was buffered
    provider.dul.event_queue.put("Evt19")


def install() -> None:
    """Guard pynetdicom's PDU reader and message assembly (idempotent, process-wide)."""
    global _installed
    if _installed:
        return
    dul.DULServiceProvider._read_pdu_data = _read_pdu_guarded  # type: ignore[method-assign]
    original = dimse.DIMSEServiceProvider.receive_primitive
    dimse.DIMSEServiceProvider.receive_primitive = _receive_primitive_guarded(original)  # type: ignore[method-assign]
    _installed = True
