"""A running `pypacs serve` against difficult SCUs: C-CANCEL in the middle of a C-MOVE and a C-GET, malformed
identifiers, unsupported SOP classes, a peer that vanishes mid-object. Each is answered properly or ends only
its own association; the server keeps serving."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO

import pytest
from pydicom.dataset import Dataset
from pydicom.filewriter import dcmwrite
from pydicom.uid import ExplicitVRLittleEndian
from pynetdicom import AE, build_role, evt
from pynetdicom import _config as pynetdicom_config
from pynetdicom import association as pynetdicom_association
from pynetdicom.dimse_messages import C_STORE_RQ
from pynetdicom.dimse_primitives import C_STORE
from pynetdicom.dsutils import encode as encode_data_set
from pynetdicom.pdu import P_DATA_TF
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    CTImageStorage,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
    Verification,
)
from pynetdicom.status import code_to_category

from tests.conftest import make_dataset
from tests.interop.conftest import PacsProcess, free_port, pypacs_cli, start_pacs, stop_pacs

pytestmark = pytest.mark.interop

STUDY = "1.2.826.0.1.5151"
IMAGES = 200
SLOW = 0.02  # seconds each received C-STORE takes at the slow receivers
NETWORK_TIMEOUT = 2  # seconds, the server's network_timeout: shorter than a whole retrieve
UNKNOWN_SOP_CLASS = "1.2.3.4.5.6.7"
FIND, GET, MOVE = (StudyRootQueryRetrieveInformationModelFind, StudyRootQueryRetrieveInformationModelGet,
                   StudyRootQueryRetrieveInformationModelMove)  # fmt: skip


@dataclass
class Node:
    pacs: PacsProcess  # 200 CT images of STUDY, and SLOWDEST registered as a move destination
    moved: list[str]  # the SOP Instance UIDs SLOWDEST received


def slow_store(received: list[str]):  # type: ignore[no-untyped-def]
    def handler(event) -> int:  # type: ignore[no-untyped-def]
        time.sleep(SLOW)
        received.append(str(event.request.AffectedSOPInstanceUID))
        return 0x0000

    return handler


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    root = tmp_path_factory.mktemp("robust")
    images = root / "images"
    images.mkdir()
    for number in range(IMAGES):
        make_dataset(PatientID="ROBUST", StudyInstanceUID=STUDY, SeriesInstanceUID=f"{STUDY}.1",
                     SOPInstanceUID=f"{STUDY}.1.{number}", InstanceNumber=number + 1).save_as(
            images / f"{number}.dcm", enforce_file_format=True)  # fmt: skip
    assert pypacs_cli("import", str(images), "--data-dir", str(root / "data")).returncode == 0
    moved: list[str] = []
    destination = AE(ae_title="SLOWDEST")
    destination.add_supported_context(CTImageStorage)
    port = free_port()
    server = destination.start_server(("127.0.0.1", port), block=False,
                                      evt_handlers=[(evt.EVT_C_STORE, slow_store(moved))])  # fmt: skip
    config = root / "pypacs.toml"
    # network_timeout 2 s: a retrieve to SLOWDEST takes IMAGES * SLOW = 4 s, with nothing read from its requestor
    config.write_text(f'network_timeout = {NETWORK_TIMEOUT}\n[[remote_aes]]\ntitle = "SLOWDEST"\nhost = "127.0.0.1"\n'
                      f'port = {port}\n')  # fmt: skip
    pacs = start_pacs(root / "data", "--config", str(config))
    try:
        yield Node(pacs, moved)
    finally:
        stop_pacs(pacs)
        server.shutdown()


@pytest.fixture
def log_from(node: Node) -> int:
    """Where the server log stands when a test starts: what it logs from here on is that test's doing."""
    return len(node.pacs.log())


def associate(pacs: PacsProcess, handlers=None, roles=None):  # type: ignore[no-untyped-def]
    ae = AE(ae_title="ROBUSTSCU")
    for context in (Verification, CTImageStorage, FIND, GET, MOVE):
        ae.add_requested_context(context)
    assoc = ae.associate("127.0.0.1", pacs.dimse_port, ae_title="PYPACS", evt_handlers=handlers or [],
                         ext_neg=roles or [])  # fmt: skip
    assert assoc.is_established
    return assoc


def echo_status(pacs: PacsProcess) -> int:
    assoc = associate(pacs)
    status = int(assoc.send_c_echo().Status)
    assoc.release()
    return status


def assert_still_serving(pacs: PacsProcess, log_from: int) -> None:
    """A new association gets its C-ECHO answered, and the server logged no traceback since `log_from`."""
    assert echo_status(pacs) == 0x0000
    logged = pacs.log()[log_from:]
    assert "Traceback" not in logged, logged[-3000:]


def study_identifier(study: str = STUDY) -> Dataset:
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "STUDY"
    identifier.StudyInstanceUID = study
    return identifier


def cancel_after(assoc, responses, model, pending_before_cancel: int = 5):  # type: ignore[no-untyped-def]
    """Iterate the responses of the request with message ID 7; send a C-CANCEL for it after a few pending ones."""
    context_id = assoc._get_valid_context(model, "", "scu").context_id  # the context send_c_move/get use
    statuses, last = [], None
    for status, _identifier in responses:
        statuses.append(status.Status)
        last = status
        if len(statuses) == pending_before_cancel:
            assert set(statuses) == {0xFF00}
            assoc.send_c_cancel(7, context_id)
    return statuses, last


def test_c_cancel_stops_a_running_c_move(node: Node, log_from: int):
    node.moved.clear()
    assoc = associate(node.pacs)
    started = time.monotonic()
    responses = assoc.send_c_move(study_identifier(), "SLOWDEST", MOVE, msg_id=7)
    statuses, final = cancel_after(assoc, responses, MOVE)
    elapsed = time.monotonic() - started
    assoc.release()
    assert statuses[-1] == 0xFE00 and set(statuses[:-1]) == {0xFF00}
    completed = final.NumberOfCompletedSuboperations
    assert 0 < completed < IMAGES
    assert final.NumberOfRemainingSuboperations > 0
    assert completed + final.NumberOfRemainingSuboperations + final.NumberOfFailedSuboperations <= IMAGES
    assert elapsed < IMAGES * SLOW / 2  # stopped well before the end
    time.sleep(0.3)  # no sub-operation goes on after the final response
    assert len(node.moved) == completed and len(set(node.moved)) == completed
    assert_still_serving(node.pacs, log_from)


def test_c_cancel_stops_a_running_c_get(node: Node, log_from: int):
    got: list[str] = []
    assoc = associate(node.pacs, handlers=[(evt.EVT_C_STORE, slow_store(got))],
                      roles=[build_role(CTImageStorage, scp_role=True)])  # fmt: skip
    responses = assoc.send_c_get(study_identifier(), GET, msg_id=7)
    statuses, final = cancel_after(assoc, responses, GET)
    time.sleep(0.3)  # no C-STORE arrives after the final response
    assoc.release()
    assert statuses[-1] == 0xFE00 and set(statuses[:-1]) == {0xFF00}
    assert 0 < final.NumberOfCompletedSuboperations < IMAGES
    assert final.NumberOfRemainingSuboperations > 0
    assert len(got) == final.NumberOfCompletedSuboperations
    assert_still_serving(node.pacs, log_from)


def test_malformed_identifiers_get_a_failure_and_the_association_stays_usable(node: Node, log_from: int):
    cases = [
        ({"QueryRetrieveLevel": "FRAME", "StudyInstanceUID": ""}, 0xA900, "Query/Retrieve Level"),
        ({"PatientName": "X*", "StudyInstanceUID": ""}, 0xA900, "Query/Retrieve Level"),  # no level at all
        ({"QueryRetrieveLevel": "PATIENT", "PatientID": ""}, 0xA900, "level PATIENT"),  # not in Study Root
        ({"QueryRetrieveLevel": "STUDY", "StudyDate": "notadate"}, 0xC000, "StudyDate"),
        ({"QueryRetrieveLevel": "STUDY", "SeriesDescription": "x*"}, 0xC000, "SeriesDescription"),  # a lower key
    ]
    assoc = associate(node.pacs)  # one association for all of them: each failure ends only its own request
    answers, comments = [], []
    for keys, _status, expected_comment in cases:
        identifier = Dataset()
        for keyword, value in keys.items():
            setattr(identifier, keyword, value)
        [(response, found)] = list(assoc.send_c_find(identifier, FIND))
        assert found is None
        comments.append(str(response.get("ErrorComment", "")))
        answers.append((response.Status, expected_comment in comments[-1]))
    found = list(assoc.send_c_find(study_identifier(), FIND))
    assoc.release()
    assert answers == [(status, True) for _, status, _ in cases], comments
    assert [r.Status for r, _ in found] == [0xFF00, 0x0000]
    assert found[0][1].StudyInstanceUID == STUDY
    assert_still_serving(node.pacs, log_from)


@pytest.mark.parametrize(
    "service",
    ["C-GET", "C-MOVE"],
)
def test_malformed_retrieve_identifiers_are_refused_with_their_reason(node: Node, log_from: int, service: str):
    nowhere = "1.2.826.0.1.5151.404"  # not stored: were a request wrongly accepted, nothing would be sent
    cases = [
        ({"QueryRetrieveLevel": "STUDY", "PatientID": "NOBODY"}, 0xC000, "StudyInstanceUID"),  # no unique key
        ({"QueryRetrieveLevel": "FRAME", "StudyInstanceUID": nowhere}, 0xA900, "Query/Retrieve Level"),
        ({"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": nowhere, "StudyDate": "notadate"}, 0xC000, "StudyDate"),
    ]
    node.moved.clear()
    assoc = associate(node.pacs)
    answers, comments = [], []
    for keys, _status, expected_comment in cases:
        identifier = Dataset()
        for keyword, value in keys.items():
            setattr(identifier, keyword, value)
        if service == "C-GET":
            [(response, _)] = list(assoc.send_c_get(identifier, GET))
        else:
            [(response, _)] = list(assoc.send_c_move(identifier, "SLOWDEST", MOVE))
        comments.append(str(response.get("ErrorComment", "")))
        answers.append((hex(response.Status), expected_comment in comments[-1]))
    found = [r.Status for r, _ in assoc.send_c_find(study_identifier(), FIND)]
    assoc.release()
    assert found == [0xFF00, 0x0000]  # the association stays usable
    assert echo_status(node.pacs) == 0x0000
    assert node.moved == []
    assert answers == [(hex(status), True) for _, status, _ in cases], comments
    logged = node.pacs.log()[log_from:]
    assert "Traceback" not in logged, logged[-3000:]


def test_an_image_level_find_without_the_upper_unique_keys_is_answered_relationally(node: Node, log_from: int):
    # pypacs's rule (archive.query): keys of the levels above narrow a query when given, and are not required
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "IMAGE"
    identifier.SOPInstanceUID = f"{STUDY}.1.7"
    identifier.StudyInstanceUID = ""
    identifier.InstanceNumber = ""
    assoc = associate(node.pacs)
    found = [(r.Status, ds) for r, ds in assoc.send_c_find(identifier, FIND)]
    assoc.release()
    assert [status for status, _ in found] == [0xFF00, 0x0000]
    assert (found[0][1].StudyInstanceUID, found[0][1].InstanceNumber) == (STUDY, 8)
    assert_still_serving(node.pacs, log_from)


def explicit_element(group: int, element: int, vr: bytes, value: bytes) -> bytes:
    """One data element in Explicit VR Little Endian, with a 2-byte length (whatever the VR)."""
    return struct.pack("<HH2sH", group, element, vr, len(value)) + value


UNDECODABLE_IDENTIFIERS = {
    "unknown VR": explicit_element(0x0008, 0x0020, b"ZZ", b"20240315"),  # StudyDate with VR 'ZZ'
    "US of 3 bytes": explicit_element(0x0028, 0x0010, b"US", b"abc"),  # Rows: 2 bytes per value
}


@pytest.mark.parametrize(
    ("service", "malformation"),
    [("C-FIND", "unknown VR"), ("C-FIND", "US of 3 bytes"), ("C-GET", "unknown VR"), ("C-MOVE", "unknown VR")],
)  # fmt: skip
def test_an_identifier_that_cannot_be_decoded_gets_a_failure_with_a_comment(
    node: Node, log_from: int, monkeypatch: pytest.MonkeyPatch, service: str, malformation: str
):
    ae = AE(ae_title="ROBUSTSCU")
    for model in (FIND, GET, MOVE):
        ae.add_requested_context(model, ExplicitVRLittleEndian)  # the bytes below are Explicit VR Little Endian
    assoc = ae.associate("127.0.0.1", node.pacs.dimse_port, ae_title="PYPACS")
    assert assoc.is_established
    # a study that is not stored: were the identifier understood, nothing would be found or sent
    raw = (explicit_element(0x0008, 0x0052, b"CS", b"STUDY ") + UNDECODABLE_IDENTIFIERS[malformation]
           + explicit_element(0x0020, 0x000D, b"UI", b"1.2.826.0.1.5151.404\x00"))  # fmt: skip
    with monkeypatch.context() as patch:  # pynetdicom encodes the identifier when sending: these bytes instead
        patch.setattr(pynetdicom_association, "encode", lambda *_arguments: raw)
        if service == "C-FIND":
            responses = list(assoc.send_c_find(Dataset(), FIND))
        elif service == "C-GET":
            responses = list(assoc.send_c_get(Dataset(), GET))
        else:
            responses = list(assoc.send_c_move(Dataset(), "SLOWDEST", MOVE))
    after = [r.Status for r, _ in assoc.send_c_find(study_identifier(), FIND)]
    assoc.release()
    assert after == [0xFF00, 0x0000]  # the association stays usable
    assert echo_status(node.pacs) == 0x0000
    [(final, _)] = responses
    assert code_to_category(final.Status) == "Failure", hex(final.Status)
    assert final.get("ErrorComment"), f"{hex(final.Status)} without an Error Comment"
    logged = node.pacs.log()[log_from:]
    assert "Traceback" not in logged, logged[-3000:]


def test_an_association_proposing_only_an_unknown_sop_class_gets_no_context(node: Node, log_from: int):
    ae = AE(ae_title="ODDSCU")
    ae.add_requested_context(UNKNOWN_SOP_CLASS)
    events: list[str] = []
    handlers = [(evt.EVT_ACCEPTED, lambda _: events.append("accepted")),
                (evt.EVT_REJECTED, lambda _: events.append("rejected"))]  # fmt: skip
    assoc = ae.associate("127.0.0.1", node.pacs.dimse_port, ae_title="PYPACS", evt_handlers=handlers)
    # pypacs accepts the association with its only context rejected (result 3: abstract syntax not supported);
    # pynetdicom then aborts it, having nothing to use
    assert events == ["accepted"]
    assert not assoc.is_established and assoc.is_aborted
    assert [(str(cx.abstract_syntax), cx.result) for cx in assoc.rejected_contexts] == [(UNKNOWN_SOP_CLASS, 0x03)]
    assert assoc.accepted_contexts == []
    assert_still_serving(node.pacs, log_from)


def test_an_unknown_sop_class_next_to_a_known_one_is_rejected_alone(node: Node, log_from: int):
    ae = AE(ae_title="ODDSCU")
    ae.add_requested_context(UNKNOWN_SOP_CLASS)
    ae.add_requested_context(Verification)
    assoc = ae.associate("127.0.0.1", node.pacs.dimse_port, ae_title="PYPACS")
    assert assoc.is_established
    assert [str(cx.abstract_syntax) for cx in assoc.accepted_contexts] == [str(Verification)]
    assert [str(cx.abstract_syntax) for cx in assoc.rejected_contexts] == [UNKNOWN_SOP_CLASS]
    assert assoc.send_c_echo().Status == 0x0000
    assoc.release()
    assert_still_serving(node.pacs, log_from)


def image_query(assoc, ds: Dataset) -> list[tuple[int, Dataset | None]]:  # type: ignore[no-untyped-def]
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "IMAGE"
    identifier.StudyInstanceUID = ds.StudyInstanceUID
    identifier.SeriesInstanceUID = ds.SeriesInstanceUID
    identifier.SOPInstanceUID = ds.SOPInstanceUID
    identifier.SOPClassUID = ""
    return [(r.Status, found) for r, found in assoc.send_c_find(identifier, FIND)]


@pytest.mark.parametrize("mismatch", ["sop_class", "sop_instance"])
def test_a_data_set_that_does_not_match_its_c_store_request_is_refused(
    node: Node, log_from: int, mismatch: str, tmp_path, monkeypatch: pytest.MonkeyPatch
):
    if mismatch == "sop_class":  # an object of a SOP class pypacs does not support, sent on a CT context
        ds = make_dataset(PatientID="MISMATCH", SOPClassUID=UNKNOWN_SOP_CLASS)
        affected_class, affected_instance = CTImageStorage, ds.SOPInstanceUID
    else:
        ds = make_dataset(PatientID="MISMATCH")
        affected_class, affected_instance = CTImageStorage, "1.2.826.0.1.5151.999"
    # pynetdicom sends a file as it is, taking the command's Affected SOP Class/Instance UIDs from its file meta
    # (written as given: enforce_file_format would copy the UIDs over from the data set)
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian  # the transfer syntax pypacs accepts first
    ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID = affected_class, affected_instance
    ds.preamble = bytes(128)
    path = tmp_path / "mismatch.dcm"
    dcmwrite(path, ds)
    monkeypatch.setattr(pynetdicom_config, "STORE_SEND_CHUNKED_DATASET", True)
    assoc = associate(node.pacs)
    try:
        response = assoc.send_c_store(path)
        stored = image_query(assoc, ds)
    finally:
        assoc.release()
    assert_still_serving(node.pacs, log_from)  # not a crash, whatever the answer
    assert code_to_category(response.Status) == "Failure", hex(response.Status)
    if mismatch == "sop_class":
        assert response.Status & 0xFF00 == 0xA900, hex(response.Status)  # Data Set does not match SOP Class
    assert stored == [(0x0000, None)]


def test_a_peer_vanishing_mid_object_stores_nothing_and_harms_no_one(node: Node, log_from: int):
    assoc = associate(node.pacs)
    ds = make_dataset(PatientID="VANISH", Rows=2048, Columns=2048, PixelData=bytes(2048 * 2048 * 2))  # 8 MiB
    del ds.file_meta
    context = assoc._get_valid_context(CTImageStorage, "", "scu")
    request = C_STORE()
    request.MessageID, request.Priority = 1, 2
    request.AffectedSOPClassUID, request.AffectedSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    request.DataSet = BytesIO(encode_data_set(ds, context.transfer_syntax[0].is_implicit_VR, True))
    message = C_STORE_RQ()
    message.primitive_to_message(request)
    pdus = []
    for primitive in message.encode_msg(context.context_id, assoc.acceptor.maximum_length):
        pdu = P_DATA_TF()
        pdu.from_primitive(primitive)
        pdus.append(pdu.encode())
    assert len(pdus) > 10  # so that the server is really in the middle of the data set
    raw = assoc.dul.socket.socket
    for pdu in pdus[: len(pdus) // 2]:  # the command and half of the data set, then the cable is pulled
        raw.sendall(pdu)
    raw.shutdown(socket.SHUT_RDWR)
    deadline = time.monotonic() + 5
    while "aborted" not in node.pacs.log()[log_from:] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "aborted" in node.pacs.log()[log_from:]  # "association ROBUSTSCU (...) -> PYPACS aborted after ..."
    assert_still_serving(node.pacs, log_from)  # and no traceback
    check = associate(node.pacs)
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "STUDY"
    identifier.PatientID = "VANISH"
    identifier.StudyInstanceUID = ""
    by_patient = [r.Status for r, _ in check.send_c_find(identifier, FIND)]
    by_uid = image_query(check, ds)
    check.release()
    assert by_patient == [0x0000] and by_uid == [(0x0000, None)]  # nothing half-received was stored


def test_pending_responses_come_every_tenth_of_a_second_with_consistent_counts(node: Node, log_from: int):
    node.moved.clear()
    assoc = associate(node.pacs)
    started = time.monotonic()
    responses = [status for status, _ in assoc.send_c_move(study_identifier(), "SLOWDEST", MOVE)]
    elapsed = time.monotonic() - started
    assoc.release()
    *pending, final = responses
    assert (final.Status, final.NumberOfCompletedSuboperations, final.NumberOfFailedSuboperations) == (0, IMAGES, 0)
    assert len(node.moved) == IMAGES
    # the default pending_interval (0.1 s): not one per image, but regular news of progress
    assert 0.5 * elapsed / 0.1 <= len(pending) <= elapsed / 0.1 + 2, (len(pending), elapsed)
    completed = [p.NumberOfCompletedSuboperations for p in pending]
    assert completed == sorted(completed) and completed[0] >= 1
    assert all(p.NumberOfCompletedSuboperations + p.NumberOfRemainingSuboperations == IMAGES for p in pending)
    assert_still_serving(node.pacs, log_from)


@pytest.mark.parametrize("service", ["C-MOVE", "C-GET"])
def test_a_retrieve_longer_than_the_network_timeout_ends_normally(node: Node, log_from: int, service: str):
    node.moved.clear()
    got: list[str] = []
    if service == "C-MOVE":
        assoc = associate(node.pacs)
        responses = assoc.send_c_move(study_identifier(), "SLOWDEST", MOVE)
    else:
        assoc = associate(node.pacs, handlers=[(evt.EVT_C_STORE, slow_store(got))],
                          roles=[build_role(CTImageStorage, scp_role=True)])  # fmt: skip
        responses = assoc.send_c_get(study_identifier(), GET)
    started = time.monotonic()
    final = [status for status, _ in responses][-1]
    assert time.monotonic() - started > NETWORK_TIMEOUT  # busy all along, but nothing to read from the requestor
    assert (final.Status, final.NumberOfCompletedSuboperations) == (0x0000, IMAGES)
    assert len(node.moved if service == "C-MOVE" else got) == IMAGES
    time.sleep(NETWORK_TIMEOUT / 4)  # a pause well within the network timeout, counted from the last exchange
    assert assoc.is_established and assoc.send_c_echo().Status == 0x0000  # still there after the answer
    assoc.release()
    assert assoc.is_released and not assoc.is_aborted
    assert_still_serving(node.pacs, log_from)
