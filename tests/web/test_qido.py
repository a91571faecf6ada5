"""QIDO-RS: searches at every level with C-FIND matching, includefield, limit/offset with a Warning, errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.web.app import create_app
from tests.conftest import make_object

STUDY_A, STUDY_B = "1.2.826.0.1.77.1", "1.2.826.0.1.77.2"


@pytest.fixture
def client(sqlite_settings: Settings) -> Iterator[TestClient]:
    with Archive.open(sqlite_settings) as archive:
        for number in range(3):
            archive.store(make_object(PatientName="Doe^John", PatientID="P1", StudyDate="20240101", Modality="CT",
                                      StudyInstanceUID=STUDY_A, SeriesInstanceUID=f"{STUDY_A}.1",
                                      SOPInstanceUID=f"{STUDY_A}.1.{number}", InstanceNumber=number + 1))  # fmt: skip
        archive.store(make_object(PatientName="Roe^Jane", PatientID="P2", StudyDate="20240202", Modality="MR",
                                  StudyInstanceUID=STUDY_B, StudyDescription="Brain"))  # fmt: skip
        with TestClient(create_app(archive)) as test_client:
            yield test_client


def values(documents: list[dict], tag: str) -> list[object]:
    return [document[tag]["Value"][0] for document in documents if "Value" in document.get(tag, {})]


def test_search_for_studies_by_keyword_or_tag_with_wildcards(client: TestClient):
    response = client.get("/dicom-web/studies", params={"PatientName": "doe*"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/dicom+json"
    [study] = response.json()
    assert study["0020000D"]["Value"] == [STUDY_A]
    assert study["00201208"]["Value"] == [3]  # NumberOfStudyRelatedInstances
    assert study["00080061"]["Value"] == ["CT"]
    assert study["00081190"]["Value"][0].endswith(f"/dicom-web/studies/{STUDY_A}")
    by_tag = client.get("/dicom-web/studies", params={"00100020": "P2"}).json()
    assert values(by_tag, "0020000D") == [STUDY_B]


def test_date_ranges_uid_lists_and_modalities(client: TestClient):
    assert values(client.get("/dicom-web/studies?StudyDate=20240115-").json(), "0020000D") == [STUDY_B]
    both = client.get(f"/dicom-web/studies?StudyInstanceUID={STUDY_A},{STUDY_B}").json()
    assert sorted(values(both, "0020000D")) == [STUDY_A, STUDY_B]
    assert values(client.get("/dicom-web/studies?ModalitiesInStudy=MR").json(), "0020000D") == [STUDY_B]


def test_series_and_instances_of_a_study_and_unscoped(client: TestClient):
    series = client.get(f"/dicom-web/studies/{STUDY_A}/series").json()
    assert values(series, "0020000E") == [f"{STUDY_A}.1"] and values(series, "00201209") == [3]
    instances = client.get(f"/dicom-web/studies/{STUDY_A}/series/{STUDY_A}.1/instances").json()
    assert sorted(values(instances, "00080018")) == [f"{STUDY_A}.1.{n}" for n in range(3)]
    url = instances[0]["00081190"]["Value"][0]
    assert f"/studies/{STUDY_A}/series/{STUDY_A}.1/instances/{STUDY_A}.1." in url
    everywhere = client.get("/dicom-web/instances", params={"PatientID": "P1"}).json()
    assert len(everywhere) == 3 and values(everywhere, "00100020") == ["P1"] * 3
    assert len(client.get("/dicom-web/series?Modality=MR").json()) == 1


def test_includefield_adds_attributes_and_all_adds_every_stored_one(client: TestClient):
    plain = client.get("/dicom-web/studies?PatientID=P2").json()[0]
    assert "00101010" not in plain  # PatientAge is not a default attribute
    more = client.get("/dicom-web/studies?PatientID=P2&includefield=00081030,PatientAge").json()[0]
    assert more["00081030"]["Value"] == ["Brain"] and "00101010" in more
    everything = client.get("/dicom-web/studies?PatientID=P2&includefield=all").json()[0]
    assert len(everything) > len(more)


def test_limit_and_offset_page_through_with_a_warning(client: TestClient):
    first = client.get(f"/dicom-web/studies/{STUDY_A}/instances?limit=2")
    assert len(first.json()) == 2
    assert "There are 1 additional results" in first.headers["warning"]
    rest = client.get(f"/dicom-web/studies/{STUDY_A}/instances?limit=2&offset=2")
    assert len(rest.json()) == 1 and "warning" not in rest.headers
    seen = values(first.json(), "00080018") + values(rest.json(), "00080018")
    assert sorted(seen) == [f"{STUDY_A}.1.{n}" for n in range(3)]


def test_no_match_is_an_empty_array(client: TestClient):
    response = client.get("/dicom-web/studies?PatientName=nobody&fuzzymatching=true")
    assert response.status_code == 200 and response.json() == []
    assert "warning" not in response.headers


@pytest.mark.parametrize(
    ("name", "exact", "fuzzy"),
    [
        ("do", [], [STUDY_A]),  # a prefix of the family name
        ("DO^JO", [], [STUDY_A]),  # prefixes of each component
        ("r^j", [], [STUDY_B]),
        ("doe^john", [STUDY_A], [STUDY_A]),  # what matched exactly still matches
        ("jo", [], []),  # components are matched in their place, not anywhere
    ],
)
def test_fuzzy_matching_matches_person_name_components_by_prefix(client: TestClient, name, exact, fuzzy):
    def studies(**params: str) -> list[object]:
        return values(client.get("/dicom-web/studies", params={"PatientName": name, **params}).json(), "0020000D")

    assert studies() == exact
    assert studies(fuzzymatching="true") == fuzzy
    assert studies(fuzzymatching="false") == exact


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("StudyDate=2024-13-45", "StudyDate"),
        ("NoSuchAttribute=1", "NoSuchAttribute"),
        ("limit=-1", "limit must not be negative"),
        ("offset=abc", "offset='abc' is not a whole number"),
        ("SeriesDescription=x", "SERIES-level key"),
    ],
)
def test_bad_queries_are_400_problems_naming_the_parameter(client: TestClient, query: str, detail: str):
    response = client.get(f"/dicom-web/studies?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]


def test_a_huge_limit_is_capped_with_a_warning(client: TestClient, monkeypatch: pytest.MonkeyPatch):
    from pypacs.web import qido

    monkeypatch.setattr(qido, "MAX_RESULTS", 2)
    response = client.get(f"/dicom-web/studies/{STUDY_A}/instances?limit=1000000")
    assert response.status_code == 200 and len(response.json()) == 2
    assert "There are 1 additional results" in response.headers["warning"]


def test_cors_is_off_by_default_and_on_for_configured_origins(sqlite_settings: Settings):
    with Archive.open(sqlite_settings) as archive:
        plain = TestClient(create_app(archive)).get("/dicom-web/studies", headers={"Origin": "https://viewer.example"})
        assert "access-control-allow-origin" not in plain.headers
    settings = sqlite_settings.model_copy(update={"cors_origins": ["https://viewer.example"]})
    with Archive.open(settings) as archive:
        client = TestClient(create_app(archive))
        allowed = client.get("/dicom-web/studies", headers={"Origin": "https://viewer.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://viewer.example"
        preflight = client.options("/dicom-web/studies", headers={"Origin": "https://viewer.example",
                                                                   "Access-Control-Request-Method": "GET"})  # fmt: skip
        assert preflight.status_code == 200
