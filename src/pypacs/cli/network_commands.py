"""Commands that talk to another DICOM node as SCU: echo, store, find."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from pypacs.cli import (
    ConfigOption,
    _settings,
    _text,
    app,
    console,
    errors,
    say,
)
from pypacs.config import Settings
from pypacs.dicom.levels import Level

_FIND_RETURN_KEYS: dict[Level, list[str]] = {
    Level.PATIENT: ["PatientName", "PatientID", "PatientBirthDate", "PatientSex", "NumberOfPatientRelatedStudies"],
    Level.STUDY: ["PatientName", "PatientID", "StudyDate", "AccessionNumber", "ModalitiesInStudy",
                  "StudyDescription", "NumberOfStudyRelatedInstances", "StudyInstanceUID"],
    Level.SERIES: ["StudyInstanceUID", "SeriesNumber", "Modality", "SeriesDescription",
                   "NumberOfSeriesRelatedInstances", "SeriesInstanceUID"],
    Level.IMAGE: ["SeriesInstanceUID", "InstanceNumber", "SOPClassUID", "SOPInstanceUID"],
}  # fmt: skip

PeerArgument = Annotated[str, typer.Argument(help="The other node: AET@host:port, or a registered remote AE title.")]


def _peer(text: str, settings: Settings):  # type: ignore[no-untyped-def]
    from pypacs.dimse.client import ClientError, parse_peer

    try:
        return parse_peer(text, settings)
    except ClientError as error:
        say(f"pypacs: {error}")
        raise typer.Exit(2) from error


@app.command()
def echo(
    peer: PeerArgument,
    count: Annotated[int, typer.Option(min=1, help="How many C-ECHOs to send.")] = 1,
    config: ConfigOption = None,
) -> None:
    """Send C-ECHO to another DICOM node (the DICOM "ping") and print the round trip."""
    from pypacs.dimse.client import ClientError
    from pypacs.dimse.client import echo as send_echo

    settings = _settings(config)
    target = _peer(peer, settings)
    for _ in range(count):
        try:
            milliseconds = send_echo(target, settings)
        except ClientError as error:
            say(f"pypacs: {error}")
            raise typer.Exit(1) from error
        console.print(f"C-ECHO {target}: success in {milliseconds:.1f} ms", markup=False, highlight=False)


@app.command()
def store(
    peer: PeerArgument,
    paths: Annotated[list[Path], typer.Argument(help="DICOM files and folders (searched recursively).")],
    config: ConfigOption = None,
) -> None:
    """Send DICOM files to another node with C-STORE over one association; prints each file's status.

    Exits with status 1 when any file was not stored."""
    from pypacs.dimse.client import ClientError
    from pypacs.dimse.client import store as send_store

    settings = _settings(config)
    target = _peer(peer, settings)
    files = [child for path in paths for child in ([path] if path.is_file() else sorted(path.rglob("*")))]
    files = [path for path in files if path.is_file()]
    if not files:
        say("pypacs: no files to send")
        raise typer.Exit(2)
    failed = 0
    columns = [TextColumn("sending"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    try:
        with Progress(*columns, console=errors, transient=True, disable=not errors.is_terminal) as progress:
            task = progress.add_task("store", total=len(files))
            for result in send_store(target, settings, files):
                if not result.ok:
                    failed += 1
                    say(f"failed {result.path}: {result.message}")
                progress.advance(task)
    except ClientError as error:
        say(f"pypacs: {error}")
        raise typer.Exit(1) from error
    console.print(f"sent {len(files) - failed} of {len(files)} file(s) to {target}", markup=False, highlight=False)
    if failed:
        raise typer.Exit(1)


@app.command()
def find(
    peer: PeerArgument,
    key: Annotated[
        list[str] | None, typer.Option("--key", "-k", help="Keyword=Value or gggg,eeee=Value (repeatable).")
    ] = None,
    level: Annotated[str, typer.Option(help="PATIENT, STUDY, SERIES or IMAGE.")] = "STUDY",
    patient_root: Annotated[bool, typer.Option("--patient-root", help="Use the Patient Root model.")] = False,
    patient_name: Annotated[str | None, typer.Option(help="Patient name, wildcards * ?.")] = None,
    patient_id: Annotated[str | None, typer.Option(help="Patient ID.")] = None,
    study_date: Annotated[str | None, typer.Option(help="YYYYMMDD or a range a-b, a-, -b.")] = None,
    modality: Annotated[str | None, typer.Option(help="Modality (ModalitiesInStudy at study level).")] = None,
    accession_number: Annotated[str | None, typer.Option(help="Accession number.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print DICOM JSON instead of a table.")] = False,
    config: ConfigOption = None,
) -> None:
    """Query another node with C-FIND (Study Root unless --patient-root) and print what matches."""
    from pypacs.dicom.identifiers import InvalidKeyText, identifier_from_keys
    from pypacs.dicom.levels import Root
    from pypacs.dimse.client import ClientError
    from pypacs.dimse.client import find as send_find

    settings = _settings(config)
    target = _peer(peer, settings)
    try:
        query_level = Level(level.upper())
    except ValueError as error:
        say(f"pypacs: --level must be PATIENT, STUDY, SERIES or IMAGE, not {level!r}")
        raise typer.Exit(2) from error
    friendly = {
        "PatientName": patient_name, "PatientID": patient_id, "StudyDate": study_date,
        "AccessionNumber": accession_number,
        "ModalitiesInStudy" if query_level is Level.STUDY else "Modality": modality,
    }  # fmt: skip
    texts = [*_FIND_RETURN_KEYS[query_level], *(f"{k}={v}" for k, v in friendly.items() if v is not None), *(key or [])]
    try:
        identifier = identifier_from_keys(texts)
    except InvalidKeyText as error:
        say(f"pypacs: {error}")
        raise typer.Exit(2) from error
    identifier.QueryRetrieveLevel = query_level.value
    try:
        found = list(send_find(target, settings, identifier, Root.PATIENT if patient_root else Root.STUDY))
    except ClientError as error:
        say(f"pypacs: {error}")
        raise typer.Exit(1) from error
    if as_json:
        console.print_json(json.dumps([ds.to_json_dict() for ds in found]))
        return
    names = [element.keyword for element in identifier if element.keyword != "QueryRetrieveLevel"]
    table = Table(title=f"{len(found)} match(es) from {target}")
    for name in names:
        table.add_column(name, overflow="fold")
    for ds in found:
        table.add_row(*[_text(ds.get(name)) for name in names])
    console.print(table)
