"""Commands that only read or manage the archive say when there is none, and create nothing; only what stores
objects (import, serve, get --into-archive) creates an archive."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from pypacs.cli import app
from tests.conftest import make_object, postgres_database
from tests.interop.conftest import start_pacs, stop_pacs

runner = CliRunner()

READING_COMMANDS = [
    ["ls"],
    ["ls", "patients"],
    ["ls", "series"],
    ["ae", "list"],
    ["ae", "add", "CT_ROOM2", "10.1.2.3", "104"],
    ["ae", "remove", "CT_ROOM2"],
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch):
    for name in ("PYPACS_DATA_DIR", "PYPACS_DATABASE_URL", "PYPACS_AE_TITLE"):
        monkeypatch.delenv(name, raising=False)


def everything_under(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*"))


@pytest.mark.parametrize("command", READING_COMMANDS, ids=" ".join)
def test_a_command_finding_no_archive_says_so_and_creates_nothing(tmp_path: Path, command: list[str]):
    data_dir = tmp_path / "data"
    result = runner.invoke(app, [*command, "--data-dir", str(data_dir)])
    assert result.exit_code == 1, result.output
    assert f"pypacs: no archive at {data_dir}" in result.output
    assert everything_under(tmp_path) == []


@pytest.mark.parametrize("command", READING_COMMANDS, ids=" ".join)
def test_an_empty_data_folder_is_not_an_archive_and_stays_empty(tmp_path: Path, command: list[str]):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    result = runner.invoke(app, [*command, "--data-dir", str(data_dir)])
    assert result.exit_code == 1, result.output
    assert f"pypacs: no archive at {data_dir}" in result.output
    assert everything_under(tmp_path) == [data_dir]


def test_ls_in_a_folder_without_an_archive_names_the_default_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["ls"])
    assert result.exit_code == 1
    assert f"pypacs: no archive at {tmp_path / 'pacs-data'}" in result.output
    assert "`pypacs serve` or `pypacs import` creates one" in result.output
    assert everything_under(tmp_path) == []


def test_looking_up_a_peer_title_without_an_archive_creates_no_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    monkeypatch.setenv("PYPACS_DATA_DIR", str(data_dir))
    result = runner.invoke(app, ["echo", "CT_ROOM2"])
    assert result.exit_code == 2
    assert "neither AET@host:port nor a registered remote AE" in result.output
    assert everything_under(tmp_path) == [data_dir]


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    yield from postgres_database()


@pytest.mark.postgres
def test_ls_on_a_database_without_the_schema_names_it_without_password_and_creates_no_tables(
    empty_postgres_url: str, tmp_path: Path
):
    url = make_url(empty_postgres_url).set(password="s3cret")  # trust authentication ignores it
    shown = f"{url.drivername}://{url.username}@{url.host}:{url.port}/{url.database}"
    for command in (["ls"], ["ae", "list"]):
        result = runner.invoke(app, [*command, "--database-url", url.render_as_string(hide_password=False),
                                     "--data-dir", str(tmp_path / "data")])  # fmt: skip
        assert result.exit_code == 1, result.output
        assert f"pypacs: no archive in {shown}" in result.output
        assert "s3cret" not in result.output
    engine = create_engine(empty_postgres_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()
    assert everything_under(tmp_path) == []


def test_import_creates_the_archive_that_ls_and_ae_then_use(tmp_path: Path):
    data = ["--data-dir", str(tmp_path / "data")]
    image = tmp_path / "one.dcm"
    image.write_bytes(make_object(PatientID="NEW1"))
    assert runner.invoke(app, ["import", str(image), *data]).exit_code == 0
    listed = runner.invoke(app, ["ls", "--json", *data])
    assert listed.exit_code == 0
    assert [study["PatientID"] for study in json.loads(listed.output)] == ["NEW1"]
    assert runner.invoke(app, ["ae", "add", "CT_ROOM2", "10.1.2.3", "104", *data]).exit_code == 0
    assert "CT_ROOM2" in runner.invoke(app, ["ae", "list", *data]).output


def test_serve_creates_the_archive(tmp_path: Path):
    data_dir = tmp_path / "data"
    pacs = start_pacs(data_dir)
    assert stop_pacs(pacs) == 0
    listed = runner.invoke(app, ["ls", "--json", "--data-dir", str(data_dir)])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output) == []
