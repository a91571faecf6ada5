"""A study's stored DICOM files as one zip, written while it is sent: a member per instance, byte for byte as
stored, in folders per series.

Member names come from series and instance numbers (integers from the index), never from attribute text; the
one name part from the study, its UID, is reduced to safe characters. No HTTP here (web/api.py streams it).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from pypacs.archive.blobs import FileBlobStore
from pypacs.archive.index import instance, series, study

CHUNK = 4 * 1024 * 1024  # about this many bytes are handed to the server at a time


@dataclass(frozen=True)
class ZipMember:
    name: str
    blob_key: str
    size: int
    stored_at: datetime


def zip_folder_name(study_uid: str) -> str:
    """The study's folder in the zip, and the zip's file name without '.zip': its UID in safe characters."""
    name = re.sub(r"[^0-9A-Za-z._-]", "_", study_uid)[:64]
    return name if re.search(r"[0-9A-Za-z]", name) else "study"


def study_zip_members(engine: Engine, study_uid: str) -> list[ZipMember]:
    """The instances of a study in series and instance order, each named `<study>/series-0002/00017.dcm`
    (numbers missing: `series-none-1`, `none-1.dcm`; numbers repeated: `series-0002-2`, `00017-2.dcm`);
    empty when there is no such study."""
    statement = (
        select(series.c.pk, series.c.series_number, instance.c.instance_number, instance.c.blob_key,
               instance.c.size, instance.c.created_at)  # fmt: skip
        .select_from(instance)
        .join(series, instance.c.series_fk == series.c.pk)
        .join(study, instance.c.study_fk == study.c.pk)
        .where(study.c.study_instance_uid == study_uid)
        .order_by(series.c.series_number, series.c.pk, instance.c.instance_number, instance.c.pk)
    )
    with engine.connect() as connection:
        rows = connection.execute(statement).all()
    top = zip_folder_name(study_uid)
    folders: dict[int, str] = {}
    files: dict[int, set[str]] = {}
    members = []
    for series_pk, series_number, instance_number, blob_key, size, stored_at in rows:
        if series_pk not in folders:
            folders[series_pk] = _unique(_numbered("series-", series_number, 4), set(folders.values()))
            files[series_pk] = set()
        file = _unique(_numbered("", instance_number, 5), files[series_pk])
        files[series_pk].add(file)
        members.append(ZipMember(f"{top}/{folders[series_pk]}/{file}.dcm", blob_key, int(size), stored_at))
    return members


def _numbered(prefix: str, number: int | None, width: int) -> str:
    return f"{prefix}{number:0{width}d}" if number is not None else f"{prefix}none"


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken and not name.endswith("none"):
        return name
    suffix = 1 if name.endswith("none") else 2
    while f"{name}-{suffix}" in taken:
        suffix += 1
    return f"{name}-{suffix}"


class _Chunks:
    """The zip's bytes as they are written (a stream that cannot seek: zipfile then writes each member's sizes
    and CRC after its data, in a data descriptor)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes, /) -> int:
        self._parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts, self.size = [], 0
        return data


def study_zip(blobs: FileBlobStore, members: list[ZipMember]) -> Iterator[bytes]:
    """The zip of these members, in pieces of about CHUNK bytes, stored (not compressed: most pixel data is
    compressed already, and the server's CPU is better spent elsewhere); ZIP64 where sizes need it."""
    chunks = _Chunks()
    with zipfile.ZipFile(chunks, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for member in members:
            info = zipfile.ZipInfo(member.name, date_time=_zip_time(member.stored_at))
            info.compress_type = zipfile.ZIP_STORED
            info.file_size = member.size
            info.external_attr = 0o644 << 16
            with blobs.open(member.blob_key) as source, archive.open(info, "w") as target:
                while data := source.read(CHUNK):
                    target.write(data)
                    if chunks.size >= CHUNK:
                        yield chunks.take()
    yield chunks.take()


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    local = moment.astimezone() if moment.tzinfo else moment
    if local.year < 1980:  # the earliest a zip can say
        return (1980, 1, 1, 0, 0, 0)
    return (local.year, local.month, local.day, local.hour, local.minute, local.second)
