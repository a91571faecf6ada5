"""Commands on the local archive: serve, import, ls, config show, synth."""

from __future__ import annotations

import json
import time
from collections import Counter, deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any

import typer
from pydicom.dataset import Dataset
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from pypacs import __version__
from pypacs.archive.errors import ArchiveError
from pypacs.archive.ingest import StoreOutcome
from pypacs.cli import (
    ConfigOption,
    DatabaseOption,
    DataDirOption,
    _open_archive,
    _settings,
    _setup_logging,
    _text,
    app,
    config_app,
    console,
    errors,
    say,
)
from pypacs.dicom.levels import Level

IMPORT_THREADS = 3
IMPORT_IN_FLIGHT = 8


@app.command()
def serve(
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseOption = None,
    ae_title: Annotated[str | None, typer.Option(help="Our AE title (1-16 characters, case-sensitive).")] = None,
    dimse_port: Annotated[int | None, typer.Option(help="DICOM port to listen on.")] = None,
    http_port: Annotated[int | None, typer.Option(help="HTTP port to listen on.")] = None,
    dimse_processes: Annotated[
        int | None, typer.Option(help="Processes accepting DICOM associations (0: two per CPU core, at most 8).")
    ] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Load demo studies when the archive is empty.")] = False,
    demo_path: Annotated[
        list[Path] | None, typer.Option(help="Also load the DICOM files in this folder as demo data (repeatable).")
    ] = None,
) -> None:
    """Run the PACS: the DICOM listener (echo, store, find, move, get) and the HTTP server, until Ctrl-C."""
    from pypacs.node import NodeAddresses
    from pypacs.node import serve as run_node

    settings = _settings(
        config,
        data_dir=data_dir,
        database_url=database_url,
        ae_title=ae_title,
        dimse_port=dimse_port,
        http_port=http_port,
        dimse_processes=dimse_processes,
    )
    _setup_logging(settings)
    archive = _open_archive(settings, create=True)
    try:
        if demo:
            from pypacs.demo import load_demo_data

            with console.status("loading demo studies..."):
                loaded = load_demo_data(archive, list(demo_path or []))
            if loaded:
                console.print(f"Loaded {loaded} demo instances.")

        def ready(addresses: NodeAddresses) -> None:
            counts = archive.counts()
            console.print(
                f"\npypacs {__version__} is running  (Ctrl-C to stop)\n"
                f"  AE title     {addresses.ae_title}\n"
                f"  DICOM        {addresses.dimse_host}:{addresses.dimse_port}  "
                f"({settings.dimse_process_count} process(es))\n"
                f"  HTTP         {addresses.http_url}   (health: {addresses.http_url}/health, "
                f"studies: {addresses.http_url}/api/studies)\n"
                f"  DICOMweb     {addresses.http_url}{settings.dicomweb_root}   "
                f"(e.g. {addresses.http_url}{settings.dicomweb_root}/studies)\n"
                f"  Data         {settings.data_dir.resolve()}  "
                f"({counts.studies} studies, {counts.instances} instances)\n",
                markup=False,
                highlight=False,
            )

        run_node(settings, archive, on_ready=ready)
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the Ctrl-C it handled after shutting down gracefully: a normal stop
    except OSError as error:
        say(f"pypacs: {error}")
        raise typer.Exit(1) from error
    finally:
        archive.close()
    console.print("pypacs stopped.")


@app.command("import")
def import_(
    paths: Annotated[list[Path], typer.Argument(help="Files, folders (searched recursively) and zip files.")],
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Store DICOM files in the archive through the same ingest path as the network services.

    Exits with status 1 when any file was rejected (each is listed with its reason)."""
    from pypacs.importing import count_items, iter_items

    settings = _settings(config, data_dir=data_dir, database_url=database_url)
    _setup_logging(settings)
    archive = _open_archive(settings, create=True)
    tally: Counter[str] = Counter()
    rejected: list[tuple[str, str]] = []
    stored_bytes = 0
    started = time.perf_counter()
    try:
        total = count_items(paths)
        columns = [TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
        # A few threads store files concurrently, so that one file's writes and fsyncs overlap the parsing and
        # indexing of the next; results are collected in order, with at most IMPORT_IN_FLIGHT files in memory.
        pool = ThreadPoolExecutor(max_workers=IMPORT_THREADS)
        with pool, Progress(*columns, console=errors, transient=True, disable=not errors.is_terminal) as progress:
            task = progress.add_task("import", total=total)
            in_flight: deque[tuple[str, Future[StoreOutcome]]] = deque()
            for item in iter_items(paths):
                in_flight.append((item.name, pool.submit(_store_item, archive, item)))
                while len(in_flight) >= IMPORT_IN_FLIGHT or (in_flight and in_flight[0][1].done()):
                    stored_bytes += _collect(in_flight.popleft(), tally, rejected)
                    progress.advance(task)
            while in_flight:
                stored_bytes += _collect(in_flight.popleft(), tally, rejected)
                progress.advance(task)
    finally:
        archive.close()
    elapsed = time.perf_counter() - started
    _print_import_summary(tally, rejected, stored_bytes, elapsed)
    if rejected:
        raise typer.Exit(1)


def _store_item(archive: Any, item: Any) -> StoreOutcome:
    outcome: StoreOutcome = archive.store(item.read())
    return outcome


def _collect(entry: tuple[str, Future[StoreOutcome]], tally: Counter[str], rejected: list[tuple[str, str]]) -> int:
    """Wait for one stored file; count its outcome; return the bytes stored."""
    name, future = entry
    try:
        outcome = future.result()
    except (ArchiveError, OSError) as error:
        tally["rejected"] += 1
        rejected.append((name, str(error)))
        return 0
    tally[outcome.status.value] += 1
    return outcome.size


def _print_import_summary(tally: Counter[str], rejected: list[tuple[str, str]], size: int, elapsed: float) -> None:
    for name, reason in rejected[:100]:
        say(f"rejected {name}: {reason}")
    if len(rejected) > 100:
        say(f"... and {len(rejected) - 100} more rejected")
    accepted = sum(count for status, count in tally.items() if status != "rejected")
    rate = accepted / elapsed if elapsed > 0 else 0.0
    console.print(
        f"stored {tally['stored']}, replaced {tally['replaced']}, duplicate {tally['duplicate'] + tally['kept']}, "
        f"rejected {tally['rejected']}  ({size / 1e6:.1f} MB in {elapsed:.1f} s, {rate:.0f} files/s)",
        markup=False,
        highlight=False,
    )


_LS_COLUMNS: dict[Level, list[tuple[str, str]]] = {
    Level.PATIENT: [
        ("PatientID", "Patient ID"),
        ("PatientName", "Name"),
        ("PatientBirthDate", "Birth date"),
        ("PatientSex", "Sex"),
        ("NumberOfPatientRelatedStudies", "Studies"),
        ("NumberOfPatientRelatedSeries", "Series"),
        ("NumberOfPatientRelatedInstances", "Instances"),
    ],
    Level.STUDY: [
        ("PatientName", "Patient"),
        ("PatientID", "Patient ID"),
        ("StudyDate", "Date"),
        ("ModalitiesInStudy", "Modalities"),
        ("StudyDescription", "Description"),
        ("NumberOfStudyRelatedSeries", "Series"),
        ("NumberOfStudyRelatedInstances", "Instances"),
        ("StudyInstanceUID", "Study Instance UID"),
    ],
    Level.SERIES: [
        ("StudyInstanceUID", "Study Instance UID"),
        ("SeriesNumber", "#"),
        ("Modality", "Modality"),
        ("SeriesDescription", "Description"),
        ("NumberOfSeriesRelatedInstances", "Instances"),
        ("SeriesInstanceUID", "Series Instance UID"),
    ],
}


@app.command("ls")
def list_(
    level: Annotated[str, typer.Argument(help="patients, studies or series.")] = "studies",
    study: Annotated[str | None, typer.Option(help="Only the series of this Study Instance UID.")] = None,
    patient_name: Annotated[str | None, typer.Option(help="Filter by patient name (wildcards * ?).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """List what the archive holds: patients, studies or series, with counts."""
    levels = {"patients": Level.PATIENT, "studies": Level.STUDY, "series": Level.SERIES}
    if level not in levels:
        say(f"pypacs: unknown level {level!r}; use one of: {', '.join(levels)}")
        raise typer.Exit(2)
    query_level = levels[level]
    settings = _settings(config, data_dir=data_dir, database_url=database_url)
    _setup_logging(settings)
    from pypacs.dicom.levels import Root

    identifier = Dataset()
    for keyword, _title in _LS_COLUMNS[query_level]:
        setattr(identifier, keyword, "")
    if patient_name and query_level is not Level.SERIES:
        identifier.PatientName = patient_name
    if study:
        identifier.StudyInstanceUID = study
    archive = _open_archive(settings, create=False)
    try:
        root = Root.PATIENT if query_level is Level.PATIENT else Root.STUDY
        try:
            rows = [
                [_text(found.get(keyword)) for keyword, _ in _LS_COLUMNS[query_level]]
                for found in archive.find(query_level, identifier, root=root)
            ]
        except ArchiveError as error:
            say(f"pypacs: {error}")
            raise typer.Exit(2) from error
    finally:
        archive.close()
    if as_json:
        keys = [keyword for keyword, _ in _LS_COLUMNS[query_level]]
        console.print_json(json.dumps([dict(zip(keys, row, strict=True)) for row in rows]))
        return
    table = Table(title=f"{len(rows)} {level}")
    for _keyword, title in _LS_COLUMNS[query_level]:
        table.add_column(title, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)


@config_app.command("show")
def config_show(config: ConfigOption = None, data_dir: DataDirOption = None) -> None:
    """Print the effective configuration (defaults, file, environment and options merged) as JSON."""
    settings = _settings(config, data_dir=data_dir)
    console.print_json(settings.model_dump_json())


@app.command()
def synth(
    output: Annotated[Path, typer.Argument(help="Folder to write the files into (created if missing).")],
    studies: Annotated[int, typer.Option(min=1, help="How many studies (one patient each).")] = 1,
    slices: Annotated[int, typer.Option(min=1, help="Slices per series.")] = 40,
    matrix: Annotated[int, typer.Option(min=16, max=2048, help="Rows and columns of each slice.")] = 512,
    modality: Annotated[str, typer.Option(help="CT or MR.")] = "CT",
    seed: Annotated[int, typer.Option(help="Seed: the same seed makes the same UIDs and pixels.")] = 0,
) -> None:
    """Write synthetic studies (phantom CT or MR with correct geometry) as DICOM files, for tests and demos."""
    from pypacs.synthetic import PatientInfo, SeriesSpec, make_study, write_datasets

    modality = modality.upper()
    if modality not in ("CT", "MR"):
        say("pypacs: --modality must be CT or MR")
        raise typer.Exit(2)
    written = 0
    for number in range(studies):
        patient = PatientInfo(patient_id=f"SYN{seed:03d}{number:05d}", patient_name=f"SYNTHETIC^PATIENT{number}")
        spec = SeriesSpec(modality=modality, slices=slices, rows=matrix, columns=matrix)
        datasets = make_study([spec], patient=patient, seed=seed * 100003 + number)
        written += len(write_datasets(datasets, output / f"study{number:05d}"))
    console.print(f"wrote {written} files to {output}", markup=False, highlight=False)
