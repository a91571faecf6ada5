"""A running `pypacs serve` against difficult SCUs: C-CANCEL in the middle of a C-MOVE and a C-GET, malformed
identifiers, unsupported SOP classes, a peer that vanishes mid-object. Each is answered properly or ends only
its own association; the server keeps serving."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from io import BytesIO

import pytest
from pydicom.dataset import Dataset
from pynetdicom import AE, build_role, evt
from pynetdicom.dimse_messages import C_STORE_RQ
from pynetdicom.dimse_primitives import C_STORE
from pynetdicom.pdu import P_DATA_TF
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    CTImageStorage,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
    Verification,
)

from tests.conftest import encode, make_dataset
from tests.interop.conftest import PacsProcess, free_port, pypacs_cli, start_pacs, stop_pacs

pytestmark = pytest.mark.interop

STUDY = "1.2.826.0.1.5151"
IMAGES = 200
SLOW = 0.02  # seconds each received C-STORE takes at the slow receivers


def slow_store(received: list[str]):  # type: ignore[no-untyped-def]
    def handler(event) -> int:  # type: ignore[no-untyped-def]
        time.sleep(SLOW)
        received.append(str(event.request.AffectedSOPInstanceUID))
        return 0x0000

    return handler


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PacsProcess, int, list[str]]]:
    root = tmp_path_factory.mktemp("robust")
    images = root / "images"
    images.mkdir()
    for number in range(IMAGES):
        make_dataset(PatientID="ROBUST", StudyInstanceUID=STUDY, SeriesInstanceUID=f"{STUDY}.1",
                     SOPInstanceUID=f"{STUDY}.1.{number}", InstanceNumber=number + 1).save_as(
            images / f"{number}.dcm", enforce_file_format=True)  # fmt: skip
    assert pypacs_cli("import", str(images), "--data-dir", str(root / "data")).returncode == 0
    received: list[str] = []
    destination = AE(ae_title="SLOWDEST")
    destination.add_supported_context(CTImageStorage)
    port = free_port()
    server = destination.start_server(("127.0.0.1", port), block=False,
                                      evt_handlers=[(evt.EVT_C_STORE, slow_store(received))])  # fmt: skip
    config = root / "pypacs.toml"
    config.write_text(f'[[remote_aes]]\ntitle = "SLOWDEST"\nhost = "127.0.0.1"\nport = {port}\n')
    pacs = start_pacs(root / "data", "--config", str(config))
    try:
        yield pacs, port, received
    finally:
        stop_pacs(pacs)
        server.shutdown()


def associate(pacs: PacsProcess, handlers=None, roles=None):  # type: ignore[no-untyped-def]
    ae = AE(ae_title="ROBUSTSCU")
    for context in (Verification, CTImageStorage, StudyRootQueryRetrieveInformationModelFind,
                    StudyRootQueryRetrieveInformationModelGet, StudyRootQueryRetrieveInformationModelMove):  # fmt: skip
        ae.add_requested_context(context)
    assoc = ae.associate("127.0.0.1", pacs.dimse_port, ae_title="PYPACS", evt_handlers=handlers or [],
                         ext_neg=roles or [])  # fmt: skip
    assert assoc.is_established
    return assoc


def still_serving(pacs: PacsProcess) -> bool:
    assoc = associate(pacs)
    ok = assoc.send_c_echo().Status == 0x0000
    assoc.release()
    return ok


def study_identifier() -> Dataset:
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "STUDY"
    identifier.StudyInstanceUID = STUDY
    return identifier


def cancel_after(assoc, responses, model, pending_before_cancel: int = 5):  # type: ignore[no-untyped-def]
    context_id = assoc._get_valid_context(model, "", "scu").context_id
    statuses, last = [], None
    for status, _identifier in responses:
        statuses.append(status.Status)
        last = status
        if len(statuses) == pending_before_cancel:
            assoc.send_c_cancel(7, context_id)
    return statuses, last


def test_c_cancel_stops_a_running_c_move(node):
    pacs, _port, received = node
    received.clear()
    assoc = associate(pacs)
    started = time.monotonic()
    responses = assoc.send_c_move(study_identifier(), "SLOWDEST", StudyRootQueryRetrieveInformationModelMove, msg_id=7)
    statuses, final = cancel_after(assoc, responses, StudyRootQueryRetrieveInformationModelMove)
    assoc.release()
    assert statuses[-1] == 0xFE00
    assert 0 < final.NumberOfCompletedSuboperations < IMAGES
    assert final.NumberOfRemainingSuboperations > 0
    assert time.monotonic() - started < IMAGES * SLOW / 2  # stopped well before the end
    time.sleep(0.3)
    assert len(received) < IMAGES
    assert still_serving(pacs)


def test_c_cancel_stops_a_running_c_get(node):
    pacs, _port, _received = node
    got: list[str] = []
    assoc = associate(pacs, handlers=[(evt.EVT_C_STORE, slow_store(got))],
                      roles=[build_role(CTImageStorage, scp_role=True)])  # fmt: skip
    responses = assoc.send_c_get(study_identifier(), StudyRootQueryRetrieveInformationModelGet, msg_id=7)
    statuses, final = cancel_after(assoc, responses, StudyRootQueryRetrieveInformationModelGet)
    assoc.release()
    assert statuses[-1] == 0xFE00
    assert 0 < final.NumberOfCompletedSuboperations < IMAGES and len(got) < IMAGES
    assert still_serving(pacs)


@pytest.mark.parametrize(
    ("keys", "status", "comment"),
    [
        ({"QueryRetrieveLevel": "FRAME"}, 0xA900, "Query/Retrieve Level"),
        ({"PatientName": "X*"}, 0xA900, "Query/Retrieve Level"),
        ({"QueryRetrieveLevel": "STUDY", "StudyDate": "notadate"}, 0xC000, "StudyDate"),
        ({"QueryRetrieveLevel": "STUDY", "SeriesDescription": "x*"}, 0xC000, "SeriesDescription"),
    ],
)
def test_malformed_identifiers_get_a_failure_and_the_association_stays_usable(node, keys, status, comment):
    pacs, _port, _received = node
    assoc = associate(pacs)
    identifier = Dataset()
    for keyword, value in keys.items():
        setattr(identifier, keyword, value)
    [(response, _)] = list(assoc.send_c_find(identifier, StudyRootQueryRetrieveInformationModelFind))
    assert response.Status == status and comment in response.ErrorComment
    found = list(assoc.send_c_find(study_identifier(), StudyRootQueryRetrieveInformationModelFind))
    assoc.release()
    assert [r.Status for r, _ in found] == [0xFF00, 0x0000]


def test_an_unsupported_sop_class_is_rejected_at_negotiation(node):
    pacs, _port, _received = node
    ae = AE(ae_title="ODDSCU")
    ae.add_requested_context("1.2.3.4.5.6.7")
    ae.add_requested_context(Verification)
    assoc = ae.associate("127.0.0.1", pacs.dimse_port, ae_title="PYPACS")
    assert assoc.is_established
    assert [str(cx.abstract_syntax) for cx in assoc.accepted_contexts] == [str(Verification)]
    assoc.release()
    assert still_serving(pacs)


def test_a_peer_vanishing_mid_object_stores_nothing_and_harms_no_one(node):
    pacs, _port, _received = node
    assoc = associate(pacs)
    ds = make_dataset(PatientID="VANISH", Rows=512, Columns=512, PixelData=bytes(512 * 512 * 2))
    request = C_STORE()
    request.MessageID, request.Priority = 1, 2
    request.AffectedSOPClassUID, request.AffectedSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    request.DataSet = BytesIO(encode(ds)[132 + _meta_length(encode(ds)) :])
    message = C_STORE_RQ()
    message.primitive_to_message(request)
    context_id = assoc._get_valid_context(CTImageStorage, "", "scu").context_id
    pdus = []
    for primitive in message.encode_msg(context_id, 16382):
        pdu = P_DATA_TF()
        pdu.from_primitive(primitive)
        pdus.append(pdu.encode())
    raw = assoc.dul.socket.socket
    for pdu in pdus[: len(pdus) // 2]:  # the command and half of the data set, then the cable is pulled
        raw.sendall(pdu)
    raw.shutdown(socket.SHUT_RDWR)
    time.sleep(0.5)
    assert still_serving(pacs)
    check = associate(pacs)
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "STUDY"
    identifier.PatientID = "VANISH"
    identifier.StudyInstanceUID = ""
    found = list(check.send_c_find(identifier, StudyRootQueryRetrieveInformationModelFind))
    check.release()
    assert [r.Status for r, _ in found] == [0x0000]  # no pending result: nothing half-received was stored


def _meta_length(data: bytes) -> int:
    """Bytes of the file meta group after the preamble and 'DICM' (its group length element + 12)."""
    return 12 + int.from_bytes(data[140:144], "little")
