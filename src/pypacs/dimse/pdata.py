"""DIMSE messages as bytes: command sets, P-DATA-TF PDUs, and reading a command set back.

Pure encoding, no sockets: what `dimse.direct_send` and `dimse.store_association` write on the wire (PS3.7 E,
PS3.8 9.3.5). Command sets are always Implicit VR Little Endian; the data set is given already encoded.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

# Command Field values (PS3.7 E.1)
C_STORE_RQ, C_STORE_RSP = 0x0001, 0x8001
C_GET_RSP, C_FIND_RSP, C_MOVE_RSP = 0x8010, 0x8020, 0x8021
NO_DATA_SET, DATA_SET_PRESENT = 0x0101, 0x0001

# keyword -> (tag, kind); kind says how the value is written
_COMMAND_ELEMENTS: dict[str, tuple[int, str]] = {
    "AffectedSOPClassUID": (0x00000002, "UI"),
    "CommandField": (0x00000100, "US"),
    "MessageID": (0x00000110, "US"),
    "MessageIDBeingRespondedTo": (0x00000120, "US"),
    "MoveDestination": (0x00000600, "AE"),
    "Priority": (0x00000700, "US"),
    "CommandDataSetType": (0x00000800, "US"),
    "Status": (0x00000900, "US"),
    "ErrorComment": (0x00000902, "LO"),
    "AffectedSOPInstanceUID": (0x00001000, "UI"),
    "NumberOfRemainingSuboperations": (0x00001020, "US"),
    "NumberOfCompletedSuboperations": (0x00001021, "US"),
    "NumberOfFailedSuboperations": (0x00001022, "US"),
    "NumberOfWarningSuboperations": (0x00001023, "US"),
    "MoveOriginatorApplicationEntityTitle": (0x00001030, "AE"),
    "MoveOriginatorMessageID": (0x00001031, "US"),
}
PDV_OVERHEAD = 6  # PDV item length (4), presentation context ID (1), message control header (1)
UNLIMITED_FRAGMENT = 1 << 20  # fragment size when the peer set no maximum PDU length (0)


class MalformedCommand(ValueError):
    """A received command set cannot be parsed."""


def command_set(**fields: int | str | None) -> bytes:
    """A command set in Implicit VR Little Endian with its group length; None values are left out."""
    body = bytearray()
    for tag, kind, value in sorted(
        (*_COMMAND_ELEMENTS[keyword], value) for keyword, value in fields.items() if value is not None
    ):
        if kind == "US":
            data = struct.pack("<H", value)
        else:
            data = str(value).encode("ascii" if kind != "LO" else "latin-1", "replace")
            if len(data) % 2:
                data += b"\x00" if kind == "UI" else b" "
        body += struct.pack("<HHL", tag >> 16, tag & 0xFFFF, len(data)) + data
    return struct.pack("<HHLL", 0, 0, 4, len(body)) + bytes(body)


def c_store_request(
    sop_class_uid: str, sop_instance_uid: str, message_id: int, move_originator: tuple[str, int] | None = None
) -> bytes:
    """The command set of a C-STORE-RQ (with the Move Originator when it is a C-MOVE sub-operation)."""
    originator_ae, originator_id = move_originator if move_originator else (None, None)
    return command_set(
        AffectedSOPClassUID=sop_class_uid, CommandField=C_STORE_RQ, MessageID=message_id, Priority=0,
        CommandDataSetType=DATA_SET_PRESENT, AffectedSOPInstanceUID=sop_instance_uid,
        MoveOriginatorApplicationEntityTitle=originator_ae, MoveOriginatorMessageID=originator_id,
    )  # fmt: skip


def pdus(
    context_id: int, command: bytes, data_set: bytes | memoryview | None, max_pdu: int
) -> Iterator[bytes | memoryview]:
    """The P-DATA-TF PDUs of one message as header and fragment buffers, one PDV each, none longer than the
    peer's maximum PDU length (0: no limit)."""
    fragment = (max_pdu - PDV_OVERHEAD) if max_pdu else UNLIMITED_FRAGMENT
    if fragment < 1:
        raise ValueError(f"maximum PDU length {max_pdu} leaves no room for data")
    yield from _fragments(context_id, memoryview(command), fragment, is_command=True)
    if data_set is not None:
        yield from _fragments(context_id, memoryview(data_set), fragment, is_command=False)


def data_set_pdus(context_id: int, data_set: bytes | memoryview, max_pdu: int) -> Iterator[bytes | memoryview]:
    """The PDUs of a data set alone (its command sent before)."""
    fragment = (max_pdu - PDV_OVERHEAD) if max_pdu else UNLIMITED_FRAGMENT
    yield from _fragments(context_id, memoryview(data_set), fragment, is_command=False)


def single_pdu_header(context_id: int, length: int, *, is_command: bool) -> bytes:
    """The header of a P-DATA-TF PDU carrying a whole command or data set of `length` bytes in one PDV."""
    control = 0x03 if is_command else 0x02
    return _HEADER.pack(0x04, length + PDV_OVERHEAD, length + 2, context_id, control)


_HEADER = struct.Struct(">BxLLBB")


def message_bytes(context_id: int, command: bytes, data_set: bytes | memoryview | None, max_pdu: int) -> bytes:
    return b"".join(pdus(context_id, command, data_set, max_pdu))


def _fragments(context_id: int, data: memoryview, fragment: int, *, is_command: bool) -> Iterator[bytes | memoryview]:
    total = len(data)
    start = 0
    while True:
        piece = data[start : start + fragment]
        start += len(piece)
        control = (0x01 if is_command else 0x00) | (0x02 if start >= total else 0x00)
        yield _HEADER.pack(0x04, len(piece) + PDV_OVERHEAD, len(piece) + 2, context_id, control)
        yield piece
        if start >= total:
            return


def read_command(data: bytes) -> dict[int, bytes]:
    """The elements of an Implicit VR Little Endian command set, tag -> raw value."""
    elements: dict[int, bytes] = {}
    offset = 0
    while offset < len(data):
        if offset + 8 > len(data):
            raise MalformedCommand("command set ends inside an element header")
        group, element, length = struct.unpack_from("<HHL", data, offset)
        offset += 8
        if offset + length > len(data):
            raise MalformedCommand(f"command element ({group:04X},{element:04X}) is longer than the command set")
        elements[(group << 16) | element] = data[offset : offset + length]
        offset += length
    return elements


def us_value(elements: dict[int, bytes], tag: int) -> int | None:
    value = elements.get(tag)
    return struct.unpack("<H", value[:2])[0] if value is not None and len(value) >= 2 else None


def text_value(elements: dict[int, bytes], tag: int) -> str | None:
    value = elements.get(tag)
    return value.decode("latin-1").rstrip("\x00 ") if value is not None else None
