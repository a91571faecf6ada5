"""DirectWriter: messages written straight to an association's socket, in order, within the peer's PDU limit."""

from __future__ import annotations

import queue
import socket
import struct
from types import SimpleNamespace

import pytest
from pynetdicom.timer import Timer

from pypacs.dimse import pdata
from pypacs.dimse.direct_send import DirectWriter, PeerGone


def fake_association(sock: socket.socket, max_pdu: int) -> SimpleNamespace:
    association_socket = SimpleNamespace(socket=sock, event_queue=queue.Queue())
    dul = SimpleNamespace(socket=association_socket, _idle_timer=Timer(60))
    return SimpleNamespace(dul=dul, dimse=SimpleNamespace(maximum_pdu_size=max_pdu))


def read_messages(sock: socket.socket) -> list[tuple[bytes, bytes]]:
    """(command, data set) of each message in what arrived, checking every PDU against the limit of 256."""
    sock.settimeout(2)
    stream = b""
    while chunk := sock.recv(1 << 16):
        stream += chunk
    messages, command, data, offset = [], b"", b"", 0
    while offset < len(stream):
        pdu_type, length = struct.unpack_from(">BxL", stream, offset)
        assert pdu_type == 0x04 and length <= 256
        control = stream[offset + 11]
        fragment = stream[offset + 12 : offset + 6 + length]
        if control & 0x01:
            command += fragment
        else:
            data += fragment
            if control & 0x02:
                messages.append((command, data))
                command, data = b"", b""
        offset += 6 + length
    return messages


@pytest.mark.parametrize("in_batches", [False, True])
@pytest.mark.parametrize("data_size", [10, 250, 1000])  # one PDU, just over, several PDUs
def test_batched_messages_with_one_command_arrive_whole_and_in_order(data_size: int, in_batches: bool):
    ours, theirs = socket.socketpair()
    writer = DirectWriter(fake_association(ours, 256))  # type: ignore[arg-type]
    command = pdata.command_set(CommandField=pdata.C_FIND_RSP, Status=0xFF00, CommandDataSetType=1)
    command_pdu = pdata.message_bytes(3, command, None, 256)
    data_sets = [bytes([number]) * data_size for number in range(5)]
    if in_batches:
        writer.add_results(3, command_pdu, data_sets[:2] + [b"x" * 10])
        writer.add_results(3, command_pdu, data_sets[2:])
        data_sets.insert(2, b"x" * 10)
    else:
        for data_set in data_sets:
            writer.add_with_command_pdu(3, command_pdu, data_set)
    writer.send(3, pdata.command_set(CommandField=pdata.C_FIND_RSP, Status=0), b"final")
    ours.close()
    assert read_messages(theirs) == [(command, data_set) for data_set in data_sets] + [
        (pdata.command_set(CommandField=pdata.C_FIND_RSP, Status=0), b"final")
    ]


def test_a_closed_connection_is_reported_and_told_to_pynetdicom():
    ours, theirs = socket.socketpair()
    association = fake_association(ours, 0)
    theirs.close()
    writer = DirectWriter(association)  # type: ignore[arg-type]
    with pytest.raises(PeerGone):
        for _ in range(100):  # the first writes may still be buffered by the kernel
            writer.send(1, b"x" * 65536)
    assert association.dul.socket.event_queue.get_nowait() == "Evt17"
