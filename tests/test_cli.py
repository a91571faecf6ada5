"""The `pypacs` command as an operator uses it: import with a summary, ls, config show, clear errors."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pypacs.cli import app
from tests.conftest import make_object

runner = CliRunner()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch):
    for name in ("PYPACS_DATA_DIR", "PYPACS_DATABASE_URL", "PYPACS_AE_TITLE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "incoming"
    (folder / "nested" / "deeper").mkdir(parents=True)
    study = "1.2.826.0.1.55"
    for number in range(3):
        data = make_object(
            StudyInstanceUID=study,
            SeriesInstanceUID=study + ".1",
            InstanceNumber=number,
            PatientName="Import^Test",
            PatientID="IMP1",
        )
        (folder / "nested" / f"{number}.dcm").write_bytes(data)
    (folder / "notes.txt").write_text("not an image\n")
    (folder / "nested" / "deeper" / "broken.dcm").write_bytes(make_object()[:-9])
    with zipfile.ZipFile(folder / "bundle.zip", "w") as bundle:
        bundle.writestr("a/one.dcm", make_object(PatientID="ZIP1", PatientName="Zip^One"))
        bundle.writestr("a/two.dcm", make_object(PatientID="ZIP1", PatientName="Zip^One"))
    return folder


def test_import_of_a_mixed_folder_stores_dicom_and_names_each_rejected_file(mixed_folder: Path, tmp_path: Path):
    data_dir = tmp_path / "data"
    result = runner.invoke(app, ["import", str(mixed_folder), "--data-dir", str(data_dir)])
    assert result.exit_code == 1  # some files were rejected
    output = result.output
    assert "stored 5, replaced 0, duplicate 0, rejected 2" in output
    assert "notes.txt: not a DICOM file" in output
    assert "broken.dcm: truncated file" in output

    again = runner.invoke(app, ["import", str(mixed_folder / "nested" / "0.dcm"), "--data-dir", str(data_dir)])
    assert again.exit_code == 0
    assert "stored 0, replaced 0, duplicate 1, rejected 0" in again.output


def test_ls_lists_patients_studies_and_series_with_counts(mixed_folder: Path, tmp_path: Path):
    data_dir = tmp_path / "data"
    runner.invoke(app, ["import", str(mixed_folder), "--data-dir", str(data_dir)])
    studies = json.loads(runner.invoke(app, ["ls", "--json", "--data-dir", str(data_dir)]).output)
    imported = next(s for s in studies if s["PatientID"] == "IMP1")
    assert imported["NumberOfStudyRelatedInstances"] == "3"
    assert imported["PatientName"] == "Import^Test"
    patients = json.loads(runner.invoke(app, ["ls", "patients", "--json", "--data-dir", str(data_dir)]).output)
    assert {p["PatientID"] for p in patients} == {"IMP1", "ZIP1"}
    zip_patient = next(p for p in patients if p["PatientID"] == "ZIP1")
    assert zip_patient["NumberOfPatientRelatedStudies"] == "2"
    table = runner.invoke(app, ["ls", "series", "--data-dir", str(data_dir)])
    assert table.exit_code == 0 and "1.2.826.0.1.55.1" in table.output
    filtered = json.loads(
        runner.invoke(app, ["ls", "--json", "--patient-name", "zip*", "--data-dir", str(data_dir)]).output
    )
    assert {s["PatientID"] for s in filtered} == {"ZIP1"}


def test_ls_of_an_unknown_level_is_a_usage_error(tmp_path: Path):
    result = runner.invoke(app, ["ls", "images", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown level 'images'" in result.output


def test_config_show_prints_the_effective_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    config = tmp_path / "pypacs.toml"
    config.write_text('ae_title = "SITEPACS"\n')
    monkeypatch.setenv("PYPACS_HTTP_PORT", "9999")
    result = runner.invoke(app, ["config", "show", "--config", str(config)])
    assert result.exit_code == 0
    shown = json.loads(result.output)
    assert shown["ae_title"] == "SITEPACS" and shown["http_port"] == 9999


@pytest.mark.parametrize("command", [["serve"], ["import", "."], ["ls"], ["config", "show"]])
def test_bad_configuration_stops_every_command_with_one_clear_line(tmp_path: Path, command: list[str]):
    config = tmp_path / "bad.toml"
    config.write_text('ae_title = "THIS_TITLE_IS_TOO_LONG"\n')
    result = runner.invoke(app, [*command, "--config", str(config)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "ae_title" in lines[0] and "longer than 16" in lines[0]


def test_every_command_has_help():
    for command in (
        ["--help"],
        ["serve", "--help"],
        ["import", "--help"],
        ["ls", "--help"],
        ["config", "show", "--help"],
        ["synth", "--help"],
        ["ae", "list", "--help"],
        ["ae", "add", "--help"],
        ["ae", "remove", "--help"],
        ["echo", "--help"],
        ["store", "--help"],
        ["find", "--help"],
        ["move", "--help"],
        ["get", "--help"],
    ):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, command
        assert "Usage" in result.output


@pytest.fixture
def existing_archive(tmp_path: Path) -> Path:
    """A data folder holding an archive, made the way an operator makes one: by importing a file."""
    image = tmp_path / "first.dcm"
    image.write_bytes(make_object())
    data_dir = tmp_path / "data"
    assert runner.invoke(app, ["import", str(image), "--data-dir", str(data_dir)]).exit_code == 0
    return data_dir


def test_ae_add_list_and_remove_manage_the_registry(existing_archive: Path):
    data = ["--data-dir", str(existing_archive)]
    added = runner.invoke(app, ["ae", "add", "CT_ROOM2", "10.1.2.3", "104", "--no-retrieve",
                                "--description", "CT room 2", *data])  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "added CT_ROOM2@10.1.2.3:104 (may store, query)" in added.output
    again = runner.invoke(app, ["ae", "add", "CT_ROOM2", "10.1.2.4", "104", *data])
    assert again.exit_code == 1 and "already registered (use --replace" in again.output
    changed = runner.invoke(app, ["ae", "add", "CT_ROOM2", "10.1.2.4", "11112", "--replace", *data])
    assert changed.exit_code == 0 and "changed CT_ROOM2@10.1.2.4:11112" in changed.output
    listed = json.loads(runner.invoke(app, ["ae", "list", "--json", *data]).output)
    assert listed == [{"title": "CT_ROOM2", "host": "10.1.2.4", "port": 11112, "description": "",
                       "may_store": True, "may_query": True, "may_retrieve": True, "source": "registry"}]  # fmt: skip
    assert runner.invoke(app, ["ae", "remove", "CT_ROOM2", *data]).exit_code == 0
    gone = runner.invoke(app, ["ae", "remove", "CT_ROOM2", *data])
    assert gone.exit_code == 1 and "AE CT_ROOM2 is not registered" in gone.output


def test_ae_commands_refuse_bad_entries_and_leave_config_peers_to_the_file(tmp_path: Path, existing_archive: Path):
    config = tmp_path / "pypacs.toml"
    config.write_text('[[remote_aes]]\ntitle = "FROMFILE"\nhost = "h"\nport = 104\n')
    data = ["--data-dir", str(existing_archive), "--config", str(config)]
    bad = runner.invoke(app, ["ae", "add", "WAY_TOO_LONG_AE_TITLE", "h", "70000", *data])
    assert bad.exit_code == 2
    assert "longer than 16 characters" in bad.output and "port" in bad.output
    clash = runner.invoke(app, ["ae", "remove", "FROMFILE", *data])
    assert clash.exit_code == 1 and f"defined in {config}; it can only be removed there" in clash.output
    table = runner.invoke(app, ["ae", "list", *data]).output
    assert "FROMFILE" in table and str(config) in table
