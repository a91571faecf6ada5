"""The `pypacs` command: the typer app, and what its commands share (settings, logging, messages).

An adapter like DIMSE and HTTP: commands turn options into Settings and archive or SCU calls, results into text.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.logging import RichHandler

from pypacs.config import ConfigError, Settings, load_settings
from pypacs.runtime import configure_process

app = typer.Typer(
    help="pypacs: a PACS in Python. Store, index, search and serve DICOM images.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
config_app = typer.Typer(help="Show the effective configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")

console = Console(width=None if sys.stdout.isatty() else 250)
errors = Console(stderr=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="TOML configuration file (PYPACS_* variables override it).")
]
DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Folder of the blob store and the SQLite index.")
]
DatabaseOption = Annotated[
    str | None, typer.Option("--database-url", help="SQLAlchemy URL of the index (default: SQLite in the data dir).")
]


def say(message: str) -> None:
    """A message for the operator on stderr: plain text, one line, never wrapped."""
    print(message, file=sys.stderr, flush=True)


def _settings(config: Path | None, **overrides: Any) -> Settings:
    try:
        return load_settings(config, **overrides)
    except ConfigError as error:
        say(f"pypacs: {error}")
        raise typer.Exit(2) from error


def _setup_logging(settings: Settings) -> None:
    configure_process(settings, RichHandler(console=errors, show_path=False, rich_tracebacks=False))


def _open_archive(settings: Settings, *, create: bool):  # type: ignore[no-untyped-def]
    """The archive; `create`: make it when there is none (commands that store objects), otherwise a command
    finding no archive says so and exits 1, creating nothing."""
    from pypacs.archive.errors import NoArchive
    from pypacs.archive.service import Archive

    try:
        return Archive.open(settings, create=create)
    except NoArchive as error:
        _say_no_archive(error)
        raise typer.Exit(1) from error
    except Exception as error:
        say(f"pypacs: cannot open the archive at {settings.data_dir}: {error}")
        raise typer.Exit(1) from error


def _say_no_archive(error: Exception) -> None:
    say(f"pypacs: {error} (`pypacs serve` or `pypacs import` creates one)")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return "\\".join(str(item) for item in value)
    return str(value)


def main() -> None:  # pragma: no cover - console script entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())


# The commands register themselves on `app` when their modules are imported.
from pypacs.cli import ae_commands, archive_commands, network_commands  # noqa: E402,F401
