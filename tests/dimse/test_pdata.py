"""DIMSE messages encoded by pypacs are what pynetdicom encodes and decodes: command sets, PDU fragmentation."""

from __future__ import annotations

import struct
from io import BytesIO

import pytest
from pynetdicom.dimse_messages import C_STORE_RQ
from pynetdicom.dimse_primitives import C_STORE
from pynetdicom.dsutils import decode

from pypacs.dimse import pdata

CT = "1.2.840.10008.5.1.4.1.1.2"


def pynetdicom_c_store_command(message_id: int, instance: str, originator: tuple[str, int] | None) -> bytes:
    primitive = C_STORE()
    primitive.MessageID, primitive.Priority = message_id, 0
    primitive.AffectedSOPClassUID, primitive.AffectedSOPInstanceUID = CT, instance
    if originator:
        primitive.MoveOriginatorApplicationEntityTitle, primitive.MoveOriginatorMessageID = originator
    primitive.DataSet = BytesIO(b"\x00" * 8)
    message = C_STORE_RQ()
    message.primitive_to_message(primitive)
    [command_pdv] = [pdv for pdu in message.encode_msg(1, 0) for pdv in pdu.presentation_data_value_list
                     if pdv[1][0] & 0x01]  # fmt: skip
    return bytes(command_pdv[1][1:])


@pytest.mark.parametrize("originator", [None, ("MOVESCU", 7)])
@pytest.mark.parametrize("instance", ["1.2.3.4", "1.2.3.45"])  # even and odd UID lengths (padding)
def test_a_c_store_command_set_is_byte_for_byte_pynetdicoms(originator: tuple[str, int] | None, instance: str):
    ours = pdata.command_set(
        AffectedSOPClassUID=CT, CommandField=pdata.C_STORE_RQ, MessageID=513, Priority=0,
        CommandDataSetType=pdata.DATA_SET_PRESENT, AffectedSOPInstanceUID=instance,
        MoveOriginatorApplicationEntityTitle=originator[0] if originator else None,
        MoveOriginatorMessageID=originator[1] if originator else None,
    )  # fmt: skip
    assert ours == pynetdicom_c_store_command(513, instance, originator)


def test_a_response_command_set_reads_back_with_pydicom_and_with_read_command():
    command = pdata.command_set(
        AffectedSOPClassUID=CT, CommandField=pdata.C_MOVE_RSP, MessageIDBeingRespondedTo=9,
        CommandDataSetType=pdata.NO_DATA_SET, Status=0xFF00, ErrorComment="odd", NumberOfRemainingSuboperations=3,
        NumberOfCompletedSuboperations=2, NumberOfFailedSuboperations=1, NumberOfWarningSuboperations=0,
    )  # fmt: skip
    ds = decode(BytesIO(command), True, True)
    assert ds.CommandGroupLength == len(command) - 12
    assert (ds.CommandField, ds.MessageIDBeingRespondedTo, ds.Status) == (0x8021, 9, 0xFF00)
    assert (ds.NumberOfRemainingSuboperations, ds.NumberOfCompletedSuboperations) == (3, 2)
    assert ds.ErrorComment == "odd"
    elements = pdata.read_command(command)
    assert pdata.us_value(elements, 0x00000900) == 0xFF00
    assert pdata.text_value(elements, 0x00000902) == "odd"


def parse_pdus(stream: bytes) -> list[tuple[int, int, bytes]]:
    """(PDU length, control header, fragment) of each P-DATA-TF PDU in a byte stream."""
    found, offset = [], 0
    while offset < len(stream):
        pdu_type, length = struct.unpack_from(">BxL", stream, offset)
        assert pdu_type == 0x04
        pdv_length, context_id, control = struct.unpack_from(">LBB", stream, offset + 6)
        assert pdv_length == length - 4 and context_id == 5
        found.append((length, control, stream[offset + 12 : offset + 6 + length]))
        offset += 6 + length
    return found


@pytest.mark.parametrize("max_pdu", [16384, 4096, 0])
def test_a_message_is_cut_into_pdus_no_longer_than_the_peers_maximum(max_pdu: int):
    command = pdata.command_set(CommandField=pdata.C_STORE_RQ, MessageID=1)
    data_set = bytes(range(256)) * 400  # 102,400 bytes
    found = parse_pdus(pdata.message_bytes(5, command, data_set, max_pdu))
    assert all(length <= (max_pdu or 1 << 30) for length, _, _ in found)
    assert [control for _, control, _ in found if control & 0x01] == [0x03]  # the command: one last fragment
    data_controls = [control for _, control, _ in found if not control & 0x01]
    assert data_controls == [0x00] * (len(data_controls) - 1) + [0x02]  # only the last data fragment says so
    assert b"".join(fragment for _, control, fragment in found if not control & 0x01) == data_set
    if max_pdu == 16384:
        assert len(data_controls) == -(-len(data_set) // (16384 - 6))


def test_a_truncated_command_set_is_refused():
    command = pdata.command_set(CommandField=pdata.C_STORE_RSP, Status=0)
    with pytest.raises(pdata.MalformedCommand):
        pdata.read_command(command[:-1])
