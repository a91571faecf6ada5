"""The viewer's documents against a real `pypacs serve` holding the real head CT: a GSPS made by DCMTK dcmpsmk and sent
with storescu reads back through the JSON routes beside one posted as JSON; the PR, SR and KO objects are found by
DCMTK findscu and QIDO-RS and delivered by C-MOVE to a DCMTK storescp."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydicom import dcmread

from tests.conftest import SHARED_CT
from tests.interop.conftest import PacsProcess, pypacs_cli, run_dcmtk, start_pacs, stop_pacs
from tests.interop.test_dcmtk_find import findscu
from tests.interop.test_dcmtk_retrieve import Storescp, movescu

pytestmark = [pytest.mark.interop, pytest.mark.skipif(not SHARED_CT.exists(), reason="shared CT not present")]


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory, dcmtk: None) -> Iterator[tuple[PacsProcess, Storescp]]:
    root = tmp_path_factory.mktemp("viewer-documents")
    (root / "dest").mkdir()
    destination = Storescp(root / "dest")
    config = root / "pypacs.toml"
    config.write_text(f'[[remote_aes]]\ntitle = "DEST"\nhost = "127.0.0.1"\nport = {destination.port}\n')
    assert pypacs_cli("import", str(SHARED_CT), "--data-dir", str(root / "data")).returncode == 0
    pacs = start_pacs(root / "data", "--config", str(config))
    try:
        yield pacs, destination
    finally:
        stop_pacs(pacs)
        destination.process.terminate()


def test_dcmpsmk_and_json_documents_are_read_found_and_moved(node, tmp_path: Path):
    pacs, destination = node
    files = sorted(SHARED_CT.glob("*.dcm"))
    image = dcmread(files[3], stop_before_pixels=True)
    study, series = str(image.StudyInstanceUID), str(image.SeriesInstanceUID)
    api = f"{pacs.http_url}/api/studies/{study}"

    made = run_dcmtk("dcmpsmk", "+Vw", str(files[3]), str(tmp_path / "dcmpsmk.dcm"))
    assert made.returncode == 0, made.stderr
    sent = run_dcmtk("storescu", "-aec", "PYPACS", "127.0.0.1", str(pacs.dimse_port), str(tmp_path / "dcmpsmk.dcm"))
    assert sent.returncode == 0, sent.stderr
    from_dcmtk = str(dcmread(tmp_path / "dcmpsmk.dcm").SOPInstanceUID)

    state = {"label": "LESION", "images": [{"sopInstanceUID": str(image.SOPInstanceUID),
                                            "window": {"center": 40, "width": 80}}],
             "annotations": [{"layer": "MEASUREMENTS", "graphics": [{"type": "POLYLINE",
                                                                     "points": [[100, 100], [200, 150]]}],
                              "texts": [{"text": "55.9 mm", "anchor": [200, 150]}]}],
             "rotation": 90}  # fmt: skip
    posted = httpx.post(f"{api}/series/{series}/presentation-states", json=state, timeout=30)
    assert posted.status_code == 201, posted.text
    measurements = {"measurements": [{"kind": "length", "image": {"sopInstanceUID": str(image.SOPInstanceUID)},
                                      "points": [[100, 100], [200, 150]], "length": 55.9}]}  # fmt: skip
    assert httpx.post(f"{api}/series/{series}/measurements", json=measurements, timeout=30).status_code == 201
    key_images = {"images": [{"sopInstanceUID": str(image.SOPInstanceUID)}]}
    assert httpx.post(f"{api}/key-images", json=key_images, timeout=30).status_code == 201

    listed = {entry["sopInstanceUID"]: entry for entry in httpx.get(f"{api}/presentation-states").json()}
    assert listed.keys() == {from_dcmtk, posted.json()["sopInstanceUID"]}
    read = httpx.get(f"{api}/presentation-states/{from_dcmtk}").json()
    [presented] = read["images"]
    assert (presented["sopInstanceUID"], presented["seriesInstanceUID"]) == (str(image.SOPInstanceUID), series)
    assert (presented["window"]["center"], presented["window"]["width"]) == (35, 100)  # the image's own window
    assert presented["displayedArea"]["bottomRight"] == [512, 512]
    ours = httpx.get(f"{api}/presentation-states/{posted.json()['sopInstanceUID']}").json()
    assert ours["rotation"] == 90 and ours["images"][0]["window"]["width"] == 80

    for modality, count in (("PR", 2), ("SR", 1), ("KO", 1)):
        found, log = findscu(pacs, tmp_path, "-S", "QueryRetrieveLevel=SERIES", f"StudyInstanceUID={study}",
                             f"Modality={modality}", "SeriesInstanceUID=")  # fmt: skip
        assert len(found) == count, log
        qido = httpx.get(f"{pacs.http_url}/dicom-web/studies/{study}/series", params={"Modality": modality}).json()
        assert len(qido) == count

    documents = [posted.json()["seriesInstanceUID"], *(series["0020000E"]["Value"][0] for series in httpx.get(
        f"{pacs.http_url}/dicom-web/studies/{study}/series", params={"Modality": "SR,KO"}).json())]  # fmt: skip
    for document_series in documents:
        log = movescu(pacs, "DEST", "QueryRetrieveLevel=SERIES", f"StudyInstanceUID={study}",
                      f"SeriesInstanceUID={document_series}")  # fmt: skip
        assert "Received Final Move Response (Success)" in log, log
    moved = {str(dcmread(path).Modality) for path in destination.folder.iterdir()}
    assert moved == {"PR", "SR", "KO"}
