"""The C-FIND SCP against pynetdicom SCUs: models, levels, statuses, streaming and C-CANCEL."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from pydicom.dataset import Dataset
from pynetdicom import AE
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    PatientRootQueryRetrieveInformationModelFind,
    PatientStudyOnlyQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelFind,
)

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.dimse.server import DimseServer, start_dimse
from tests.conftest import make_object

MODELS = (
    PatientRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelFind,
    PatientStudyOnlyQueryRetrieveInformationModelFind,
)
STUDY = "1.2.826.0.1.77.1"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Archive, DimseServer]]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("find") / "data", dimse_port=0, fsync=False)
    with Archive.open(settings) as archive:
        for number in range(600):
            archive.store(make_object(StudyInstanceUID=STUDY, SeriesInstanceUID=STUDY + ".1", InstanceNumber=number,
                                      PatientID="F1", PatientName="Find^Me"))  # fmt: skip
        archive.store(make_object(PatientID="F2", PatientName="Other^One", Modality="MR", StudyDate="20200101"))
        server = start_dimse(settings, archive)
        try:
            yield archive, server
        finally:
            server.stop()


def find(port: int, model: str, **keys: object) -> tuple[list[Dataset], Dataset]:
    ae = AE(ae_title="FINDSCU")
    ae.add_requested_context(model)
    assoc = ae.associate("127.0.0.1", port, ae_title="PYPACS")
    assert assoc.is_established
    identifier = Dataset()
    for keyword, value in keys.items():
        setattr(identifier, keyword, value)
    results, final = [], Dataset()
    for response_status, found in assoc.send_c_find(identifier, model):
        if response_status.Status in (0xFF00, 0xFF01):
            results.append(found)
        else:
            final = response_status
    assoc.release()
    return results, final


def test_study_root_study_level_returns_matches_and_success(node):
    _archive, server = node
    results, final = find(server.port, StudyRootQueryRetrieveInformationModelFind, QueryRetrieveLevel="STUDY",
                          PatientName="find*", StudyInstanceUID="", NumberOfStudyRelatedInstances="")  # fmt: skip
    assert final.Status == 0x0000
    assert [(r.StudyInstanceUID, r.NumberOfStudyRelatedInstances, r.QueryRetrieveLevel) for r in results] == [
        (STUDY, 600, "STUDY")
    ]


def test_patient_root_and_patient_study_only_models_answer_patient_level(node):
    _archive, server = node
    for model in (PatientRootQueryRetrieveInformationModelFind, PatientStudyOnlyQueryRetrieveInformationModelFind):
        results, final = find(server.port, model, QueryRetrieveLevel="PATIENT", PatientID="F*", PatientName="")
        assert final.Status == 0x0000
        assert sorted(r.PatientID for r in results) == ["F1", "F2"]


@pytest.mark.parametrize(
    ("model", "level"),
    [
        (StudyRootQueryRetrieveInformationModelFind, "PATIENT"),
        (PatientStudyOnlyQueryRetrieveInformationModelFind, "SERIES"),
        (StudyRootQueryRetrieveInformationModelFind, "FRAME"),
    ],
)
def test_a_level_outside_the_model_fails_with_a900(node, model, level):
    _archive, server = node
    results, final = find(server.port, model, QueryRetrieveLevel=level, PatientID="")
    assert results == [] and final.Status == 0xA900
    assert final.ErrorComment


def test_a_bad_key_value_fails_with_c000_naming_the_key(node):
    _archive, server = node
    identifier_values = {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": "1.2.*"}
    results, final = find(server.port, StudyRootQueryRetrieveInformationModelFind, **identifier_values)
    assert results == [] and final.Status == 0xC000
    assert "StudyInstanceUID" in final.ErrorComment


def test_c_cancel_stops_a_running_find_with_status_fe00(node, monkeypatch: pytest.MonkeyPatch):
    archive, server = node
    find_quickly = archive.find_encoded

    def find_slowly(*args, **kwargs):  # a large archive: results take a while to come
        for batch in find_quickly(*args, **kwargs):
            for result in batch:
                time.sleep(0.002)
                yield [result]

    monkeypatch.setattr(archive, "find_encoded", find_slowly)
    ae = AE(ae_title="FINDSCU")
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind)
    assoc = ae.associate("127.0.0.1", server.port, ae_title="PYPACS")
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "IMAGE"
    identifier.StudyInstanceUID = STUDY
    identifier.SeriesInstanceUID = STUDY + ".1"
    identifier.SOPInstanceUID = ""
    context_id = assoc.accepted_contexts[0].context_id
    received, final_status = 0, None
    for response_status, _found in assoc.send_c_find(identifier, StudyRootQueryRetrieveInformationModelFind,
                                                      msg_id=9):  # fmt: skip
        if response_status.Status == 0xFF00:
            received += 1
            if received == 1:
                assoc.send_c_cancel(9, context_id)
        else:
            final_status = response_status.Status
    assoc.release()
    assert final_status == 0xFE00
    assert 1 <= received < 100, received


def test_image_level_streams_every_instance_of_a_series(node):
    archive, server = node
    results, final = find(server.port, StudyRootQueryRetrieveInformationModelFind, QueryRetrieveLevel="IMAGE",
                          StudyInstanceUID=STUDY, SeriesInstanceUID=STUDY + ".1", SOPInstanceUID="",
                          InstanceNumber="")  # fmt: skip
    assert final.Status == 0x0000
    assert sorted(r.InstanceNumber for r in results) == list(range(600))
