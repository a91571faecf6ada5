"""Commands on the local archive: serve, import, ls, config show, synth."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydicom.dataset import Dataset
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from pypacs import __version__
from pypacs.archive.errors import ArchiveError
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

if TYPE_CHECKING:
    from pypacs.importing import ImportReport


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
    paths: Annotated[
        list[Path], typer.Argument(help="Files, folders (searched recursively), zip files and DICOMDIRs.")
    ],
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Store DICOM files in the archive through the same ingest path as the network services.

    A DICOMDIR (CD/DVD) brings in the files it lists, wherever the import starts (its folder or the DICOMDIR).
    Exits with status 1 when any file was rejected, or a file a DICOMDIR lists is missing (each is named)."""
    from pypacs.importing import ImportRun

    settings = _settings(config, data_dir=data_dir, database_url=database_url)
    _setup_logging(settings)
    archive = _open_archive(settings, create=True)
    started = time.perf_counter()
    try:
        run = ImportRun(paths)
        columns = [TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
        with Progress(*columns, console=errors, transient=True, disable=not errors.is_terminal) as progress:
            task = progress.add_task("import", total=run.total)
            report = run.run(archive.store, lambda: progress.update(task, advance=1, total=run.total))
    finally:
        archive.close()
    _print_import_summary(report, time.perf_counter() - started)
    if report.failed:
        raise typer.Exit(1)


def _print_import_summary(report: ImportReport, elapsed: float) -> None:
    problems = [f"rejected {name}: {reason}" for name, reason in report.rejected]
    problems += [problem for directory in report.directories for problem in directory.problems]
    for line in problems[:100]:
        say(line)
    if len(problems) > 100:
        say(f"... and {len(problems) - 100} more")
    tally = report.outcomes
    accepted = sum(count for status, count in tally.items() if status != "rejected")
    rate = accepted / elapsed if elapsed > 0 else 0.0
    directories = f"DICOMDIR {len(report.directories)}"
    if report.directories:
        listed = sum(directory.referenced for directory in report.directories)
        stored = sum(directory.stored for directory in report.directories)
        directories += f" ({stored} of {listed} referenced files stored)"
    console.print(
        f"stored {tally['stored']}, replaced {tally['replaced']}, duplicate {tally['duplicate'] + tally['kept']}, "
        f"rejected {tally['rejected']}, {directories}  "
        f"({report.size / 1e6:.1f} MB in {elapsed:.1f} s, {rate:.0f} files/s)",
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
