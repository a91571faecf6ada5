"""QIDO-RS `orderby` (pypacs's extension, after dcm4chee's): keywords or tags, '-' for descending, with paging and
its Warning header; an attribute that cannot order the results is a 400 naming it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.web.app import create_app
from tests.conftest import make_object

STUDIES = [  # uid, name, date, accession
    ("1.2.826.0.1.76.1", "Clark^Carl", "20240102", "A3"),
    ("1.2.826.0.1.76.2", "adams^anna", "20240305", "A1"),
    ("1.2.826.0.1.76.3", "Baker^Bob", "20231231", "A2"),
]


@pytest.fixture
def client(sqlite_settings: Settings) -> Iterator[TestClient]:
    with Archive.open(sqlite_settings) as archive:
        for number, (uid, name, date, accession) in enumerate(STUDIES):
            archive.store(make_object(StudyInstanceUID=uid, PatientName=name, PatientID=f"P{number}", StudyDate=date,
                                      AccessionNumber=accession))  # fmt: skip
        with TestClient(create_app(archive)) as test_client:
            yield test_client


def uids(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return [study["0020000D"]["Value"][0] for study in response.json()]


def test_studies_come_in_the_order_asked_for(client: TestClient):
    by_date = uids(client.get("/dicom-web/studies?orderby=-StudyDate,-StudyTime"))
    assert by_date == ["1.2.826.0.1.76.2", "1.2.826.0.1.76.1", "1.2.826.0.1.76.3"]
    assert uids(client.get("/dicom-web/studies?orderby=PatientName")) == [
        "1.2.826.0.1.76.2", "1.2.826.0.1.76.3", "1.2.826.0.1.76.1",
    ]  # fmt: skip
    by_tag = uids(client.get("/dicom-web/studies", params={"orderby": "-00080050"}))
    assert by_tag == ["1.2.826.0.1.76.1", "1.2.826.0.1.76.3", "1.2.826.0.1.76.2"]
    plus = uids(client.get("/dicom-web/studies", params=[("orderby", "+StudyDate"), ("orderby", "PatientID")]))
    assert plus == ["1.2.826.0.1.76.3", "1.2.826.0.1.76.1", "1.2.826.0.1.76.2"]


def test_an_ordered_page_says_how_many_results_follow(client: TestClient):
    first = client.get("/dicom-web/studies?orderby=PatientName&limit=2")
    assert uids(first) == ["1.2.826.0.1.76.2", "1.2.826.0.1.76.3"]
    assert "There are 1 additional results" in first.headers["warning"]
    rest = client.get("/dicom-web/studies?orderby=PatientName&limit=2&offset=2")
    assert uids(rest) == ["1.2.826.0.1.76.1"] and "warning" not in rest.headers


def test_ordering_by_an_attribute_without_a_column_is_a_400_naming_it(client: TestClient):
    response = client.get("/dicom-web/studies?orderby=SeriesDescription")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "SeriesDescription" in response.json()["detail"] and "PatientName" in response.json()["detail"]
