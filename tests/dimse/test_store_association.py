"""The lean Storage SCU association (C-MOVE sub-operations) against a pynetdicom Storage SCP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO

import pytest
from pydicom import dcmread
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE, evt
from pynetdicom.events import Event
from pynetdicom.sop_class import CTImageStorage, MRImageStorage  # type: ignore[attr-defined]

from pypacs.dicom.part10 import data_set_offset
from pypacs.dimse.store_association import AssociationFailed, StoreAssociation
from tests.conftest import make_object
from tests.interop.conftest import free_port


@dataclass
class Receiver:
    port: int
    received: list[tuple[bytes, str, int]] = field(default_factory=list)  # Part 10 bytes, originator AE and ID
    answer: int = 0x0000


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    ae = AE(ae_title="STORESCP")
    ae.require_called_aet = True
    ae.add_supported_context(CTImageStorage, [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
    state = Receiver(free_port())

    def on_store(event: Event) -> int:
        request = event.request
        state.received.append((event.encoded_dataset(include_meta=True),
                               str(request.MoveOriginatorApplicationEntityTitle or ""),
                               int(request.MoveOriginatorMessageID or 0)))  # fmt: skip
        return state.answer

    server = ae.start_server(("127.0.0.1", state.port), block=False, evt_handlers=[(evt.EVT_C_STORE, on_store)])
    try:
        yield state
    finally:
        server.shutdown()


def open_to(port: int, called: str = "STORESCP", contexts=None) -> StoreAssociation:  # type: ignore[no-untyped-def]
    contexts = contexts or [(CTImageStorage, [ExplicitVRLittleEndian]), (MRImageStorage, [ExplicitVRLittleEndian])]
    return StoreAssociation.open("127.0.0.1", port, calling_ae="PYPACS", called_ae=called, contexts=contexts,
                                 max_pdu=16384, timeout=10)  # fmt: skip


def test_stored_objects_arrive_byte_for_byte_with_their_move_originator(receiver: Receiver):
    objects = [make_object(InstanceNumber=number) for number in range(3)]
    with open_to(receiver.port) as association:
        assert association.context_for(MRImageStorage) is None  # proposed, not supported by the receiver
        context = association.context_for(CTImageStorage, ExplicitVRLittleEndian)
        assert context is not None and association.peer_max_pdu > 0
        for number, data in enumerate(objects):
            sop_instance = str(dcmread(BytesIO(data)).SOPInstanceUID)
            response = association.store(context, sop_instance, memoryview(data)[data_set_offset(data) :],
                                         number + 1, move_originator=("MOVESCU", 42))  # fmt: skip
            assert (response.status, response.error_comment) == (0x0000, None)
    assert len(receiver.received) == 3
    for data, (received, originator, originator_id) in zip(objects, receiver.received, strict=True):
        assert received[data_set_offset(received) :] == data[data_set_offset(data) :]
        assert (originator, originator_id) == ("MOVESCU", 42)


def test_a_failure_status_is_reported_as_the_peer_gave_it(receiver: Receiver):
    receiver.answer = 0xA700
    data = make_object()
    with open_to(receiver.port) as association:
        context = association.context_for(CTImageStorage)
        assert context is not None
        response = association.store(context, str(dcmread(BytesIO(data)).SOPInstanceUID),
                                     data[data_set_offset(data) :], 1)  # fmt: skip
    assert response.status == 0xA700


def test_a_wrong_called_ae_title_is_a_rejection_with_its_reason(receiver: Receiver):
    with pytest.raises(AssociationFailed, match="rejected the association permanently: called AE title not recog"):
        open_to(receiver.port, called="NOTTHEONE")


def test_nobody_listening_is_a_clear_failure():
    with pytest.raises(AssociationFailed, match="cannot connect to STORESCP at 127.0.0.1"):
        open_to(free_port())
