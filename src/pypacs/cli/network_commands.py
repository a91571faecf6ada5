"""Commands that talk to another DICOM node as SCU: echo, store, find."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path
from typing import Annotated, Any

import typer
from pydicom import dcmread
from pydicom.dataset import Dataset
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from pypacs.cli import (
    ConfigOption,
    DatabaseOption,
    DataDirOption,
    _open_archive,
    _settings,
    _text,
    app,
    console,
    errors,
    say,
)
from pypacs.cli.ae_commands import _registered_peer
from pypacs.config import RemoteAE, Settings
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

    def registered(title: str) -> RemoteAE | None:
        if "@" in title:
            return None
        return settings.remote_ae(title) or _registered_peer(settings, title)

    try:
        return parse_peer(text, registered)
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


def _retrieve_identifier(level: str, study: str | None, series: str | None, keys: list[str] | None) -> Dataset:
    from pypacs.dicom.identifiers import InvalidKeyText, identifier_from_keys

    texts = [*(f"StudyInstanceUID={study}" for _ in [study] if study), *(f"SeriesInstanceUID={series}" for _ in
             [series] if series), *(keys or [])]  # fmt: skip
    try:
        identifier = identifier_from_keys(texts)
        identifier.QueryRetrieveLevel = Level(level.upper()).value
    except (InvalidKeyText, ValueError) as error:
        say(f"pypacs: {error}")
        raise typer.Exit(2) from error
    return identifier


def _print_retrieve(service: str, summary: Any) -> None:
    console.print(
        f"{service}: {summary.completed} completed, {summary.failed} failed, {summary.warning} warning",
        markup=False,
        highlight=False,
    )
    for uid in summary.failed_uids:
        say(f"failed {uid}")
    if summary.failed:
        raise typer.Exit(1)


RetrieveLevel = Annotated[str, typer.Option(help="PATIENT, STUDY, SERIES or IMAGE.")]
StudyOption = Annotated[str | None, typer.Option("--study", help="Study Instance UID(s), backslash-separated.")]
SeriesOption = Annotated[str | None, typer.Option("--series", help="Series Instance UID(s), backslash-separated.")]
KeyOption = Annotated[list[str] | None, typer.Option("--key", "-k", help="Keyword=Value or gggg,eeee=Value.")]
PatientRootOption = Annotated[bool, typer.Option("--patient-root", help="Use the Patient Root model.")]


@app.command()
def move(
    peer: PeerArgument,
    to: Annotated[str, typer.Option("--to", help="AE title the peer should send to (it must know it).")],
    level: RetrieveLevel = "STUDY",
    study: StudyOption = None,
    series: SeriesOption = None,
    key: KeyOption = None,
    patient_root: PatientRootOption = False,
    config: ConfigOption = None,
) -> None:
    """Ask another node to send studies, series or images to an AE (C-MOVE); exits 1 if any failed."""
    from pypacs.dicom.levels import Root
    from pypacs.dimse.client import ClientError
    from pypacs.dimse.client import move as send_move

    settings = _settings(config)
    target = _peer(peer, settings)
    identifier = _retrieve_identifier(level, study, series, key)
    try:
        summary = send_move(target, settings, identifier, to, Root.PATIENT if patient_root else Root.STUDY)
    except ClientError as error:
        say(f"pypacs: {error}")
        raise typer.Exit(1) from error
    _print_retrieve(f"C-MOVE to {to}", summary)


@app.command()
def get(
    peer: PeerArgument,
    out: Annotated[Path | None, typer.Option("--out", help="Folder to write the received files into.")] = None,
    into_archive: Annotated[bool, typer.Option("--into-archive", help="Store what arrives in this archive.")] = False,
    level: RetrieveLevel = "STUDY",
    study: StudyOption = None,
    series: SeriesOption = None,
    key: KeyOption = None,
    patient_root: PatientRootOption = False,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Fetch studies, series or images from another node on one association (C-GET), into a folder or the
    local archive; exits 1 if any failed."""
    import hashlib
    import re

    from pypacs.dicom.levels import Root
    from pypacs.dimse.client import ClientError
    from pypacs.dimse.client import get as send_get

    if (out is None) == (not into_archive):
        say("pypacs: give exactly one of --out FOLDER and --into-archive")
        raise typer.Exit(2)
    settings = _settings(config, data_dir=data_dir, database_url=database_url)
    target = _peer(peer, settings)
    identifier = _retrieve_identifier(level, study, series, key)
    archive = _open_archive(settings, create=True) if into_archive else None  # stores, like import

    def receive(data: bytes) -> None:
        if archive is not None:
            archive.store(data, source_ae=target.title)
            return
        assert out is not None
        uid = str(dcmread(BytesIO(data), stop_before_pixels=True, specific_tags=["SOPInstanceUID"]).SOPInstanceUID)
        # A file is named by its UID only when the UID is plain digits and dots: received text never makes a path.
        name = uid if re.fullmatch(r"[0-9.]{1,64}", uid) else hashlib.sha256(data).hexdigest()[:40]
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{name}.dcm").write_bytes(data)

    try:
        summary = send_get(target, settings, identifier, receive, Root.PATIENT if patient_root else Root.STUDY)
    except ClientError as error:
        say(f"pypacs: {error}")
        raise typer.Exit(1) from error
    finally:
        if archive is not None:
            archive.close()
    _print_retrieve("C-GET", summary)
