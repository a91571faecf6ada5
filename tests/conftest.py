"""Shared fixtures: settings and archives on SQLite and (when make test provides one) PostgreSQL,
and a factory of small but complete DICOM objects with chosen attributes."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filewriter import dcmwrite
from pydicom.sequence import Sequence
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pypacs.archive.service import Archive
from pypacs.config import Settings

SHARED_CT = Path(__file__).resolve().parents[2] / "shared" / "data" / "ct-ge-tilt"
POSTGRES_URL = os.environ.get("PYPACS_TEST_POSTGRES_URL", "")


def postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("no PostgreSQL server: `make test` starts one and sets PYPACS_TEST_POSTGRES_URL")
    name = f"pypacs_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'index.sqlite'}"
    else:
        yield from postgres_database()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def archive(settings: Settings) -> Iterator[Archive]:
    with Archive.open(settings) as opened:
        yield opened


def make_dataset(**attributes: Any) -> Dataset:
    """A small complete CT image (4x4 pixels) with unique UIDs unless given; keyword arguments set attributes,
    lists of dicts become sequences."""
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = generate_uid()
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientID = "PID-1"
    ds.PatientName = "Doe^John"
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "M"
    ds.StudyDate = "20240315"
    ds.StudyTime = "101500"
    ds.AccessionNumber = "ACC1"
    ds.StudyID = "1"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = "CT HEAD"
    ds.Modality = "CT"
    ds.SeriesNumber = 1
    ds.SeriesDescription = "AXIAL"
    ds.InstanceNumber = 1
    ds.Rows = 4
    ds.Columns = 4
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.PixelData = bytes(range(32))
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    for keyword, value in attributes.items():
        if value is None:
            if keyword in ds:
                delattr(ds, keyword)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            setattr(ds, keyword, Sequence([_item(entry) for entry in value]))
        else:
            setattr(ds, keyword, value)
    return ds


def _item(values: dict[str, Any]) -> Dataset:
    item = Dataset()
    for keyword, value in values.items():
        setattr(item, keyword, value)
    return item


def encode(ds: Dataset, transfer_syntax: str = ExplicitVRLittleEndian) -> bytes:
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = transfer_syntax
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.get("SOPInstanceUID", "1.2.3.4")
    buffer = BytesIO()
    dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue()


def make_object(**attributes: Any) -> bytes:
    return encode(make_dataset(**attributes))


@pytest.fixture
def dicom_object() -> Callable[..., bytes]:
    return make_object


def cap_index_growth(archive: Archive) -> None:
    """Let the archive's SQLite index grow by no page from now on: what a full disk does to it."""
    from sqlalchemy import Connection, event

    with archive.engines.reader.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar_one()

    @event.listens_for(archive.engines.writer, "begin")
    def _cap(connection: Connection) -> None:
        connection.exec_driver_sql(f"PRAGMA max_page_count = {pages}")


def object_too_big_for_a_full_index() -> Dataset:
    """An object whose index rows need more room than the pages of a small index have free."""
    text = "x" * 10_000
    return make_dataset(ImageComments=text, PatientComments=text, AdditionalPatientHistory=text)
