"""`pypacs ae list|add|remove`: the registry of known DICOM peers and what each may do here.

Peers of the TOML config are listed but changed only in the file; the others live in the index database,
so a running server sees a change within a second, without a restart.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from pypacs.archive.errors import ArchiveError, NoArchive
from pypacs.cli import ConfigOption, DatabaseOption, DataDirOption, _say_no_archive, _settings, app, console, say
from pypacs.config import RemoteAE, Settings

if TYPE_CHECKING:
    from pypacs.archive.peers import PeerRegistry

ae_app = typer.Typer(help="List, add and remove known DICOM peers (remote AEs).", no_args_is_help=True)
app.add_typer(ae_app, name="ae")


@contextmanager
def _registry(settings: Settings) -> Iterator[PeerRegistry]:
    """The registry in the archive's index; the archive must exist (a command finding none exits 1)."""
    try:
        with _existing_registry(settings) as registry:
            yield registry
    except NoArchive as error:
        _say_no_archive(error)
        raise typer.Exit(1) from error


@contextmanager
def _existing_registry(settings: Settings) -> Iterator[PeerRegistry]:
    """The registry of an existing archive (NoArchive when there is none: nothing is created)."""
    from pypacs.archive.index import displayed_url, open_index
    from pypacs.archive.peers import PeerRegistry

    try:
        engines = open_index(settings.database_url, fsync=settings.fsync, create=False)
    except NoArchive:
        raise
    except Exception as error:
        say(f"pypacs: cannot open the index at {displayed_url(settings.database_url)}: {error}")
        raise typer.Exit(1) from error
    try:
        yield PeerRegistry(settings, engines)
    finally:
        engines.dispose()


def _registered_peer(settings: Settings, title: str) -> RemoteAE | None:
    """A peer added with `pypacs ae add` (None when there is no archive yet)."""
    try:
        with _existing_registry(settings) as registry:
            return registry.get(title)
    except NoArchive:
        return None


@ae_app.command("list")
def list_peers(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """List the known peers: title, address, what each may do here, and where it is defined."""
    settings = _settings(config, data_dir=data_dir, database_url=database_url)
    with _registry(settings) as registry:
        peers = registry.peers()
    if as_json:
        console.print_json(json.dumps([peer.ae.model_dump() | {"source": peer.source} for peer in peers]))
        return
    table = Table("AE title", "Host", "Port", "May", "Defined in", "Description")
    for peer in sorted(peers, key=lambda p: p.ae.title):
        ae = peer.ae
        source = str(settings.config_file) if peer.source == "config" else "registry"
        table.add_row(ae.title, ae.host, str(ae.port), ae.permissions_text(), source, ae.description)
    console.print(table)
    console.print(f"{len(peers)} peer(s); callers must be listed: {'yes' if settings.known_callers_only else 'no'}")


@ae_app.command("add")
def add_peer(
    title: Annotated[str, typer.Argument(help="The peer's AE title (1-16 characters, case-sensitive).")],
    host: Annotated[str, typer.Argument(help="Its host name or IP address.")],
    port: Annotated[int, typer.Argument(help="Its DICOM port.")],
    description: Annotated[str, typer.Option(help="Free text, e.g. the modality's room.")] = "",
    store: Annotated[bool, typer.Option("--store/--no-store", help="May it store (C-STORE) here?")] = True,
    query: Annotated[bool, typer.Option("--query/--no-query", help="May it query (C-FIND) here?")] = True,
    retrieve: Annotated[
        bool, typer.Option("--retrieve/--no-retrieve", help="May it retrieve (C-MOVE, C-GET) from here?")
    ] = True,
    replace: Annotated[bool, typer.Option("--replace", help="Change the peer if it is registered already.")] = False,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Register a peer (or change one with --replace); a running server uses it within a second."""
    from pydantic import ValidationError

    settings = _settings(config, data_dir=data_dir, database_url=database_url)
    try:
        ae = RemoteAE(title=title, host=host, port=port, description=description,
                      may_store=store, may_query=query, may_retrieve=retrieve)  # fmt: skip
    except ValidationError as error:
        problems = "; ".join(f"{e['loc'][0]}: {e['msg'].removeprefix('Value error, ')}" for e in error.errors())
        say(f"pypacs: {problems}")
        raise typer.Exit(2) from error
    with _registry(settings) as registry:
        try:
            replaced = registry.add(ae, replace=replace)
        except ArchiveError as error:
            say(f"pypacs: {error}")
            raise typer.Exit(1) from error
    verb = "changed" if replaced else "added"
    console.print(f"{verb} {ae.title}@{ae.host}:{ae.port} (may {ae.permissions_text()})", markup=False)


@ae_app.command("remove")
def remove_peer(
    title: Annotated[str, typer.Argument(help="The AE title to forget.")],
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Forget a peer added with `pypacs ae add`."""
    settings = _settings(config, data_dir=data_dir, database_url=database_url)
    with _registry(settings) as registry:
        try:
            registry.remove(title)
        except ArchiveError as error:
            say(f"pypacs: {error}")
            raise typer.Exit(1) from error
    console.print(f"removed {title}", markup=False)
