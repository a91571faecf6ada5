"""`pypacs import` of CD/DVD file sets: the DICOMDIR is the directory, not a rejected object; the files it lists
are stored (names without .dcm, any case), once, and a listed file that is missing is named."""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.fileset import FileSet
from typer.testing import CliRunner

from pypacs.cli import app
from tests.conftest import make_dataset

runner = CliRunner()
STUDY = "1.2.826.0.1.77"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch):
    for name in ("PYPACS_DATA_DIR", "PYPACS_DATABASE_URL", "PYPACS_AE_TITLE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def disc(tmp_path: Path) -> Path:
    """A file set as a CD holds it: DICOMDIR plus PT000000/ST000000/SE000000/IM00000n (no extension)."""
    file_set = FileSet()
    for number in range(3):
        file_set.add(make_dataset(StudyInstanceUID=STUDY, SeriesInstanceUID=STUDY + ".1", InstanceNumber=number + 1,
                                  PatientID="CD1", PatientName="Disc^Patient"))  # fmt: skip
    folder = tmp_path / "cdrom"
    file_set.write(folder)
    return folder


def listed_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("IM*") if path.is_file())


def import_(*paths: Path, data_dir: Path):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["import", *map(str, paths), "--data-dir", str(data_dir)])


def instances_stored(data_dir: Path) -> int:
    result = runner.invoke(app, ["ls", "--json", "--data-dir", str(data_dir)])
    return sum(int(study["NumberOfStudyRelatedInstances"]) for study in json.loads(result.output))


def test_importing_a_disc_folder_stores_every_listed_file_and_counts_the_dicomdir_as_the_directory(
    disc: Path, tmp_path: Path
):
    assert all(path.suffix == "" for path in listed_files(disc))
    result = import_(disc, data_dir=tmp_path / "data")
    assert result.exit_code == 0, result.output
    assert "stored 3, replaced 0, duplicate 0, rejected 0, DICOMDIR 1 (3 of 3 referenced files stored)" in result.output
    assert "rejected " not in result.output.replace("rejected 0", "")
    assert instances_stored(tmp_path / "data") == 3


def test_importing_only_the_dicomdir_imports_the_files_it_lists(disc: Path, tmp_path: Path):
    result = import_(disc / "DICOMDIR", data_dir=tmp_path / "data")
    assert result.exit_code == 0, result.output
    assert "stored 3, replaced 0, duplicate 0, rejected 0, DICOMDIR 1 (3 of 3 referenced files stored)" in result.output
    assert instances_stored(tmp_path / "data") == 3


def test_the_folder_and_its_dicomdir_given_together_import_each_file_once(disc: Path, tmp_path: Path):
    result = import_(disc, disc / "DICOMDIR", disc / "PT000000", data_dir=tmp_path / "data")
    assert result.exit_code == 0, result.output
    assert "stored 3, replaced 0, duplicate 0, rejected 0, DICOMDIR 1 (3 of 3 referenced files stored)" in result.output


def test_importing_a_disc_again_counts_its_files_as_stored_duplicates(disc: Path, tmp_path: Path):
    import_(disc, data_dir=tmp_path / "data")
    again = import_(disc / "DICOMDIR", data_dir=tmp_path / "data")
    assert again.exit_code == 0
    assert "stored 0, replaced 0, duplicate 3, rejected 0, DICOMDIR 1 (3 of 3 referenced files stored)" in again.output


def test_a_listed_file_that_is_missing_is_named_and_fails_the_import(disc: Path, tmp_path: Path):
    copy = tmp_path / "copy"
    shutil.copytree(disc, copy)
    gone = listed_files(copy)[1]
    gone.unlink()
    for start in (copy, copy / "DICOMDIR"):
        result = import_(start, data_dir=tmp_path / f"data-{start.name}")
        assert result.exit_code == 1
        assert f"missing: {gone}, listed in {copy / 'DICOMDIR'}" in result.output
        assert "stored 2, replaced 0, duplicate 0, rejected 0, DICOMDIR 1 (2 of 3 referenced files stored)" in (
            result.output
        )


@pytest.mark.parametrize(
    "spelling",
    [
        lambda name, _is_file: name.lower(),  # Linux's default for ISO 9660 (mount option map=normal)
        lambda name, is_file: f"{name}.;1" if is_file else name,  # ISO 9660 names as recorded (map=off)
    ],
    ids=["lower case", "version suffix"],
)
def test_names_spelt_otherwise_on_a_mounted_disc_are_found(
    disc: Path, tmp_path: Path, spelling: Callable[[str, bool], str]
):
    for path in sorted(disc.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        path.rename(path.with_name(spelling(path.name, path.is_file())))
    (dicomdir,) = [path for path in disc.iterdir() if path.is_file()]
    assert dicomdir.name != "DICOMDIR"
    for start in (disc, dicomdir):
        result = import_(start, data_dir=tmp_path / f"data-{start.name}")
        assert result.exit_code == 0, result.output
        assert "stored 3, replaced 0, duplicate 0, rejected 0, DICOMDIR 1 (3 of 3 referenced files stored)" in (
            result.output
        )


def test_an_unreadable_dicomdir_is_reported_with_its_reason_and_the_other_files_are_stored(
    disc: Path, tmp_path: Path
):
    (disc / "DICOMDIR").write_bytes(b"garbage, not a directory")
    result = import_(disc, data_dir=tmp_path / "data")
    assert result.exit_code == 1
    assert f"unreadable DICOMDIR {disc / 'DICOMDIR'}: not a DICOM file" in result.output
    assert "stored 3, replaced 0, duplicate 0, rejected 0, DICOMDIR 1 (0 of 0 referenced files stored)" in (
        result.output
    )


def test_a_dicomdir_under_another_name_is_recognised_by_its_content(disc: Path, tmp_path: Path):
    renamed = disc / "CONTENTS.DCM"
    (disc / "DICOMDIR").rename(renamed)
    result = import_(renamed, data_dir=tmp_path / "data")
    assert result.exit_code == 0, result.output
    assert "stored 3, replaced 0, duplicate 0, rejected 0, DICOMDIR 1 (3 of 3 referenced files stored)" in result.output
    assert "rejected " not in result.output.replace("rejected 0", "")


def zip_of(folder: Path, target: Path, *, leave_out: Path | None = None) -> Path:
    with zipfile.ZipFile(target, "w") as bundle:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path != leave_out:
                bundle.write(path, f"disc/{path.relative_to(folder).as_posix()}")
    return target


def test_a_dicomdir_in_a_zip_is_read_with_its_files_inside_the_zip(disc: Path, tmp_path: Path):
    bundle = zip_of(disc, tmp_path / "disc.zip")
    result = import_(bundle, data_dir=tmp_path / "data")
    assert result.exit_code == 0, result.output
    assert "stored 3, replaced 0, duplicate 0, rejected 0, DICOMDIR 1 (3 of 3 referenced files stored)" in result.output

    gone = listed_files(disc)[0]
    partial = zip_of(disc, tmp_path / "partial.zip", leave_out=gone)
    result = import_(partial, data_dir=tmp_path / "data-partial")
    assert result.exit_code == 1
    member = f"disc/{gone.relative_to(disc).as_posix()}"
    assert f"missing: {partial}!{member}, listed in {partial}!disc/DICOMDIR" in result.output
    assert "stored 2, replaced 0, duplicate 0, rejected 0, DICOMDIR 1 (2 of 3 referenced files stored)" in result.output


def test_a_referenced_file_id_leaving_the_disc_folder_is_refused_and_named(disc: Path, tmp_path: Path):
    (tmp_path / "outside").write_bytes(b"")  # beside the disc folder: never to be read through the DICOMDIR
    dicomdir = dcmread(disc / "DICOMDIR")
    record = next(record for record in dicomdir.DirectoryRecordSequence if "ReferencedFileID" in record)
    record.ReferencedFileID = ["..", "outside"]
    dicomdir.save_as(disc / "DICOMDIR")
    result = import_(disc / "DICOMDIR", data_dir=tmp_path / "data")
    assert result.exit_code == 1
    assert f"invalid Referenced File ID ..\\outside, listed in {disc / 'DICOMDIR'}" in result.output
    assert "stored 2, replaced 0, duplicate 0, rejected 0, DICOMDIR 1 (2 of 3 referenced files stored)" in result.output
