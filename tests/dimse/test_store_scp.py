"""The DICOM listener against pynetdicom SCUs: C-ECHO, C-STORE statuses, association checks."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO

import pytest
from pydicom import dcmread
from pynetdicom import AE
from pynetdicom.sop_class import CTImageStorage, Verification

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.dimse.server import DimseServer, start_dimse
from tests.conftest import cap_index_growth, encode, make_dataset, object_too_big_for_a_full_index


@pytest.fixture
def node(sqlite_settings: Settings) -> Iterator[tuple[Archive, DimseServer]]:
    settings = sqlite_settings.model_copy(update={"dimse_port": 0})
    with Archive.open(settings) as archive:
        server = start_dimse(settings, archive)
        try:
            yield archive, server
        finally:
            server.stop()


def associate(port: int, called: str = "PYPACS", calling: str = "TESTSCU"):  # type: ignore[no-untyped-def]
    ae = AE(ae_title=calling)
    ae.add_requested_context(Verification)
    ae.add_requested_context(CTImageStorage)
    return ae.associate("127.0.0.1", port, ae_title=called)


def test_c_echo_succeeds(node):
    _archive, server = node
    assoc = associate(server.port)
    assert assoc.is_established
    assert assoc.send_c_echo().Status == 0x0000
    assoc.release()


def test_association_to_another_called_ae_title_is_rejected(node):
    _archive, server = node
    assoc = associate(server.port, called="NOTPYPACS")
    assert assoc.is_rejected


def test_c_store_success_means_the_object_is_stored_and_readable(node):
    archive, server = node
    ds = make_dataset(PatientName="Store^Test")
    assoc = associate(server.port)
    status = assoc.send_c_store(ds)
    assoc.release()
    assert status.Status == 0x0000
    stored = dcmread(BytesIO(archive.read_instance(ds.SOPInstanceUID)))
    assert str(stored.PatientName) == "Store^Test"
    assert stored.file_meta.TransferSyntaxUID  # stored as a Part 10 file


def test_c_store_of_an_object_without_study_uid_fails_with_an_error_comment(node):
    archive, server = node
    ds = make_dataset()
    del ds.StudyInstanceUID
    assoc = associate(server.port)
    status = assoc.send_c_store(ds)
    assoc.release()
    assert status.Status == 0xC000
    assert "StudyInstanceUID" in status.ErrorComment
    assert archive.counts().instances == 0


def test_c_store_conflicting_patient_fails_and_association_keeps_working(node):
    archive, server = node
    first = make_dataset(PatientID="A")
    intruder = make_dataset(PatientID="B", StudyInstanceUID=first.StudyInstanceUID)
    assoc = associate(server.port)
    assert assoc.send_c_store(first).Status == 0x0000
    refused = assoc.send_c_store(intruder)
    assert refused.Status == 0xC001 and len(refused.ErrorComment) <= 64
    assert assoc.send_c_store(make_dataset()).Status == 0x0000
    assoc.release()
    assert archive.counts().instances == 2


def test_known_callers_only_refuses_unknown_calling_ae_titles(sqlite_settings: Settings):
    from pypacs.config import RemoteAE

    settings = sqlite_settings.model_copy(
        update={"dimse_port": 0, "known_callers_only": True,
                "remote_aes": [RemoteAE(title="CT_SCANNER", host="127.0.0.1", port=104)]}
    )  # fmt: skip
    with Archive.open(settings) as archive:
        server = start_dimse(settings, archive)
        try:
            stranger = associate(server.port, calling="STRANGER")
            assert stranger.is_rejected
            known = associate(server.port, calling="CT_SCANNER")
            assert known.is_established
            known.release()
            wrong_case = associate(server.port, calling="ct_scanner")  # AE titles are case-sensitive
            assert wrong_case.is_rejected
        finally:
            server.stop()


def test_an_element_of_impossible_length_is_refused_with_its_reason(node):
    archive, server = node
    data = encode(make_dataset())
    index = data.index(b"\x28\x00\x10\x00US\x02\x00")  # Rows
    bad = dcmread(BytesIO(data[:index] + b"\x28\x00\x10\x00US\x03\x00\x04\x00\x00" + data[index + 10 :]))
    assoc = associate(server.port)
    response = assoc.send_c_store(bad)  # pynetdicom sends the raw element as read: 3 bytes
    assoc.release()
    assert response.Status == 0xC000
    assert "(0028,0010) US has 3 bytes" in response.ErrorComment
    assert archive.counts().instances == 0


def test_a_multi_valued_study_uid_is_refused(node):
    archive, server = node
    assoc = associate(server.port)
    response = assoc.send_c_store(make_dataset(StudyInstanceUID=["1.2.3", "4.5"]))
    assoc.release()
    assert response.Status == 0xC000 and "StudyInstanceUID has 2 values" in response.ErrorComment
    assert archive.counts().instances == 0


def test_a_full_index_answers_out_of_resources_with_a_comment(node, caplog: pytest.LogCaptureFixture):
    archive, server = node
    archive.store(encode(make_dataset()))
    cap_index_growth(archive)
    assoc = associate(server.port)
    response = assoc.send_c_store(object_too_big_for_a_full_index())
    assoc.release()
    assert response.Status == 0xA700
    assert response.ErrorComment.startswith("the index has no room left")
    assert archive.counts().instances == 1
    assert "Traceback" not in caplog.text
