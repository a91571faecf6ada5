"""The HTTP app: health, the study listing with C-FIND-like filters, and problem+json errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.web.app import create_app
from tests.conftest import make_object


@pytest.fixture
def client(sqlite_settings: Settings) -> Iterator[TestClient]:
    with Archive.open(sqlite_settings) as archive:
        archive.store(make_object(PatientName="Doe^John", PatientID="P1", StudyDate="20240101", Modality="CT"))
        archive.store(make_object(PatientName="Roe^Jane", PatientID="P2", StudyDate="20240202", Modality="MR"))
        with TestClient(create_app(archive)) as test_client:
            yield test_client


def test_health_reports_ok_and_the_archive_size(client: TestClient):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["studies"] == 2 and body["instances"] == 2
    assert body["ae_title"] == "PYPACS"


def test_study_listing_returns_patients_dates_modalities_and_counts(client: TestClient):
    studies = client.get("/api/studies").json()
    assert sorted(s["PatientName"] for s in studies) == ["Doe^John", "Roe^Jane"]
    doe = next(s for s in studies if s["PatientID"] == "P1")
    assert doe["StudyDate"] == "20240101"
    assert doe["ModalitiesInStudy"] == "CT"
    assert doe["NumberOfStudyRelatedInstances"] == 1


def test_study_listing_filters_like_c_find(client: TestClient):
    assert [s["PatientID"] for s in client.get("/api/studies", params={"PatientName": "roe*"}).json()] == ["P2"]
    assert [s["PatientID"] for s in client.get("/api/studies", params={"StudyDate": "20240115-"}).json()] == ["P2"]
    assert [s["PatientID"] for s in client.get("/api/studies", params={"ModalitiesInStudy": "CT"}).json()] == ["P1"]
    assert len(client.get("/api/studies", params={"limit": 1}).json()) == 1


def test_a_bad_filter_is_a_400_problem_naming_the_key(client: TestClient):
    response = client.get("/api/studies", params={"StudyDate": "2024-99-99"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "StudyDate" in response.json()["detail"]


def test_the_openapi_document_describes_every_route_with_a_summary(client: TestClient):
    document = client.get("/openapi.json").json()
    operations = [(path, method, operation) for path, item in document["paths"].items()
                  for method, operation in item.items()]  # fmt: skip
    assert len(operations) >= 25
    assert [f"{method} {path}" for path, method, operation in operations if not operation.get("summary")] == []
    for path in ("/dicom-web/studies", "/dicom-web/studies/{study}/series/{series}/instances/{sop}/frames/{frames}",
                 "/dicom-web/studies/{study}/series/{series}/metadata", "/dicom-web/studies/{study}/rendered",
                 "/dicom-web/studies/{study}/series/{series}/instances/{sop}/thumbnail", "/wado"):  # fmt: skip
        assert path in document["paths"], path
    assert "post" in document["paths"]["/dicom-web/studies"]  # STOW-RS
