"""A lean Storage SCU association on a plain blocking socket: associate, C-STORE, release; one thread, no reactor.

Used for C-MOVE sub-operations, where pynetdicom's threaded association costs ~3 ms per object. It sends data
sets already encoded (stored files as they are) and reads only what a C-STORE needs back (PS3.8 9.3, PS3.7 9.3.1).
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from pynetdicom import PYNETDICOM_IMPLEMENTATION_UID, PYNETDICOM_IMPLEMENTATION_VERSION

from pypacs.dimse import pdata

APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1"
_REJECT_REASONS = {
    (1, 1): "no reason given", (1, 2): "application context name not supported",
    (1, 3): "calling AE title not recognised", (1, 7): "called AE title not recognised",
    (2, 1): "no reason given", (2, 2): "protocol version not supported",
    (3, 1): "temporary congestion", (3, 2): "local limit exceeded",
}  # fmt: skip


class AssociationFailed(Exception):
    """The association could not be set up or was lost; the message says why."""


@dataclass(frozen=True)
class AcceptedContext:
    context_id: int
    abstract_syntax: str
    transfer_syntax: str


@dataclass(frozen=True)
class StoreResponse:
    status: int
    error_comment: str | None = None


def _ae(title: str) -> bytes:
    return title.encode("ascii").ljust(16)[:16]


def _item(item_type: int, value: bytes) -> bytes:
    return struct.pack(">BxH", item_type, len(value)) + value


def associate_rq(calling_ae: str, called_ae: str, contexts: Sequence[tuple[str, Sequence[str]]], max_pdu: int) -> bytes:
    """An A-ASSOCIATE-RQ PDU proposing each (abstract syntax, transfer syntaxes) as context 1, 3, 5, ..."""
    items = [_item(0x10, APPLICATION_CONTEXT.encode())]
    for index, (abstract_syntax, transfer_syntaxes) in enumerate(contexts):
        sub_items = _item(0x30, abstract_syntax.encode())
        sub_items += b"".join(_item(0x40, syntax.encode()) for syntax in transfer_syntaxes)
        items.append(_item(0x20, struct.pack(">B3x", 2 * index + 1) + sub_items))
    user = (_item(0x51, struct.pack(">L", max_pdu)) + _item(0x52, PYNETDICOM_IMPLEMENTATION_UID.encode())
            + _item(0x55, PYNETDICOM_IMPLEMENTATION_VERSION.encode()))  # fmt: skip
    items.append(_item(0x50, user))
    body = struct.pack(">H2x16s16s32x", 1, _ae(called_ae), _ae(calling_ae)) + b"".join(items)
    return struct.pack(">BxL", 0x01, len(body)) + body


def parse_associate_ac(body: bytes, proposed: Sequence[tuple[str, Sequence[str]]]) -> tuple[list[AcceptedContext], int]:
    """The accepted contexts and the peer's maximum PDU length (0: none) from an A-ASSOCIATE-AC body."""
    accepted, max_pdu = [], 0
    offset = 68  # protocol version, reserved, AE titles, reserved
    while offset + 4 <= len(body):
        item_type, length = struct.unpack_from(">BxH", body, offset)
        value = body[offset + 4 : offset + 4 + length]
        offset += 4 + length
        if item_type == 0x21 and len(value) >= 4:
            context_id, result = value[0], value[2]
            index = (context_id - 1) // 2
            if result == 0 and context_id % 2 == 1 and index < len(proposed) and len(value) >= 8:
                ts_length = struct.unpack_from(">H", value, 6)[0]
                syntax = value[8 : 8 + ts_length].decode("ascii", "replace").rstrip("\x00 ")
                accepted.append(AcceptedContext(context_id, proposed[index][0], syntax))
        elif item_type == 0x50:
            sub = 0
            while sub + 4 <= len(value):
                sub_type, sub_length = struct.unpack_from(">BxH", value, sub)
                if sub_type == 0x51 and sub_length == 4:
                    max_pdu = struct.unpack_from(">L", value, sub + 4)[0]
                sub += 4 + sub_length
    return accepted, max_pdu


class StoreAssociation:
    """An established association on which this node is the Storage SCU."""

    def __init__(self, sock: socket.socket, accepted: list[AcceptedContext], peer_max_pdu: int) -> None:
        self._socket = sock
        self.accepted = accepted
        self.peer_max_pdu = peer_max_pdu
        self._open = True

    @classmethod
    def open(
        cls,
        host: str,
        port: int,
        *,
        calling_ae: str,
        called_ae: str,
        contexts: Sequence[tuple[str, Sequence[str]]],
        max_pdu: int,
        timeout: float,
    ) -> StoreAssociation:
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as error:
            raise AssociationFailed(f"cannot connect to {called_ae} at {host}:{port}: {error}") from error
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(associate_rq(calling_ae, called_ae, contexts, max_pdu))
            pdu_type, body = _read_pdu(sock, max_pdu)
            if pdu_type == 0x03:
                result, source, reason = body[1], body[2], body[3]
                why = _REJECT_REASONS.get((source, reason), f"source {source}, reason {reason}")
                kind = "permanently" if result == 1 else "transiently"
                raise AssociationFailed(f"{called_ae} at {host}:{port} rejected the association {kind}: {why}")
            if pdu_type != 0x02:
                raise AssociationFailed(f"{called_ae} at {host}:{port} answered the association request with PDU "
                                        f"type {pdu_type:#04x}")  # fmt: skip
            accepted, peer_max_pdu = parse_associate_ac(body, contexts)
        except BaseException:
            sock.close()
            raise
        return cls(sock, accepted, peer_max_pdu)

    def context_for(self, sop_class_uid: str, transfer_syntax_uid: str | None = None) -> AcceptedContext | None:
        for context in self.accepted:
            if context.abstract_syntax == sop_class_uid and transfer_syntax_uid in (None, context.transfer_syntax):
                return context
        return None

    def store(
        self,
        context: AcceptedContext,
        sop_instance_uid: str,
        data_set: bytes | memoryview,
        message_id: int,
        *,
        move_originator: tuple[str, int] | None = None,
    ) -> StoreResponse:
        """One C-STORE; the data set must be encoded in the context's transfer syntax."""
        command = pdata.c_store_request(context.abstract_syntax, sop_instance_uid, message_id, move_originator)
        self._send(pdata.message_bytes(context.context_id, command, data_set, self.peer_max_pdu))
        elements = pdata.read_command(self._read_command())
        status = pdata.us_value(elements, 0x00000900)
        if pdata.us_value(elements, 0x00000100) != pdata.C_STORE_RSP or status is None:
            self.abort()
            raise AssociationFailed("the peer answered a C-STORE with something other than a C-STORE response")
        return StoreResponse(status, pdata.text_value(elements, 0x00000902))

    def release(self) -> None:
        """A-RELEASE; the connection is closed whatever the peer does."""
        if not self._open:
            return
        try:
            self._socket.sendall(struct.pack(">BxLL", 0x05, 4, 0))
            pdu_type, _ = _read_pdu(self._socket, 0)
            while pdu_type == 0x04:  # late data before the release reply
                pdu_type, _ = _read_pdu(self._socket, 0)
        except (OSError, AssociationFailed):
            pass
        finally:
            self.close()

    def abort(self) -> None:
        if self._open:
            try:
                self._socket.sendall(struct.pack(">BxLBBBB", 0x07, 4, 0, 0, 0, 0))
            except OSError:
                pass
            self.close()

    def close(self) -> None:
        self._open = False
        self._socket.close()

    def _send(self, data: bytes) -> None:
        try:
            self._socket.sendall(data)
        except OSError as error:
            self.close()
            raise AssociationFailed(f"connection lost while sending: {error}") from error

    def _read_command(self) -> bytes:
        """Read P-DATA-TF PDUs until a whole command set has come (a C-STORE response has no data set)."""
        command = bytearray()
        while True:
            try:
                pdu_type, body = _read_pdu(self._socket, 0)
            except OSError as error:
                self.close()
                raise AssociationFailed(f"no C-STORE response: {error}") from error
            if pdu_type == 0x07:
                self.close()
                raise AssociationFailed("the peer aborted the association")
            if pdu_type != 0x04:
                self.abort()
                raise AssociationFailed(f"unexpected PDU type {pdu_type:#04x} while waiting for a C-STORE response")
            offset = 0
            while offset + 6 <= len(body):
                length = struct.unpack_from(">L", body, offset)[0]
                control = body[offset + 5]
                if control & 0x01:
                    command += body[offset + 6 : offset + 4 + length]
                    if control & 0x02:
                        return bytes(command)
                offset += 4 + length

    def __enter__(self) -> StoreAssociation:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.release()
        else:
            self.abort()


def _read_pdu(sock: socket.socket, max_length: int) -> tuple[int, bytes]:
    header = _read_exactly(sock, 6)
    pdu_type, length = struct.unpack(">BxL", header)
    limit = max(max_length, 1 << 20) * 2  # a response PDU is small; refuse what cannot be one
    if length > limit:
        raise AssociationFailed(f"PDU of {length} bytes exceeds {limit}")
    return pdu_type, _read_exactly(sock, length)


def _read_exactly(sock: socket.socket, count: int) -> bytes:
    data = bytearray()
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise AssociationFailed("the peer closed the connection")
        data += chunk
    return bytes(data)
