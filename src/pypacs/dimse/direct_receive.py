"""Reading the C-STORE responses of a C-GET's sub-operations straight from the socket, past pynetdicom's reader.

pynetdicom's reader thread polls, decodes into primitives and queues: ~0.6 ms per response. While a HeldReader
holds an association's socket, pynetdicom's reader leaves it alone (dimse.guards); the holder reads PDUs itself,
keeps the C-STORE response it waits for and hands every other PDU (a C-CANCEL, an A-ABORT...) to pynetdicom
as if its reader had read it. Plain TCP only, like dimse.direct_send.
"""

from __future__ import annotations

import select
import struct
import time
from types import TracebackType

from pynetdicom.association import Association

from pypacs.dimse import guards, pdata
from pypacs.dimse.direct_send import PeerGone

P_DATA_TF = 0x04
_STATUS, _COMMAND_FIELD, _RESPONDED_TO = 0x00000900, 0x00000100, 0x00000120


class HeldReader:
    """`with HeldReader(assoc) as reader: reader.store_response(message_id, timeout)`."""

    def __init__(self, assoc: Association) -> None:
        self._assoc = assoc
        self._socket = assoc.dul.socket
        self._limit = guards.pdu_length_limit(P_DATA_TF, assoc.ae.maximum_pdu_size)

    def __enter__(self) -> HeldReader:
        with guards.reader_lock(self._socket):  # waits for a read in progress to end
            guards.set_held(self._socket, True)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        guards.set_held(self._socket, False)

    def store_response(self, message_id: int, timeout: float) -> int:
        """The status of the C-STORE response to `message_id`; other PDUs go on to pynetdicom."""
        deadline = time.monotonic() + timeout
        command, held_back = bytearray(), []
        while True:
            data = self._read_pdu(deadline)
            if data[0] != P_DATA_TF:
                self._deliver(data)  # A-ABORT, A-RELEASE-RQ...: pynetdicom acts on it
                if not self._assoc.is_established:
                    raise PeerGone("the association ended during a C-GET")
                continue
            complete, has_data_set = self._collect(data, command)
            held_back.append(data)
            if not complete:
                continue
            elements = pdata.read_command(bytes(command))
            if (
                not has_data_set
                and pdata.us_value(elements, _COMMAND_FIELD) == pdata.C_STORE_RSP
                and pdata.us_value(elements, _RESPONDED_TO) == message_id
            ):
                status = pdata.us_value(elements, _STATUS)
                return 0xC000 if status is None else status
            for pdu in held_back:  # a C-CANCEL or another message: pynetdicom's to handle
                self._deliver(pdu)
            command, held_back = bytearray(), []

    @staticmethod
    def _collect(data: bytes, command: bytearray) -> tuple[bool, bool]:
        """Add the command fragments of a P-DATA-TF PDU; (command complete, data set fragments seen)."""
        offset, complete, has_data_set = 6, False, False
        while offset + 6 <= len(data):
            length = struct.unpack_from(">L", data, offset)[0]
            control = data[offset + 5]
            if control & 0x01:
                command += data[offset + 6 : offset + 4 + length]
                complete = complete or bool(control & 0x02)
            else:
                has_data_set = True
            offset += 4 + length
        return complete, has_data_set

    def _deliver(self, data: bytes) -> None:
        guards.deliver_pdu(self._assoc.dul, data)

    def _read_pdu(self, deadline: float) -> bytes:
        header = self._read(6, deadline)
        pdu_type, length = struct.unpack(">BxL", header)
        if pdu_type not in guards.PDU_TYPES or length > self._limit:
            self._assoc.dul.event_queue.put("Evt19")  # invalid PDU: pynetdicom aborts
            raise PeerGone(f"invalid PDU (type {pdu_type:#04x}, {length} bytes) during a C-GET")
        data = header + self._read(length, deadline)
        self._assoc.dul._idle_timer.restart()  # pynetdicom's network_timeout counts from the last PDU read
        return data

    def _read(self, count: int, deadline: float) -> bytes:
        raw = self._socket.socket if self._socket is not None else None
        data = bytearray()
        while len(data) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._assoc.abort()
                raise PeerGone("no C-STORE response in time: association aborted")
            if raw is None or not select.select([raw], [], [], min(remaining, 0.5))[0]:
                if raw is None or not self._assoc.is_established:
                    raise PeerGone("the association ended during a C-GET")
                continue
            try:
                chunk = raw.recv(count - len(data))
            except OSError:
                chunk = b""
            if not chunk:
                self._assoc.dul.event_queue.put("Evt17")  # transport connection closed
                raise PeerGone("the peer closed the connection during a C-GET")
            data += chunk
        return bytes(data)
