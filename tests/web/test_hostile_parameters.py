"""Odd numbers (and NUL characters) in query parameters (issue 9, point 7): a 400 problem naming the parameter, never a
500, and the sensible values next to them still work."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.web.app import create_app
from tests.conftest import make_object

STUDY, SERIES, SOP = "1.2.826.0.1.99.1", "1.2.826.0.1.99.1.1", "1.2.826.0.1.99.1.1.1"
WADO_URI = f"/wado?requestType=WADO&studyUID={STUDY}&seriesUID={SERIES}&objectUID={SOP}"
INSTANCE = f"/dicom-web/studies/{STUDY}/series/{SERIES}/instances/{SOP}"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("hostile") / "data")
    with Archive.open(settings) as archive:
        archive.store(make_object(StudyInstanceUID=STUDY, SeriesInstanceUID=SERIES, SOPInstanceUID=SOP,
                                  InstanceNumber=7))  # fmt: skip
        with TestClient(create_app(archive), raise_server_exceptions=False) as test_client:
            yield test_client


def assert_problem(response, status: int, *words: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    for word in words:
        assert word in response.json()["detail"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("frameNumber=inf", "frameNumber"),
        ("frameNumber=nan", "frameNumber"),
        ("frameNumber=1e400", "frameNumber"),
        ("frameNumber=0", "frameNumber"),
        ("frameNumber=-1", "frameNumber"),
        ("frameNumber=1.5", "frameNumber"),
        ("rows=-5", "rows"),
        ("rows=0.1", "rows"),
        ("rows=1e12", "rows"),
        ("rows=99999", "rows"),
        ("columns=nan", "columns"),
        ("imageQuality=1000", "imageQuality"),
        ("imageQuality=-1", "imageQuality"),
        ("imageQuality=0", "imageQuality"),
        ("windowCenter=nan&windowWidth=400", "windowCenter"),
        ("windowCenter=40&windowWidth=inf", "windowWidth"),
        ("windowCenter=1e400&windowWidth=400", "windowCenter"),
    ],
)
def test_wado_uri_numbers_out_of_range_are_400_problems(client: TestClient, query: str, parameter: str):
    assert_problem(client.get(f"{WADO_URI}&{query}"), 400, parameter)


def test_wado_uri_sensible_numbers_still_render(client: TestClient):
    response = client.get(f"{WADO_URI}&frameNumber=1&rows=2&columns=2&imageQuality=50&windowCenter=10&windowWidth=20")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/dicom-web/studies?offset=999999999999999999999", ("offset",)),
        ("/dicom-web/studies?limit=1e3", ("limit",)),
        ("/api/studies?offset=999999999999999999999", ("offset",)),
        ("/dicom-web/instances?Rows=99999999999999999999", ("Rows",)),
        ("/dicom-web/instances?Rows=65536", ("Rows",)),
        ("/dicom-web/instances?Rows=-1", ("Rows",)),
        ("/dicom-web/instances?Rows=4.5", ("Rows",)),
        ("/dicom-web/instances?Rows=inf", ("Rows",)),
        ("/dicom-web/instances?InstanceNumber=1e400", ("InstanceNumber",)),
        ("/dicom-web/instances?InstanceNumber=99999999999999999999", ("InstanceNumber",)),
        ("/dicom-web/instances?InstanceNumber=abc", ("InstanceNumber",)),
        ("/dicom-web/instances?InstanceNumber=7,inf", ("InstanceNumber",)),
        (f"{INSTANCE}/rendered?viewport=inf,inf", ("viewport",)),
        (f"{INSTANCE}/thumbnail?viewport=1e400,1", ("viewport",)),
        (f"{INSTANCE}/rendered?window=inf,inf", ("window",)),
        (f"{INSTANCE}/rendered?window=nan,400", ("window",)),
        (f"{INSTANCE}/rendered?quality=1e400", ("quality",)),
        ("/dicom-web/studies?PatientName=Doe%00*", ("PatientName", "NUL")),
        (f"/dicom-web/studies/{STUDY}/series/%00/instances", ("SeriesInstanceUID", "NUL")),
        (f"/dicom-web/studies/{STUDY}/series/{SERIES}/instances/{SOP}%00/frames/1", ("NUL",)),
    ],
)
def test_odd_query_values_are_400_problems_naming_the_parameter(client: TestClient, path: str, words: tuple[str, ...]):
    assert_problem(client.get(path), 400, *words)


def test_integer_attribute_filters_still_match_valid_values(client: TestClient):
    def found(query: str) -> int:
        response = client.get(f"/dicom-web/instances?{query}")
        assert response.status_code == 200, response.text
        return len(response.json())

    assert found("Rows=4") == 1 and found("Rows=+4") == 1 and found("Rows=5") == 0
    assert found("InstanceNumber=7") == 1 and found("InstanceNumber=8") == 0
    assert found("InstanceNumber=2147483647") == 0  # the largest IS: valid, matches nothing here
