"""Association policy against pynetdicom SCUs: registry (live changes), host check, per-peer permissions,
the association limit, and the log line of each association."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydicom.dataset import Dataset
from pynetdicom import AE, build_role, evt
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    CTImageStorage,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
    Verification,
)

from pypacs.archive.service import Archive
from pypacs.config import RemoteAE, Settings, load_settings
from pypacs.dimse.server import DimseServer, start_dimse
from tests.conftest import make_dataset

NOT_AUTHORIZED = 0x0124

Node = tuple[Archive, DimseServer]


@pytest.fixture
def start_node(tmp_path: Path) -> Iterator[Callable[..., Node]]:
    running: list[tuple[Archive, DimseServer]] = []

    def start(config: str = "", **overrides: object) -> Node:
        config_file = None
        if config:
            config_file = tmp_path / "pypacs.toml"
            config_file.write_text(config)
        settings = load_settings(config_file, data_dir=tmp_path / "data", dimse_port=0, **overrides)
        archive = Archive.open(settings)
        server = start_dimse(settings, archive)
        running.append((archive, server))
        return archive, server

    yield start
    for archive, server in running:
        server.stop()
        archive.close()


def associate(port: int, calling: str = "SCU", called: str = "PYPACS", roles: bool = False):  # type: ignore[no-untyped-def]
    ae = AE(ae_title=calling)
    for context in (Verification, CTImageStorage, StudyRootQueryRetrieveInformationModelFind,
                    StudyRootQueryRetrieveInformationModelGet, StudyRootQueryRetrieveInformationModelMove):  # fmt: skip
        ae.add_requested_context(context)
    handlers = [(evt.EVT_C_STORE, lambda event: 0x0000)]
    role = [build_role(CTImageStorage, scp_role=True)] if roles else []
    return ae.associate("127.0.0.1", port, ae_title=called, ext_neg=role, evt_handlers=handlers)


def study_identifier(study_uid: str) -> Dataset:
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "STUDY"
    identifier.StudyInstanceUID = study_uid
    return identifier


def rejection(assoc) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    rj = assoc.acceptor.primitive
    return rj.result, rj.result_source, rj.diagnostic


def test_unknown_callers_are_refused_until_registered_without_a_restart(start_node):
    archive, server = start_node(known_callers_only=True)
    refused = associate(server.port, calling="NEWCT")
    assert refused.is_rejected
    assert rejection(refused) == (0x01, 0x01, 0x03)  # permanent, service user, calling AE title not recognised
    archive.peers.add(RemoteAE(title="NEWCT", host="127.0.0.1", port=104))
    time.sleep(1.1)  # the registry snapshot is at most a second old
    accepted = associate(server.port, calling="NEWCT")
    assert accepted.is_established
    accepted.release()
    archive.peers.remove("NEWCT")
    time.sleep(1.1)
    assert associate(server.port, calling="NEWCT").is_rejected


def test_calling_titles_are_case_sensitive(start_node):
    _archive, server = start_node('[[remote_aes]]\ntitle = "CTROOM"\nhost = "127.0.0.1"\nport = 104\n',
                                  known_callers_only=True)  # fmt: skip
    assert associate(server.port, calling="ctroom").is_rejected
    assoc = associate(server.port, calling="CTROOM")
    assert assoc.is_established
    assoc.release()


def test_peers_added_to_the_config_file_are_seen_without_a_restart(start_node, tmp_path: Path):
    _archive, server = start_node('[[remote_aes]]\ntitle = "FIRST"\nhost = "127.0.0.1"\nport = 104\n',
                                  known_callers_only=True)  # fmt: skip
    assert associate(server.port, calling="SECOND").is_rejected
    config = tmp_path / "pypacs.toml"
    config.write_text(config.read_text() + '[[remote_aes]]\ntitle = "SECOND"\nhost = "127.0.0.1"\nport = 105\n')
    time.sleep(1.1)
    assoc = associate(server.port, calling="SECOND")
    assert assoc.is_established
    assoc.release()


def test_a_broken_config_edit_keeps_the_previous_peers(start_node, tmp_path: Path, caplog):
    _archive, server = start_node('[[remote_aes]]\ntitle = "FIRST"\nhost = "127.0.0.1"\nport = 104\n',
                                  known_callers_only=True)  # fmt: skip
    (tmp_path / "pypacs.toml").write_text('[[remote_aes]]\ntitle = "FIRST"\nport = "not a port"\n')
    time.sleep(1.1)
    with caplog.at_level(logging.ERROR, logger="pypacs.archive.peers"):
        assoc = associate(server.port, calling="FIRST")
    assert assoc.is_established
    assoc.release()
    assert "keeping the previous remote AEs" in caplog.text


def test_a_registered_caller_must_come_from_its_host_when_checked(start_node):
    config = ('[[remote_aes]]\ntitle = "FARAWAY"\nhost = "192.0.2.10"\nport = 104\n'
              '[[remote_aes]]\ntitle = "LOCAL"\nhost = "localhost"\nport = 104\n')  # fmt: skip
    _archive, server = start_node(config, check_caller_host=True)
    refused = associate(server.port, calling="FARAWAY")
    assert refused.is_rejected and rejection(refused)[2] == 0x03
    accepted = associate(server.port, calling="LOCAL")
    assert accepted.is_established
    accepted.release()


@pytest.fixture
def restricted_node(start_node) -> tuple[Archive, DimseServer, str]:  # type: ignore[no-untyped-def]
    archive, server = start_node(
        '[[remote_aes]]\ntitle = "VIEWONLY"\nhost = "127.0.0.1"\nport = 1\nmay_store = false\nmay_retrieve = false\n'
        '[[remote_aes]]\ntitle = "SENDONLY"\nhost = "127.0.0.1"\nport = 1\nmay_query = false\n'
        '[[remote_aes]]\ntitle = "DEST"\nhost = "127.0.0.1"\nport = 9\n'
    )
    ds = make_dataset()
    archive.store(_encoded(ds))
    return archive, server, str(ds.StudyInstanceUID)


def _encoded(ds: Dataset) -> bytes:
    from tests.conftest import encode

    return encode(ds)


def test_a_peer_that_may_not_store_gets_not_authorized(restricted_node):
    archive, server, _study = restricted_node
    assoc = associate(server.port, calling="VIEWONLY")
    ds = make_dataset()
    response = assoc.send_c_store(ds)
    assert response.Status == NOT_AUTHORIZED
    assert response.ErrorComment == "AE VIEWONLY may not store here"
    assert assoc.send_c_echo().Status == 0x0000  # the association stays usable
    assoc.release()
    assert archive.counts().instances == 1


def test_a_peer_that_may_not_query_gets_not_authorized(restricted_node):
    _archive, server, study = restricted_node
    assoc = associate(server.port, calling="SENDONLY")
    responses = list(assoc.send_c_find(study_identifier(study), StudyRootQueryRetrieveInformationModelFind))
    assoc.release()
    assert [(status.Status, identifier) for status, identifier in responses] == [(NOT_AUTHORIZED, None)]
    allowed = associate(server.port, calling="VIEWONLY")
    found = list(allowed.send_c_find(study_identifier(study), StudyRootQueryRetrieveInformationModelFind))
    allowed.release()
    assert [status.Status for status, _ in found] == [0xFF00, 0x0000]


def test_a_peer_that_may_not_retrieve_gets_not_authorized_for_move_and_get(restricted_node, caplog):
    _archive, server, study = restricted_node
    assoc = associate(server.port, calling="VIEWONLY", roles=True)
    with caplog.at_level(logging.WARNING):
        moved = list(assoc.send_c_move(study_identifier(study), "DEST", StudyRootQueryRetrieveInformationModelMove))
        got = list(assoc.send_c_get(study_identifier(study), StudyRootQueryRetrieveInformationModelGet))
    assoc.release()
    assert [status.Status for status, _ in moved] == [NOT_AUTHORIZED]
    assert [status.Status for status, _ in got] == [NOT_AUTHORIZED]
    assert "C-MOVE from VIEWONLY refused: not allowed to retrieve" in caplog.text
    assert "Unable to associate" not in caplog.text  # the destination was never contacted


def test_the_association_limit_holds_and_frees_up(start_node, caplog):
    _archive, server = start_node(max_associations=2)
    first, second = associate(server.port), associate(server.port)
    assert first.is_established and second.is_established
    with caplog.at_level(logging.WARNING, logger="pypacs.dimse.policy"):
        third = associate(server.port)
    assert third.is_rejected
    assert rejection(third) == (0x02, 0x03, 0x02)  # transient, service provider (presentation), local limit
    assert "max_associations is 2" in caplog.text
    first.release()
    time.sleep(0.2)
    fourth = associate(server.port)
    assert fourth.is_established
    for assoc in (second, fourth):
        assoc.release()


def test_each_association_is_logged_with_peer_contexts_duration_and_requests(start_node, caplog):
    _archive, server = start_node()
    ae = AE(ae_title="LOGGED")
    ae.add_requested_context(Verification)
    ae.add_requested_context("1.2.3.4.5.6.7")  # not supported: rejected context
    ae.add_requested_context(CTImageStorage)
    with caplog.at_level(logging.INFO, logger="pypacs.dimse.association_log"):
        assoc = ae.associate("127.0.0.1", server.port, ae_title="PYPACS")
        assoc.send_c_echo()
        assoc.send_c_echo()
        assoc.release()
        time.sleep(0.2)
    accepted = next(r.message for r in caplog.records if "accepted" in r.message)
    assert "LOGGED (127.0.0.1:" in accepted and "-> PYPACS" in accepted
    assert "2 context(s), 1 rejected (1.2.3.4.5.6.7)" in accepted
    released = next(r.message for r in caplog.records if "released after" in r.message)
    assert released.endswith(": 2 C-ECHO")


def test_settings_keep_permissions_of_config_peers(tmp_path: Path):
    config = tmp_path / "p.toml"
    config.write_text('[[remote_aes]]\ntitle = "A"\nhost = "h"\nport = 1\nmay_query = false\n')
    settings: Settings = load_settings(config)
    assert settings.config_file == config
    assert settings.remote_aes[0].permissions_text() == "store, retrieve"
