"""STOW-RS (PS3.18 10.5): POST multipart/related DICOM to /studies or /studies/{uid}; each part goes through
archive.ingest, and the response lists what was stored and what failed, with reasons.

Thin: parts are read one at a time (never the whole body; a big one through a spool file) and handed to the one
ingest path.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydicom import dcmread

from pypacs.archive.errors import ArchiveError, Conflict, InvalidObject, StorageFull
from pypacs.archive.ingest import StoreOutcome
from pypacs.archive.service import Archive
from pypacs.web.multipart import MultipartError, ReceivedPart, boundary_of, read_parts
from pypacs.web.wado import archive_of, base_url

log = logging.getLogger(__name__)
router = APIRouter(tags=["STOW-RS"])

SPOOL_ABOVE = 8 * 1024 * 1024  # parts larger than this are received into a spool file, not memory
PROCESSING_FAILURE, DUPLICATE, OUT_OF_RESOURCES = 0x0110, 0x0111, 0xA700
DOES_NOT_MATCH, CANNOT_UNDERSTAND = 0xA900, 0xC000


class UnsupportedMediaType(Exception):
    """The request body is not multipart/related DICOM (HTTP 415)."""


def _failure_reason(error: Exception) -> int:
    if isinstance(error, InvalidObject):
        return CANNOT_UNDERSTAND
    if isinstance(error, Conflict):
        return DUPLICATE
    if isinstance(error, StorageFull):
        return OUT_OF_RESOURCES
    return PROCESSING_FAILURE


def _reference(sop_class: str, sop_instance: str) -> dict[str, Any]:
    return {"00081150": {"vr": "UI", "Value": [sop_class] if sop_class else []},
            "00081155": {"vr": "UI", "Value": [sop_instance] if sop_instance else []}}  # fmt: skip


def _uids(content: bytes | Path) -> tuple[str, str, str]:
    """(SOP Class, SOP Instance, Study Instance UID) read from a part, blank when unreadable."""
    source = content if isinstance(content, Path) else io.BytesIO(content)
    try:
        ds = dcmread(source, stop_before_pixels=True, specific_tags=[0x00080016, 0x00080018, 0x0020000D])
        return (str(ds.get("SOPClassUID", "")), str(ds.get("SOPInstanceUID", "")), str(ds.get("StudyInstanceUID", "")))
    except Exception:
        return "", "", ""


async def store_parts(request: Request, study: str | None) -> JSONResponse:
    """Each part through archive.ingest as it arrives; parts over SPOOL_ABOVE bytes go through a spool file in
    the blob store (linked as the blob when stored), so memory stays bounded whatever their size."""
    content_type = request.headers.get("content-type", "")
    try:
        boundary = boundary_of(content_type)
    except MultipartError as error:
        raise UnsupportedMediaType(f'{error}; send multipart/related; type="application/dicom"') from error
    archive = archive_of(request)
    stored: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    studies: set[str] = set()
    parts = read_parts(request.stream(), boundary, archive.settings.max_message_size, memory_limit=SPOOL_ABOVE,
                       spool=archive.blobs.spool_file)  # fmt: skip
    try:
        async for part in parts:
            try:
                outcome = await _store_part(archive, part, study)
            except PartRefused as refusal:
                failed.append(refusal.item)
            else:
                item = _reference(outcome.sop_class_uid, outcome.sop_instance_uid)
                item["00081190"] = {"vr": "UR", "Value": [
                    f"{base_url(request)}/studies/{outcome.study_instance_uid}/series/"
                    f"{outcome.series_instance_uid}/instances/{outcome.sop_instance_uid}"]}  # fmt: skip
                stored.append(item)
                studies.add(outcome.study_instance_uid)
            finally:
                part.body.discard()
    except MultipartError as error:
        if not stored and not failed:
            raise
        failed.append(_failed_item("", "", CANNOT_UNDERSTAND, f"the multipart body broke off: {error}"))
        log.warning("STOW-RS body broken after %d part(s): %s", len(stored) + len(failed) - 1, error)
    body: dict[str, Any] = {}
    if len(studies) == 1 or study:
        body["00081190"] = {"vr": "UR", "Value": [f"{base_url(request)}/studies/{study or next(iter(studies))}"]}
    if failed:
        body["00081198"] = {"vr": "SQ", "Value": failed}
    if stored:
        body["00081199"] = {"vr": "SQ", "Value": stored}
    status = 200 if not failed else 202 if stored else 409
    return JSONResponse(body, status_code=status, media_type="application/dicom+json")


class PartRefused(Exception):
    """A part that was not stored; `item` is its Failed SOP Sequence item."""

    def __init__(self, item: dict[str, Any]) -> None:
        super().__init__(item.get("00000902", {}).get("Value", [""])[0])
        self.item = item


async def _store_part(archive: Archive, part: ReceivedPart, study: str | None) -> StoreOutcome:
    content = part.body.content
    sop_class, sop_instance, part_study = _uids(content)
    media = part.content_type.split(";", 1)[0].strip().lower()
    if media not in ("application/dicom", "application/octet-stream"):
        reason, comment = CANNOT_UNDERSTAND, f"part of type {media} is not application/dicom"
    elif study is not None and part_study and part_study != study:
        reason, comment = DOES_NOT_MATCH, f"Study Instance UID {part_study} is not {study}"
    else:
        try:
            outcome: StoreOutcome = await run_in_threadpool(archive.store, content, source_ae="STOW-RS")
            return outcome
        except ArchiveError as error:
            reason, comment = _failure_reason(error), str(error)
    log.warning("STOW-RS part %s refused: %s", sop_instance or "(unreadable)", comment)
    raise PartRefused(_failed_item(sop_class, sop_instance, reason, comment))


def _failed_item(sop_class: str, sop_instance: str, reason: int, comment: str) -> dict[str, Any]:
    """A Failed SOP Sequence item: the references, the Failure Reason, and the reason in words as an Error
    Comment (as dcm4chee gives it)."""
    item = _reference(sop_class, sop_instance)
    item["00081197"] = {"vr": "US", "Value": [reason]}
    item["00000902"] = {"vr": "LO", "Value": [comment]}
    return item


@router.post("/studies", summary="Store instances (STOW-RS)")
async def store_instances(request: Request) -> JSONResponse:
    return await store_parts(request, None)


@router.post("/studies/{study}", summary="Store instances into a study (STOW-RS)")
async def store_study_instances(request: Request, study: str) -> JSONResponse:
    return await store_parts(request, study)
