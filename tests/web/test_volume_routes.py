"""The 3D routes (web/volume.py): a series' volume geometry as JSON, MPR planes and MIP slabs as pictures placed
in patient space by their Pypacs-Plane header, and clear problems for bad parameters and what is no volume."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from pypacs.archive.service import Archive
from pypacs.synthetic import PatientInfo, SeriesSpec, encode_part10, make_study


def stored(
    archive: Archive, slices: int = 20, size: int = 64, thickness: float = 2.5, seed: int = 5
) -> tuple[str, str]:
    spec = SeriesSpec(slices=slices, rows=size, columns=size, pixel_spacing=1.0, slice_thickness=thickness)
    datasets = list(make_study([spec], patient=PatientInfo("3D", "THREE^D"), seed=seed))
    for ds in datasets:
        archive.store(encode_part10(ds))
    return datasets[0].StudyInstanceUID, datasets[0].SeriesInstanceUID


def picture(response) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.asarray(Image.open(io.BytesIO(response.content)))


def test_the_volume_route_says_where_the_series_lies(client: TestClient, archive: Archive):
    study, series = stored(archive)
    answer = client.get(f"/api/studies/{study}/series/{series}/volume")
    assert answer.status_code == 200
    body = answer.json()
    assert body["shape"] == [20, 64, 64]
    assert body["spacing"] == [1.0, 1.0, 2.5]
    assert body["bounds"]["max"][2] - body["bounds"]["min"][2] == 19 * 2.5
    assert body["notes"] == []
    assert body["window"] == [40.0, 400.0]


def test_mpr_planes_come_as_pictures_with_square_pixels_and_their_place(client: TestClient, archive: Archive):
    study, series = stored(archive)
    base = f"/api/studies/{study}/series/{series}/mpr"
    axial = client.get(base, params={"plane": "axial", "accept": "image/png"})
    assert axial.status_code == 200 and axial.headers["content-type"] == "image/png"
    assert picture(axial).shape == (64, 64)
    coronal = client.get(base, params={"plane": "coronal", "accept": "image/png"})
    # 64 mm across, 47.5 mm high (20 slices 2.5 mm apart, centre to centre, plus a half slice each end)
    assert picture(coronal).shape == (50, 64)
    place = json.loads(coronal.headers["pypacs-plane"])
    assert place["right"] == [1.0, 0.0, 0.0] and place["down"] == [0.0, 0.0, -1.0]
    assert place["width"] == 64.0 and place["height"] == 50.0
    assert place["window"] == [40.0, 400.0]
    windowed = client.get(base, params={"plane": "coronal", "accept": "image/png", "window": "bone"})
    assert json.loads(windowed.headers["pypacs-plane"])["window"] == [300.0, 1500.0]
    assert not np.array_equal(picture(windowed), picture(coronal))


def test_an_oblique_plane_and_a_slab(client: TestClient, archive: Archive):
    study, series = stored(archive)
    base = f"/api/studies/{study}/series/{series}/mpr"
    oblique = client.get(base, params={"plane": "oblique", "right": "1,1,0", "down": "0,0,-1", "accept": "image/png"})
    assert oblique.status_code == 200
    place = json.loads(oblique.headers["pypacs-plane"])
    assert np.allclose(place["right"], [2**-0.5, 2**-0.5, 0], atol=1e-5)
    thin = picture(client.get(base, params={"plane": "axial", "accept": "image/png", "window": "-500,1000"}))
    thick = picture(client.get(base, params={"plane": "axial", "accept": "image/png", "window": "-500,1000",
                                             "slab": "40", "mode": "mip"}))  # fmt: skip
    assert (thick.astype(int) >= thin.astype(int) - 1).all()
    assert thick.astype(int).sum() > thin.astype(int).sum()


def test_a_mip_of_the_whole_volume_is_at_least_every_cut(client: TestClient, archive: Archive):
    study, series = stored(archive)
    whole = picture(client.get(f"/api/studies/{study}/series/{series}/mip",
                               params={"plane": "axial", "accept": "image/png", "window": "-500,1000"}))  # fmt: skip
    for z in (-20.0, 0.0, 20.0):
        cut = picture(client.get(f"/api/studies/{study}/series/{series}/mpr",
                                 params={"plane": "axial", "point": f"0,0,{z}", "accept": "image/png",
                                         "window": "-500,1000"}))  # fmt: skip
        assert (whole.astype(int) >= cut.astype(int) - 1).all()


def test_bad_parameters_and_no_volume_are_problems_that_say_why(client: TestClient, archive: Archive):
    study, series = stored(archive)
    base = f"/api/studies/{study}/series/{series}/mpr"
    for params, text in [
        ({"plane": "upside"}, "must be one of axial, coronal, sagittal, oblique"),
        ({"point": "1,2"}, "3 finite numbers"),
        ({"point": "1,2,nan"}, "finite"),
        ({"plane": "oblique"}, "needs right="),
        ({"plane": "oblique", "right": "1,0,0", "down": "2,0,0"}, "not parallel"),
        ({"slab": "-3"}, "thickness"),
        ({"slab": "5", "mode": "loudest"}, "mip, minip, average"),
        ({"window": "bogus"}, "window"),
    ]:
        answer = client.get(base, params=params)
        assert answer.status_code == 400, params
        assert answer.headers["content-type"] == "application/problem+json"
        assert text in answer.json()["detail"], (params, answer.json())
    missing = client.get(f"/api/studies/{study}/series/1.2.3.4/mpr")
    assert missing.status_code == 404
    single_study, single_series = stored(archive, slices=1, seed=6)
    answer = client.get(f"/api/studies/{single_study}/series/{single_series}/volume")
    assert answer.status_code == 422
    assert "at least two images" in answer.json()["detail"]


def test_volume_rendering_surface_and_rotating_mip_pictures(client: TestClient, archive: Archive):
    study, series = stored(archive)
    base = f"/api/studies/{study}/series/{series}"
    presets = client.get("/api/volume-presets").json()
    assert {"id": "ct-bone", "name": "CT bone"} in presets
    vr = client.get(f"{base}/vr", params={"preset": "ct-soft-tissue", "azimuth": "30", "accept": "image/png"})
    assert vr.status_code == 200
    image = picture(vr)
    assert image.shape == (512, 512, 3) and image.max() > 100
    camera = json.loads(vr.headers["pypacs-camera"])
    assert np.allclose(camera["up"], [0, 0, 1])
    draft = client.get(f"{base}/vr", params={"preset": "ct-soft-tissue", "azimuth": "30", "draft": "true",
                                             "accept": "image/png", "viewport": "256,256"})  # fmt: skip
    assert picture(draft).shape == (256, 256, 3)
    ssd = client.get(f"{base}/ssd", params={"threshold": "0", "elevation": "20", "accept": "image/png"})
    assert ssd.status_code == 200 and picture(ssd).max() > 100
    mip = client.get(f"{base}/mip", params={"azimuth": "45", "accept": "image/png", "window": "-500,1000"})
    assert mip.status_code == 200 and picture(mip).shape == (512, 512)
    right_half = {"preset": "ct-soft-tissue", "clip": "0,0.5,0,1,0,1", "accept": "image/png"}  # patient's right
    clipped = client.get(f"{base}/vr", params=right_half)
    assert clipped.status_code == 200 and picture(clipped)[:, 270:].max() == 0 and picture(clipped).max() > 100
    for params, text in [({"preset": "glass"}, "must be one of ct-bone"), ({"zoom": "0"}, "zoom"),
                         ({"clip": "0,1,0,1,1,0"}, "from < to"),
                         ({"draft": "maybe"}, "true or false"), ({"azimuth": "1e9"}, "degrees")]:  # fmt: skip
        answer = client.get(f"{base}/vr", params=params)
        assert answer.status_code == 400 and text in answer.json()["detail"], params


def test_cpr_and_cross_sections_along_a_path(client: TestClient, archive: Archive):
    study, series = stored(archive)
    base = f"/api/studies/{study}/series/{series}"
    path = "-20,-10,-15;0,0,0;20,10,15"
    cpr = client.get(f"{base}/cpr", params={"path": path, "accept": "image/png", "width": "40"})
    assert cpr.status_code == 200
    place = json.loads(cpr.headers["pypacs-cpr"])
    length = 2 * float(np.linalg.norm([20, 10, 15]))
    assert place["length"] == pytest.approx(length, abs=1.0) and place["spacing"] == 1.0
    assert picture(cpr).shape == (int(place["length"]) + 1, 41)
    turned = client.get(f"{base}/cpr", params={"path": path, "accept": "image/png", "width": "40", "angle": "90"})
    assert not np.array_equal(picture(turned), picture(cpr))
    stretched = client.get(f"{base}/cpr", params={"path": path, "kind": "stretched", "accept": "image/png"})
    assert stretched.status_code == 200
    across = {"path": path, "at": "10", "width": "30", "accept": "image/png"}
    section = client.get(f"{base}/cross-section", params=across)
    assert section.status_code == 200 and picture(section).shape == (31, 31)
    normal = np.cross(*(np.array(json.loads(section.headers["pypacs-plane"])[key]) for key in ("right", "down")))
    assert abs(np.dot(normal, np.array([20, 10, 15]) / np.linalg.norm([20, 10, 15]))) == pytest.approx(1, abs=1e-3)
    refused = [({"path": "1,2,3"}, "2 to 1000 points"), ({"path": path, "kind": "bent"}, "straightened"),
               ({"path": path, "width": "0"}, "width"), ({"path": "1,2,3;1,2,3"}, "two distinct")]  # fmt: skip
    for params, text in refused:
        answer = client.get(f"{base}/cpr", params=params)
        assert answer.status_code == 400 and text in answer.json()["detail"], params


def test_virtual_endoscopy_from_a_point_and_along_a_path(client: TestClient, archive: Archive):
    study, series = stored(archive)
    base = f"/api/studies/{study}/series/{series}"
    view = client.get(f"{base}/endoscopy", params={"position": "0,0,0", "look": "0,0,1", "threshold": "-200",
                                                   "accept": "image/png", "viewport": "128,128"})  # fmt: skip
    assert view.status_code == 200 and picture(view).shape == (128, 128, 3)
    camera = json.loads(view.headers["pypacs-camera"])
    assert camera["position"] == [0.0, 0.0, 0.0] and camera["look"] == [0.0, 0.0, 1.0] and camera["fov"] == 90.0
    along = client.get(f"{base}/endoscopy", params={"path": "0,0,-20;0,0,20", "at": "10", "yaw": "30", "draft": "true",
                                                    "accept": "image/png", "viewport": "128,128"})  # fmt: skip
    assert along.status_code == 200 and picture(along).shape == (128, 128, 3)
    assert json.loads(along.headers["pypacs-camera"])["position"] == [0.0, 0.0, -10.0]
    refused = [({}, "needs position"), ({"position": "0,0,0", "look": "0,0,0"}, "zero"),
               ({"position": "0,0,0", "look": "0,0,1", "fov": "200"}, "fov"),
               ({"position": "0,0,0", "look": "0,0,1", "lumen": "water"}, "air or contrast")]  # fmt: skip
    for params, text in refused:
        answer = client.get(f"{base}/endoscopy", params=params)
        assert answer.status_code == 400 and text in answer.json()["detail"], params


def test_reformations_saved_as_a_series_come_back_as_the_same_volume(client: TestClient, archive: Archive):
    study, series = stored(archive)
    answer = client.post(f"/api/studies/{study}/series/{series}/mpr/series",
                         params={"plane": "axial", "point": "0,0,0", "count": "5", "step": "2.5",
                                 "description": "axial again"})  # fmt: skip
    assert answer.status_code == 201, answer.text
    saved = answer.json()
    assert saved["instances"] == 5 and saved["sopClassUID"] == "1.2.840.10008.5.1.4.1.1.2"
    found = client.get(f"/dicom-web/studies/{study}/series", params={"SeriesInstanceUID": saved["seriesInstanceUID"]})
    assert found.status_code == 200 and found.json()[0]["00201209"]["Value"] == [5]
    again = archive.series_volume(study, saved["seriesInstanceUID"])
    original = archive.series_volume(study, series)
    assert again.shape == (5, 64, 64) and again.spacing == pytest.approx((1.0, 1.0, 2.5))
    k = int(round(original.to_index(again.to_patient(np.array([0, 0, 0])))[2]))
    assert np.array_equal(again.voxels[0], original.voxels[k])
    metadata = client.get(f"/dicom-web/studies/{study}/series/{saved['seriesInstanceUID']}/metadata").json()[0]
    assert metadata["00080008"]["Value"] == ["DERIVED", "SECONDARY", "MPR"]
    assert metadata["0008103E"]["Value"] == ["axial again"]


def test_renderings_saved_as_secondary_captures(client: TestClient, archive: Archive):
    study, series = stored(archive)
    answer = client.post(f"/api/studies/{study}/series/{series}/vr/series",
                         params={"count": "4", "viewport": "128,128", "preset": "ct-soft-tissue"})  # fmt: skip
    assert answer.status_code == 201, answer.text
    saved = answer.json()
    assert saved["instances"] == 4 and saved["sopClassUID"] == "1.2.840.10008.5.1.4.1.1.7"
    metadata = client.get(f"/dicom-web/studies/{study}/series/{saved['seriesInstanceUID']}/metadata").json()
    assert {item["00280004"]["Value"][0] for item in metadata} == {"RGB"}
    assert sorted(item["00200013"]["Value"][0] for item in metadata) == [1, 2, 3, 4]
    for path, params, text in [("mpr/series", {"count": "0"}, "count"), ("vr/series", {"step": "0"}, "step"),
                               ("mpr/series", {"description": "a\\\\b"}, "backslashes")]:  # fmt: skip
        refused = client.post(f"/api/studies/{study}/series/{series}/{path}", params=params)
        assert refused.status_code == 400 and text in refused.json()["detail"], (path, params)


def test_the_surface_as_a_mesh_and_an_stl_file(client: TestClient, archive: Archive):
    study, series = stored(archive)
    base = f"/api/studies/{study}/series/{series}"
    info = client.get(f"{base}/surface", params={"threshold": "200"})
    assert info.status_code == 200
    body = info.json()
    assert body["triangles"] > 100 and body["area"] > 0 and body["step"] == 1
    stl = client.get(f"{base}/surface.stl", params={"threshold": "200"})
    assert stl.status_code == 200 and stl.headers["content-type"] == "model/stl"
    assert int.from_bytes(stl.content[80:84], "little") == body["triangles"]
    assert "surface-200.stl" in stl.headers["content-disposition"]
    refused = client.get(f"{base}/surface", params={"threshold": "99999"})
    assert refused.status_code == 400 and "no surface at 99999" in refused.json()["detail"]


def test_a_cpr_turning_about_its_path_saved_as_secondary_captures(client: TestClient, archive: Archive):
    study, series = stored(archive)
    answer = client.post(f"/api/studies/{study}/series/{series}/cpr/series",
                         params={"path": "-20,-10,-15;0,0,0;20,10,15", "count": "3", "width": "40"})  # fmt: skip
    assert answer.status_code == 201, answer.text
    saved = answer.json()
    assert saved["instances"] == 3 and saved["sopClassUID"] == "1.2.840.10008.5.1.4.1.1.7"
    metadata = client.get(f"/dicom-web/studies/{study}/series/{saved['seriesInstanceUID']}/metadata").json()
    assert {item["00280004"]["Value"][0] for item in metadata} == {"MONOCHROME2"}
    assert {item["00080008"]["Value"][2] for item in metadata} == {"CPR"}
