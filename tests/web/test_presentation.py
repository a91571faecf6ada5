"""The viewer's JSON routes: window presets; presentation states, measurements and key images stored through the
archive's one ingest path, found by QIDO-RS and C-FIND's query model, read back; bad input is a 4xx problem."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydicom.dataset import Dataset

from pypacs.archive.service import Archive
from pypacs.dicom.levels import Level
from tests.conftest import encode
from tests.reports.images import image_series
from tests.reports.presentation_state.test_sop import full_description

GSPS = "1.2.840.10008.5.1.4.1.1.11.1"


@pytest.fixture
def images(archive: Archive) -> list[Dataset]:
    series = image_series(3)
    for image in series:
        archive.store(encode(image))
    return series


def series_url(images: list[Dataset]) -> str:
    return f"/api/studies/{images[0].StudyInstanceUID}/series/{images[0].SeriesInstanceUID}"


def study_url(images: list[Dataset]) -> str:
    return f"/api/studies/{images[0].StudyInstanceUID}"


def qido_series(client: TestClient, images: list[Dataset], modality: str) -> list[dict[str, Any]]:
    response = client.get(f"/dicom-web/studies/{images[0].StudyInstanceUID}/series", params={"Modality": modality})
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def assert_problem(response: Any, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert words in response.json()["detail"], response.json()


def test_window_presets_are_served_as_the_data_file(client: TestClient):
    document = client.get("/api/window-presets").json()
    lung = document["presets"][0]
    assert lung == {"key": "1", "id": "lung", "name": "lung", "kind": "preset", "modality": "CT",
                    "width": {"min": 1500, "max": 2000, "default": 1500},
                    "level": {"min": -600, "max": -450, "default": -600}}  # fmt: skip
    assert [preset["name"] for preset in document["presets"][-2:]] == ["as stored", "full range"]


def test_rendered_images_take_a_preset_name_as_window(client: TestClient, images: list[Dataset]):
    base = f"/dicom-web/studies/{images[0].StudyInstanceUID}/series/{images[0].SeriesInstanceUID}/instances/" \
           f"{images[0].SOPInstanceUID}/rendered"  # fmt: skip
    lung, bone = (client.get(base, params={"window": name, "accept": "image/png"}) for name in ("lung", "bone"))
    assert lung.status_code == bone.status_code == 200 and lung.content != bone.content
    assert client.get(base, params={"window": "full-range"}).status_code == 200
    assert_problem(client.get(base, params={"window": "liverish"}), 400, "preset")


def test_the_viewer_routes_are_in_the_openapi_document_with_summaries(client: TestClient):
    paths = client.get("/openapi.json").json()["paths"]
    expected = {
        "/api/window-presets": ["get"],
        "/api/studies/{study}/series/{series}/presentation-states": ["post"],
        "/api/studies/{study}/presentation-states": ["get"],
        "/api/studies/{study}/presentation-states/{sop}": ["get"],
        "/api/studies/{study}/series/{series}/measurements": ["post"],
        "/api/studies/{study}/measurements": ["get"],
        "/api/studies/{study}/measurements/{sop}": ["get"],
        "/api/studies/{study}/key-images": ["get", "post"],
    }
    for path, methods in expected.items():
        for method in methods:
            assert paths[path][method]["summary"], (path, method)


def test_a_presentation_state_is_stored_found_listed_and_read_back(client: TestClient, images: list[Dataset],
                                                                   archive: Archive):  # fmt: skip
    description = full_description(images)
    created = client.post(f"{series_url(images)}/presentation-states", json=description)
    assert created.status_code == 201, created.text
    uids = created.json()
    assert uids["studyInstanceUID"] == images[0].StudyInstanceUID and uids["sopClassUID"] == GSPS

    [found] = qido_series(client, images, "PR")
    assert found["0020000E"]["Value"] == [uids["seriesInstanceUID"]]
    identifier = Dataset()
    identifier.StudyInstanceUID, identifier.Modality = images[0].StudyInstanceUID, "PR"
    identifier.SeriesInstanceUID = ""  # what C-FIND asks the archive's one query model
    assert [str(ds.SeriesInstanceUID) for ds in archive.find(Level.SERIES, identifier)] == [uids["seriesInstanceUID"]]

    [summary] = client.get(f"{study_url(images)}/presentation-states").json()
    assert summary["sopInstanceUID"] == uids["sopInstanceUID"] and summary["label"] == "LESIONS"
    assert summary["creator"] == "Doe^Jane" and summary["description"] == "Two lesions measured"
    assert summary["referencedSeries"] == [images[0].SeriesInstanceUID] and summary["created"][:4].isdigit()

    read = client.get(f"{study_url(images)}/presentation-states/{uids['sopInstanceUID']}").json()
    for key in ("studyInstanceUID", "seriesInstanceUID", "sopInstanceUID", "sopClassUID"):
        assert read.pop(key) == uids[key]
    assert read.pop("created") == summary["created"]
    assert read["rotation"] == 270 and read["flip"] is True
    assert read["images"][0]["window"] == {"center": -600, "width": 1500, "function": "LINEAR", "explanation": "lung"}
    assert read["annotations"][0]["graphics"][0]["points"] == [[10.5, 12.25], [30.1, 40.0]]
    assert read["annotations"][1]["texts"][1]["units"] == "DISPLAY"


def test_measurements_are_stored_as_sr_and_read_back_with_their_values(client: TestClient, images: list[Dataset]):
    body = {"observer": "Doe^Jane", "measurements": [
        {"kind": "length", "image": {"sopInstanceUID": images[1].SOPInstanceUID}, "points": [[1, 1], [21, 1]],
         "length": 10.0},
        {"kind": "region", "image": {"sopInstanceUID": images[1].SOPInstanceUID}, "shape": "CIRCLE",
         "points": [[30, 30], [35, 30]], "area": 19.63, "mean": -2.5, "standardDeviation": 4, "minimum": -20,
         "maximum": 14}]}  # fmt: skip
    created = client.post(f"{series_url(images)}/measurements", json=body)
    assert created.status_code == 201, created.text
    assert [found["00080060"]["Value"] for found in qido_series(client, images, "SR")] == [["SR"]]
    [report] = client.get(f"{study_url(images)}/measurements").json()
    assert report["sopInstanceUID"] == created.json()["sopInstanceUID"] and report["observer"] == "Doe^Jane"
    length, region = report["measurements"]
    assert length["length"] == 10.0 and length["label"] == "Length 1"
    assert length["image"]["seriesInstanceUID"] == images[1].SeriesInstanceUID
    assert (region["area"], region["mean"], region["unit"]) == (19.63, -2.5, "[hnsf'U]")
    one = client.get(f"{study_url(images)}/measurements/{report['sopInstanceUID']}").json()
    assert one == report


def test_key_images_are_stored_as_ko_and_every_selection_is_listed(client: TestClient, images: list[Dataset]):
    first = client.post(f"{study_url(images)}/key-images", json={"images": [
        {"sopInstanceUID": images[0].SOPInstanceUID}, {"sopInstanceUID": images[2].SOPInstanceUID}]})  # fmt: skip
    second = client.post(f"{study_url(images)}/key-images", json={
        "title": {"value": "113004", "scheme": "DCM", "meaning": "For Teaching"}, "description": "classic sign",
        "images": [{"sopInstanceUID": images[1].SOPInstanceUID}]})  # fmt: skip
    assert first.status_code == second.status_code == 201
    assert len(qido_series(client, images, "KO")) == 2
    selections = {s["sopInstanceUID"]: s for s in client.get(f"{study_url(images)}/key-images").json()}
    assert selections.keys() == {first.json()["sopInstanceUID"], second.json()["sopInstanceUID"]}
    of_interest = selections[first.json()["sopInstanceUID"]]
    assert of_interest["title"] == {"value": "113000", "scheme": "DCM", "meaning": "Of Interest"}
    assert [(i["seriesInstanceUID"], i["sopInstanceUID"]) for i in of_interest["images"]] == [
        (images[0].SeriesInstanceUID, images[0].SOPInstanceUID),
        (images[2].SeriesInstanceUID, images[2].SOPInstanceUID),
    ]
    assert selections[second.json()["sopInstanceUID"]]["description"] == "classic sign"


def test_an_unknown_study_series_or_document_is_404(client: TestClient, images: list[Dataset]):
    body = {"images": [{"sopInstanceUID": images[0].SOPInstanceUID}]}
    assert_problem(client.post("/api/studies/1.2.3/series/1.2.4/presentation-states", json=body), 404, "no study")
    assert_problem(client.post(f"{study_url(images)}/series/1.2.4/presentation-states", json=body), 404, "no series")
    assert_problem(client.get("/api/studies/1.2.3/presentation-states"), 404, "no study")
    assert_problem(client.get(f"{study_url(images)}/presentation-states/1.2.5"), 404, "no presentation state")
    assert_problem(client.get(f"{study_url(images)}/measurements/{images[0].SOPInstanceUID}"), 404, "no measurement")
    assert_problem(client.post("/api/studies/1.2.3/key-images", json=body), 404, "no study")


def test_references_to_instances_not_in_the_study_are_400(client: TestClient, images: list[Dataset],
                                                          archive: Archive):  # fmt: skip
    [elsewhere] = image_series(1)
    archive.store(encode(elsewhere))
    outside = {"sopInstanceUID": elsewhere.SOPInstanceUID}
    response = client.post(f"{series_url(images)}/presentation-states", json={"images": [outside]})
    assert_problem(response, 400, f"image {elsewhere.SOPInstanceUID} is not an instance of study")
    wrong_series = {"sopInstanceUID": images[0].SOPInstanceUID, "seriesInstanceUID": elsewhere.SeriesInstanceUID}
    response = client.post(f"{series_url(images)}/presentation-states", json={"images": [wrong_series]})
    assert_problem(response, 400, "is not in series")
    measurement = {"kind": "length", "image": outside, "points": [[1, 1], [2, 2]], "length": 1}
    response = client.post(f"{series_url(images)}/measurements", json={"measurements": [measurement]})
    assert_problem(response, 400, "is not an instance of study")
    assert_problem(client.post(f"{study_url(images)}/key-images", json={"images": [outside]}), 400, "not an instance")


@pytest.mark.parametrize(
    ("annotation", "words"),
    [
        ({"layer": "L", "graphics": [{"type": "ELLIPSE", "points": [[1, 1], [2, 2]]}]}, "ELLIPSE has 4 point"),
        ({"layer": "L", "graphics": [{"type": "POINT", "points": [[12345.5, 1]]}]}, "finite"),  # sent as 1e400
        ({"layer": "L", "graphics": [{"type": "POINT", "points": [[99, 1]]}]}, "outside"),
        ({"layer": "L"}, "at least one graphic or text"),
        ({"layer": "L", "texts": [{"text": "no place"}]}, "anchor, a box"),
        ({"layer": "L", "graphics": [{"type": "POINT", "points": [[1, 1]], "colour": "red"}]}, "colour"),
    ],
)
def test_malformed_graphics_are_400_problems(client: TestClient, images: list[Dataset], annotation, words):
    body = {"images": [{"sopInstanceUID": images[0].SOPInstanceUID}], "annotations": [annotation]}
    content = json.dumps(body).replace("12345.5", "1e400")
    response = client.post(f"{series_url(images)}/presentation-states", content=content,
                           headers={"content-type": "application/json"})  # fmt: skip
    assert_problem(response, 400, words)
    assert qido_series(client, images, "PR") == []


def test_a_body_that_is_not_json_is_400(client: TestClient, images: list[Dataset]):
    response = client.post(f"{series_url(images)}/presentation-states", content=b"{not json",
                           headers={"content-type": "application/json"})  # fmt: skip
    assert response.status_code == 400


def test_images_without_the_optional_patient_and_study_attributes_can_be_referenced(client: TestClient,
                                                                                    archive: Archive):  # fmt: skip
    images = image_series(1, PatientBirthDate=None, PatientSex=None, AccessionNumber=None, ReferringPhysicianName=None)
    archive.store(encode(images[0]))
    body = {"images": [{"sopInstanceUID": images[0].SOPInstanceUID}]}
    assert client.post(f"{series_url(images)}/presentation-states", json=body).status_code == 201
    assert client.post(f"{study_url(images)}/key-images", json=body).status_code == 201


def test_the_http_app_leaves_highdicom_unimported_until_a_document_is_made():
    """DIMSE worker processes import the HTTP app; highdicom costs each ~1 s and ~20 MB it never uses."""
    code = "import sys, pypacs.web.app; print('highdicom' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


def test_a_key_image_title_outside_cid_7010_or_of_a_rejection_note_is_400(client: TestClient, images: list[Dataset]):
    body = {"images": [{"sopInstanceUID": images[0].SOPInstanceUID}]}
    wrong = {**body, "title": {"value": "113001", "scheme": "DCM", "meaning": "Quality Issue"}}
    assert_problem(client.post(f"{study_url(images)}/key-images", json=wrong), 400, "Rejected for Quality Reasons")
    rejection = {**body, "title": {"value": "113001", "scheme": "DCM", "meaning": "Rejected for Quality Reasons"}}
    assert_problem(client.post(f"{study_url(images)}/key-images", json=rejection), 400, "rejection note")
    assert qido_series(client, images, "KO") == []
    quality = {**body, "title": {"value": "113010", "scheme": "DCM", "meaning": "Quality Issue"}}
    assert client.post(f"{study_url(images)}/key-images", json=quality).status_code == 201
