"""A study holding a big endian object and a corrupt one, retrieved by curl and dicomweb-client from a real
`pypacs serve`: the answer is whole (curl exits 0), the big endian object comes little endian."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from dicomweb_client.api import DICOMwebClient
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.encaps import encapsulate
from pydicom.uid import generate_uid

from tests.conftest import encode, make_dataset
from tests.interop.conftest import PacsProcess, pypacs_cli, start_pacs, stop_pacs

pytestmark = pytest.mark.interop

STUDY, SERIES = "1.2.826.0.1.3680043.78.1", "1.2.826.0.1.3680043.78.1.1"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PacsProcess, dict[str, Path]]]:
    root = tmp_path_factory.mktemp("conversions")
    big = dcmread(get_testdata_file("MR_small_bigendian.dcm"))
    big.StudyInstanceUID, big.SeriesInstanceUID = STUDY, SERIES
    big.SOPInstanceUID = big.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    corrupt = make_dataset(StudyInstanceUID=STUDY, SeriesInstanceUID=SERIES, PatientID=big.PatientID, InstanceNumber=9)
    corrupt.PixelData = encapsulate([b"not a JPEG 2000 codestream"])
    corrupt["PixelData"].VR = "OB"
    plain = make_dataset(StudyInstanceUID=STUDY, SeriesInstanceUID=SERIES, PatientID=big.PatientID, InstanceNumber=5)
    files = {"big": root / "big.dcm", "corrupt": root / "corrupt.dcm", "plain": root / "plain.dcm"}
    big.save_as(files["big"])
    files["corrupt"].write_bytes(encode(corrupt, "1.2.840.10008.1.2.4.90"))
    files["plain"].write_bytes(encode(plain))
    assert pypacs_cli("import", *map(str, files.values()), "--data-dir", str(root / "data")).returncode == 0
    pacs = start_pacs(root / "data")
    try:
        yield pacs, files
    finally:
        stop_pacs(pacs)


def test_curl_gets_a_whole_study_answer_with_the_big_endian_object_converted(served, tmp_path: Path):
    pacs, files = served
    body = tmp_path / "study.multipart"
    accept = 'Accept: multipart/related; type="application/dicom"'
    command = ["curl", "-sS", "-o", str(body), "-w", "%{http_code}", "-H", accept,
               f"{pacs.http_url}/dicom-web/studies/{STUDY}"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr  # was 18: the connection dropped mid-answer
    assert done.stdout == "200"
    data = body.read_bytes()
    assert data.rstrip().endswith(b"--")  # the closing boundary came
    big_uid = dcmread(files["big"]).SOPInstanceUID.encode()
    assert big_uid in data and dcmread(files["plain"]).SOPInstanceUID.encode() in data
    assert "left out of the answer" in pacs.log()  # the corrupt one, named in the log


def test_dicomweb_client_reads_the_study_with_the_big_endian_pixels_intact(served):
    pacs, files = served
    client = DICOMwebClient(url=f"{pacs.http_url}/dicom-web")
    retrieved = {str(ds.SOPInstanceUID): ds for ds in client.retrieve_study(STUDY)}
    big = dcmread(files["big"])
    converted = retrieved[str(big.SOPInstanceUID)]
    assert converted.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    assert np.array_equal(converted.pixel_array, dcmread(get_testdata_file("MR_small.dcm")).pixel_array)
    as_stored = client.retrieve_study(STUDY, media_types=(("application/dicom", "*"),))
    assert len(as_stored) == 3
    assert dcmread(io.BytesIO(files["corrupt"].read_bytes())).SOPInstanceUID in {ds.SOPInstanceUID for ds in as_stored}
