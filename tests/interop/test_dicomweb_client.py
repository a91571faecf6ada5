"""dicomweb-client (the Python DICOMweb client) against a real `pypacs serve`: search at every level, retrieve
study/series/instance, metadata, frames, rendered; store with STOW-RS; bytes identical to what was stored."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from dicomweb_client.api import DICOMwebClient
from PIL import Image
from pydicom import dcmread
from pydicom.data import get_testdata_file
from requests import HTTPError

from tests.conftest import SHARED_CT
from tests.interop.conftest import PacsProcess, pypacs_cli, start_pacs, stop_pacs

pytestmark = [pytest.mark.interop, pytest.mark.skipif(not SHARED_CT.exists(), reason="shared CT not present")]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PacsProcess, DICOMwebClient]]:
    root = tmp_path_factory.mktemp("dicomweb")
    assert pypacs_cli("import", str(SHARED_CT), "--data-dir", str(root / "data")).returncode == 0
    pacs = start_pacs(root / "data")
    try:
        yield pacs, DICOMwebClient(url=f"{pacs.http_url}/dicom-web")
    finally:
        stop_pacs(pacs)


def shared_ct() -> dict[str, Path]:
    return {str(dcmread(path, stop_before_pixels=True).SOPInstanceUID): path for path in SHARED_CT.glob("*.dcm")}


def test_search_at_every_level(served):
    _pacs, client = served
    files = shared_ct()
    first = dcmread(next(iter(files.values())), stop_before_pixels=True)
    [study] = client.search_for_studies(search_filters={"PatientID": str(first.PatientID)})
    assert study["0020000D"]["Value"] == [first.StudyInstanceUID]
    series = client.search_for_series(first.StudyInstanceUID)
    assert [s["0020000E"]["Value"][0] for s in series] == [first.SeriesInstanceUID]
    instances = client.search_for_instances(first.StudyInstanceUID, first.SeriesInstanceUID)
    assert sorted(i["00080018"]["Value"][0] for i in instances) == sorted(files)
    page = client.search_for_instances(first.StudyInstanceUID, limit=5, offset=5)
    assert len(page) == 5


def test_retrieve_study_series_instance_and_metadata_unchanged(served):
    _pacs, client = served
    files = shared_ct()
    first = dcmread(next(iter(files.values())))
    study = client.retrieve_study(first.StudyInstanceUID, media_types=(("application/dicom", "*"),))
    assert sorted(str(ds.SOPInstanceUID) for ds in study) == sorted(files)
    for ds in study:
        assert ds.PixelData == dcmread(files[str(ds.SOPInstanceUID)]).PixelData
    one = client.retrieve_instance(first.StudyInstanceUID, first.SeriesInstanceUID, first.SOPInstanceUID,
                                   media_types=(("application/dicom", "*"),))  # fmt: skip
    assert one.PixelData == first.PixelData and one.PatientName == first.PatientName
    metadata = client.retrieve_series_metadata(first.StudyInstanceUID, first.SeriesInstanceUID)
    assert len(metadata) == len(files)
    assert all("BulkDataURI" in item["7FE00010"] for item in metadata)


def test_frames_and_rendered(served):
    _pacs, client = served
    first = dcmread(next(iter(shared_ct().values())))
    uids = (first.StudyInstanceUID, first.SeriesInstanceUID, first.SOPInstanceUID)
    native = (("application/octet-stream", "1.2.840.10008.1.2.1"),)
    [frame] = client.retrieve_instance_frames(*uids, frame_numbers=[1], media_types=native)
    assert np.frombuffer(frame, dtype="<i2").reshape(first.Rows, first.Columns).tolist() == first.pixel_array.tolist()
    jpeg = client.retrieve_instance_rendered(*uids, media_types=("image/jpeg",), params={"window": "40,400"})
    assert jpeg[:2] == b"\xff\xd8"


def test_store_instances_then_find_them(served):
    _pacs, client = served
    ds = dcmread(get_testdata_file("CT_small.dcm"))
    result = client.store_instances([ds])
    assert len(result.ReferencedSOPSequence) == 1
    [found] = client.search_for_instances(ds.StudyInstanceUID, ds.SeriesInstanceUID)
    assert found["00080018"]["Value"] == [ds.SOPInstanceUID]
    back = client.retrieve_instance(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID,
                                    media_types=(("application/dicom", "*"),))  # fmt: skip
    assert back.PixelData == ds.PixelData


def test_unknown_study_is_an_http_404(served):
    _pacs, client = served
    with pytest.raises(HTTPError) as raised:
        client.retrieve_study_metadata("1.2.3.4.5")
    assert raised.value.response.status_code == 404


def test_serve_prints_the_dicomweb_root(served):
    pacs, _client = served
    assert f"DICOMweb     {pacs.http_url}/dicom-web" in pacs.log()


def test_curl_gets_a_wado_uri_jpeg_and_a_problem_for_a_bad_uid(served, tmp_path: Path):
    pacs, _client = served
    first = dcmread(next(iter(shared_ct().values())), stop_before_pixels=True)
    url = (f"{pacs.http_url}/wado?requestType=WADO&studyUID={first.StudyInstanceUID}"
           f"&seriesUID={first.SeriesInstanceUID}&objectUID={first.SOPInstanceUID}"
           "&contentType=image/jpeg&windowCenter=40&windowWidth=80")  # fmt: skip
    picture = tmp_path / "slice.jpg"
    done = subprocess.run(["curl", "-sS", "-f", "-o", str(picture), "-w", "%{content_type}", url],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "image/jpeg"
    with Image.open(picture) as image:
        assert image.format == "JPEG" and image.size == (first.Columns, first.Rows)
    bad = url.replace(str(first.SOPInstanceUID), "1.2.3.999")
    answer = subprocess.run(["curl", "-sS", "-w", "\n%{http_code} %{content_type}", bad],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    body, _, status = answer.stdout.rpartition("\n")
    assert status == "404 application/problem+json"
    assert "no instance 1.2.3.999" in json.loads(body)["detail"]
