"""WADO-RS (PS3.18 10.4): studies, series and instances as multipart DICOM streamed from the blob store;
metadata from the index's stored JSON; frames and bulk data as stored or decompressed.

Thin: the archive locates instances, imaging/ transcodes; this module negotiates media types and streams.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC
from email.utils import format_datetime

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from pydicom import dcmread
from pydicom.dataset import Dataset

from pypacs.archive.errors import InvalidQuery
from pypacs.archive.frames import LITTLE_ENDIAN_NATIVE
from pypacs.archive.retrieve import RetrieveTarget
from pypacs.archive.service import Archive
from pypacs.imaging.pixels import PixelDataError, frame_count
from pypacs.imaging.transcode import (
    EXPLICIT_LITTLE,
    FRAME_MEDIA_TYPES,
    UNCOMPRESSED,
    converts_to_explicit_little_endian,
    native_frame,
    stored_frame,
    to_explicit_little_endian,
)
from pypacs.web.multipart import MediaRange, Part, multipart_body, new_boundary, parse_accept

log = logging.getLogger(__name__)
router = APIRouter(tags=["WADO-RS"])

CHUNK = 4 * 1024 * 1024
DICOM_JSON = "application/dicom+json"


class NotAcceptable(Exception):
    """None of the representations the client accepts can be produced (HTTP 406)."""


def archive_of(request: Request) -> Archive:
    return request.app.state.archive  # type: ignore[no-any-return]


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + request.app.state.dicomweb_root


def instance_url(request: Request, target: RetrieveTarget) -> str:
    return (f"{base_url(request)}/studies/{target.study_instance_uid}/series/{target.series_instance_uid}"
            f"/instances/{target.sop_instance_uid}")  # fmt: skip


def multipart_response(parts: Iterator[Part], inner_type: str, status: int = 200) -> StreamingResponse:
    boundary = new_boundary()
    media_type = f'multipart/related; type="{inner_type}"; boundary={boundary}'
    body = coalesced(multipart_body(parts, boundary), CHUNK)
    return StreamingResponse(body, status_code=status, media_type=media_type)


def coalesced(chunks: Iterator[bytes], size: int) -> Iterator[bytes]:
    """Pieces of about `size` bytes: each streamed piece costs a thread hop in the server, so many small
    files (a CT series is hundreds of 0.5 MB objects) go out several at a time."""
    pending: list[bytes] = []
    length = 0
    for chunk in chunks:
        pending.append(chunk)
        length += len(chunk)
        if length >= size:
            yield b"".join(pending)
            pending, length = [], 0
    if pending:
        yield b"".join(pending)


# -- instances ------------------------------------------------------------------------------------------------


def requested_dicom_syntaxes(ranges: list[MediaRange]) -> list[str]:
    """The transfer syntaxes acceptable for DICOM parts, best first: '*' (as stored) or UIDs; Explicit VR Little
    Endian where the client does not say (PS3.18 8.7.3.5.2)."""
    syntaxes: list[str] = []
    for media in ranges:
        if media.media_type in ("*/*", "multipart/*"):
            syntaxes.append(EXPLICIT_LITTLE)
        elif media.media_type in ("multipart/related", "application/dicom") and media.inner_type in (
            "", "application/dicom", "application/*", "*/*",
        ):  # fmt: skip
            syntaxes.append(media.transfer_syntax or EXPLICIT_LITTLE)
    if not syntaxes:
        raise NotAcceptable('instances are sent as multipart/related; type="application/dicom"')
    return list(dict.fromkeys(syntaxes))


@dataclass(frozen=True)
class PartPlan:
    """How one instance goes out: its syntax in the answer, and the stored one as a fallback when the client
    accepts it too (a conversion can still fail on a corrupt object once the answer has started)."""

    target: RetrieveTarget
    syntax: str
    fallback: str | None = None

    @property
    def as_stored(self) -> bool:
        return self.syntax == self.target.transfer_syntax_uid


def plan_part(target: RetrieveTarget, accepted: list[str]) -> PartPlan | None:
    """The best acceptable representation of an instance that can be produced, or None."""
    stored = target.transfer_syntax_uid
    stored_accepted = "*" in accepted or stored in accepted
    for syntax in accepted:
        if syntax in ("*", stored):
            return PartPlan(target, stored)
        if syntax == EXPLICIT_LITTLE and converts_to_explicit_little_endian(stored):
            return PartPlan(target, EXPLICIT_LITTLE, stored if stored_accepted else None)
    return None


async def dicom_body(archive: Archive, plans: list[PartPlan], boundary: str) -> AsyncIterator[bytes | memoryview]:
    """The multipart body of a retrieve, an instance at a time (a big one in pieces of CHUNK bytes).

    Stored files are read on the event loop: they come from the page cache in ~0.1 ms each, and handing each piece
    to a worker thread (what a synchronous body costs) held a 131 MB series to ~2 GB/s instead of ~4. Conversions
    (decompression) run on a worker thread; one that fails sends the part as stored when the client accepts that,
    else leaves the part out: the answer stays a whole multipart body either way."""
    for plan in plans:
        target, syntax = plan.target, plan.syntax
        if not plan.as_stored:
            try:
                data = await anyio.to_thread.run_sync(_converted, archive, target.blob_key)
            except PixelDataError as error:
                if plan.fallback is None:
                    log.error("WADO-RS: instance %s left out of the answer: %s", target.sop_instance_uid, error)
                    continue
                log.warning("WADO-RS: instance %s sent as stored: %s", target.sop_instance_uid, error)
                syntax = plan.fallback
            else:
                yield _part_header(boundary, syntax) + data + b"\r\n"
                continue
        header = _part_header(boundary, syntax)
        with archive.blobs.open(target.blob_key) as handle:
            size = os.fstat(handle.fileno()).st_size
            if size <= CHUNK:  # the part in one buffer, the file read straight into it (no copy to join them)
                part = bytearray(len(header) + size + 2)
                part[: len(header)] = header
                if handle.readinto(memoryview(part)[len(header) : len(header) + size]) != size:
                    raise OSError(f"stored file of {target.sop_instance_uid} changed size while read")
                part[-2:] = b"\r\n"
                yield memoryview(part)
                continue
            yield header
            while data := handle.read(CHUNK):
                yield data
            yield b"\r\n"
    yield f"--{boundary}--\r\n".encode()


def _part_header(boundary: str, syntax: str) -> bytes:
    return f"--{boundary}\r\nContent-Type: application/dicom; transfer-syntax={syntax}\r\n\r\n".encode()


def _converted(archive: Archive, blob_key: str) -> bytes:
    return to_explicit_little_endian(archive.blobs.read(blob_key))


def retrieve(request: Request, study: str, series: str | None = None, sop: str | None = None) -> StreamingResponse:
    """Instances as multipart DICOM. What each part will be is decided before the status line: instances that
    cannot be produced in any accepted syntax are left out with 206 and a Warning, or 406 when that is all."""
    archive = archive_of(request)
    ranges = parse_accept(request.headers.get("accept"))
    if wants_bulk_data(ranges):
        return retrieve_pixel_bulk_data(request, archive, ranges, archive.stored_instances(study, series, sop))
    accepted = requested_dicom_syntaxes(ranges)
    targets = archive.stored_instances(study, series, sop)
    plans = [plan_part(target, accepted) for target in targets]
    planned = [plan for plan in plans if plan is not None]
    unable = len(targets) - len(planned)
    if not planned:
        raise NotAcceptable(f"{unable} instance(s) cannot be sent in {', '.join(accepted)}: they are stored as "
                            f"{', '.join(sorted({t.transfer_syntax_uid for t in targets}))}; "
                            f"ask for transfer-syntax=* (as stored)")  # fmt: skip
    headers = {}
    if unable:
        headers["Warning"] = (f'299 pypacs "{unable} of {len(targets)} instance(s) left out: not available '
                              f'in {", ".join(accepted)}; ask for transfer-syntax=* to get them as stored"')
    boundary = new_boundary()
    media_type = f'multipart/related; type="application/dicom"; boundary={boundary}'
    return StreamingResponse(dicom_body(archive, planned, boundary), status_code=206 if unable else 200,
                             media_type=media_type, headers=headers)  # fmt: skip


# -- the pixel data of a study, series or instance as bulk data -----------------------------------------------


def wants_bulk_data(ranges: list[MediaRange]) -> bool:
    """Whether the client's preferred answer is bulk data (`multipart/related; type="application/octet-stream"`,
    PS3.18 10.4.1.1.3) rather than DICOM instances."""
    for media in ranges:
        if media.media_type == "multipart/related" and media.inner_type == "application/octet-stream":
            return True
        if media.media_type in ("*/*", "multipart/*", "multipart/related", "application/dicom"):
            return False
    return False


@dataclass(frozen=True)
class BulkPlan:
    """The frames of one instance in a bulk data answer: as stored or native (decoded little endian)."""

    target: RetrieveTarget
    stored: bool
    frames: int | None  # None: learnt when the object is read (its layout is not one the frame reader cuts)
    frames_url: str  # the instance's frames resource, a frame's Content-Location without its number

    @property
    def content_type(self) -> str:
        syntax = self.target.transfer_syntax_uid if self.stored else EXPLICIT_LITTLE
        return f"application/octet-stream; transfer-syntax={syntax}"


def retrieve_pixel_bulk_data(
    request: Request, archive: Archive, ranges: list[MediaRange], targets: list[RetrieveTarget]
) -> StreamingResponse:
    """The Pixel Data of each instance as bulk data: one part per frame, in series order (instance number), each
    with its frame's WADO-RS URL as Content-Location (so a viewer maps parts to the image IDs it builds) and its
    length. Frames are as stored when the client takes that the way the frames route decides (transfer-syntax=*),
    else native; native ones of uncompressed little endian objects are cut from the file, nothing decoded.
    Instances without pixel data are left out; 406 when an instance cannot be sent as asked."""
    octet = [m for m in ranges if m.media_type == "multipart/related" and m.inner_type == "application/octet-stream"]
    plans = []
    for target in targets:
        layout = archive.frames.layout(target.blob_key)
        if layout is None and target.transfer_syntax_uid in LITTLE_ENDIAN_NATIVE:
            continue  # no Pixel Data (a structured report, a presentation state): no bulk data to send
        representation, _single = frame_representation(octet, target.transfer_syntax_uid, 2)
        frames_url = f"{instance_url(request, target)}/frames/"
        plans.append(BulkPlan(target, representation == "stored", layout.frames if layout else None, frames_url))
    boundary = new_boundary()
    media_type = f'multipart/related; type="application/octet-stream"; boundary={boundary}'
    return StreamingResponse(bulk_body(archive, plans, boundary), media_type=media_type)


async def bulk_body(archive: Archive, plans: list[BulkPlan], boundary: str) -> AsyncIterator[bytes]:
    """The parts of a bulk data answer, several frames to a piece. Frames cut from files are read on the event
    loop (from the page cache, as dicom_body does); decoding runs on a worker thread."""
    pending: list[bytes] = []
    size = 0
    for plan in plans:
        target = plan.target
        frames: Iterator[bytes]
        if plan.frames is not None and (plan.stored or target.transfer_syntax_uid in LITTLE_ENDIAN_NATIVE):
            frames = (archive.frames.stored_frame(target.blob_key, index) or b"" for index in range(plan.frames))
        else:
            frames = iter(await anyio.to_thread.run_sync(_all_frames, archive, target, plan.stored))
        for number, frame in enumerate(frames, start=1):
            header = (f"--{boundary}\r\nContent-Type: {plan.content_type}\r\n"
                      f"Content-Location: {plan.frames_url}{number}\r\nContent-Length: {len(frame)}\r\n\r\n")
            pending += [header.encode(), frame, b"\r\n"]
            size += len(frame)
            if size >= CHUNK // 4:
                yield b"".join(pending)
                pending, size = [], 0
    pending.append(f"--{boundary}--\r\n".encode())
    yield b"".join(pending)


def _all_frames(archive: Archive, target: RetrieveTarget, stored: bool) -> list[bytes]:
    ds = dcmread(archive.blobs.path(target.blob_key))
    if "PixelData" not in ds:
        return []
    cut = stored_frame if stored else native_frame
    return [cut(ds, index) for index in range(frame_count(ds))]


@router.get("/studies/{study}", summary="Retrieve a study (multipart DICOM)")
def retrieve_study(request: Request, study: str) -> StreamingResponse:
    return retrieve(request, study)


@router.get("/studies/{study}/series/{series}", summary="Retrieve a series (multipart DICOM)")
def retrieve_series(request: Request, study: str, series: str) -> StreamingResponse:
    return retrieve(request, study, series)


@router.get("/studies/{study}/series/{series}/instances/{sop}", summary="Retrieve an instance (multipart DICOM)")
def retrieve_instance(request: Request, study: str, series: str, sop: str) -> StreamingResponse:
    return retrieve(request, study, series, sop)


# -- metadata -------------------------------------------------------------------------------------------------


def metadata(request: Request, study: str, series: str | None = None, sop: str | None = None) -> Response:
    documents = archive_of(request).instance_metadata(study, series, sop)
    digest = hashlib.sha256()
    for target, _json, _stored in documents:
        digest.update(f"{target.sop_instance_uid}:{target.blob_key};".encode())
    etag = f'"{digest.hexdigest()[:32]}"'
    newest = max(d[2] for d in documents)
    newest = newest if newest.tzinfo else newest.replace(tzinfo=UTC)  # SQLite returns naive UTC times
    headers = {"ETag": etag, "Last-Modified": format_datetime(newest.astimezone(UTC), usegmt=True),
               "Cache-Control": "no-cache"}  # fmt: skip
    if etag in (request.headers.get("if-none-match") or ""):
        return Response(status_code=304, headers=headers)
    parts = []
    for target, text, _stored in documents:
        url = instance_url(request, target)
        parts.append(text.replace('"BulkDataURI":"bulkdata/', f'"BulkDataURI":"{url}/bulkdata/'))
    return Response("[" + ",".join(parts) + "]", media_type=DICOM_JSON, headers=headers)


@router.get("/studies/{study}/metadata", summary="Metadata of every instance of a study")
def study_metadata(request: Request, study: str) -> Response:
    return metadata(request, study)


@router.get("/studies/{study}/series/{series}/metadata", summary="Metadata of every instance of a series")
def series_metadata(request: Request, study: str, series: str) -> Response:
    return metadata(request, study, series)


@router.get("/studies/{study}/series/{series}/instances/{sop}/metadata", summary="Metadata of an instance")
def instance_metadata(request: Request, study: str, series: str, sop: str) -> Response:
    return metadata(request, study, series, sop)


# -- frames and bulk data -------------------------------------------------------------------------------------


def parse_frame_list(text: str) -> list[int]:
    """`1,3,5` → [1, 3, 5] (1-based, as in the URL)."""
    try:
        numbers = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise InvalidQuery(f"frame list {text!r} must be comma-separated numbers") from error
    if not numbers or any(number < 1 for number in numbers):
        raise InvalidQuery(f"frame list {text!r} must name frames from 1 up")
    return numbers


def frame_representation(ranges: list[MediaRange], stored_syntax: str, frames: int = 1) -> tuple[str, bool]:
    """'stored' (the bitstream as stored, native or compressed) or 'native' (decoded little endian), and whether
    the answer is a single part: a media type asked for without multipart/related, for one frame (PS3.18 8.7.3)."""
    stored_type = FRAME_MEDIA_TYPES.get(stored_syntax, "application/octet-stream")
    for media in ranges:
        multipart = media.media_type in ("multipart/related", "multipart/*", "*/*")
        if not multipart and frames > 1:
            continue  # one part holds one frame
        inner = media.inner_type if media.media_type == "multipart/related" else media.media_type
        syntax = media.transfer_syntax
        if inner in ("*/*", "") and multipart:
            return ("stored" if syntax == "*" else "native"), False
        if inner == "application/octet-stream":
            if syntax == "*" or syntax == stored_syntax:
                return "stored", not multipart
            if syntax in (None, EXPLICIT_LITTLE):
                return "native", not multipart
        if inner == stored_type and syntax in (None, "*", stored_syntax):
            return "stored", not multipart
    raise NotAcceptable(f"frames of this instance are available as application/octet-stream (native) or "
                        f"{stored_type} with transfer-syntax={stored_syntax}, in multipart/related or, for one "
                        f"frame, as a single part")  # fmt: skip


def read_instance(archive: Archive, study: str, series: str, sop: str) -> tuple[RetrieveTarget, Dataset]:
    [target] = archive.stored_instances(study, series, sop)
    return target, dcmread(archive.blobs.path(target.blob_key))


@router.get("/studies/{study}/series/{series}/instances/{sop}/frames/{frames}", summary="Retrieve frames")
def retrieve_frames(request: Request, study: str, series: str, sop: str, frames: str) -> Response:
    numbers = parse_frame_list(frames)
    archive = archive_of(request)
    target = archive.instance(study, series, sop)
    syntax = target.transfer_syntax_uid
    ranges = parse_accept(request.headers.get("accept"))
    representation, single_part = frame_representation(ranges, syntax, len(numbers))
    if representation == "stored" and syntax not in UNCOMPRESSED:
        content_type = f"{FRAME_MEDIA_TYPES.get(syntax, 'application/octet-stream')}; transfer-syntax={syntax}"
    elif representation == "stored":
        content_type = f"application/octet-stream; transfer-syntax={syntax}"
    else:
        content_type = f"application/octet-stream; transfer-syntax={EXPLICIT_LITTLE}"
    # As stored, or native from uncompressed little endian (the same bytes): cut from the file, nothing decoded.
    cut: list[bytes | None] = []
    if representation == "stored" or syntax in LITTLE_ENDIAN_NATIVE:
        cut = [archive.frames.stored_frame(target.blob_key, number - 1) for number in numbers]
    data = [frame for frame in cut if frame is not None]
    if not cut or len(data) != len(cut):
        data = frames_decoded(archive, target, numbers, representation)
    if single_part:  # one frame, its own media type (the image loader then needs no multipart parsing)
        return Response(data[0], media_type=content_type)
    url = instance_url(request, target)
    parts = [Part(content_type, [frame], location=f"{url}/frames/{number}")
             for number, frame in zip(numbers, data, strict=True)]  # fmt: skip
    # Frames are small and already in memory: one body (a streamed response costs a thread hop per chunk).
    boundary = new_boundary()
    inner = content_type.split(";", 1)[0]
    return Response(b"".join(multipart_body(parts, boundary)),
                    media_type=f'multipart/related; type="{inner}"; boundary={boundary}')  # fmt: skip


def frames_decoded(archive: Archive, target: RetrieveTarget, numbers: list[int], representation: str) -> list[bytes]:
    """Frames from the whole object read and, for native ones, decoded."""
    ds = dcmread(archive.blobs.path(target.blob_key))
    count = frame_count(ds)
    missing = [n for n in numbers if n > count]
    if missing:
        raise PixelDataError(f"frame(s) {', '.join(map(str, missing))} do not exist: the instance has {count}")
    cut = stored_frame if representation == "stored" else native_frame
    return [cut(ds, number - 1) for number in numbers]


@router.get("/studies/{study}/series/{series}/instances/{sop}/bulkdata/{tag}", summary="Retrieve bulk data")
def retrieve_bulk_data(request: Request, study: str, series: str, sop: str, tag: str) -> StreamingResponse:
    target, ds = read_instance(archive_of(request), study, series, sop)
    try:
        number = int(tag, 16)
    except ValueError as error:
        raise InvalidQuery(f"bulk data tag {tag!r} must be 8 hexadecimal digits") from error
    if number not in ds:
        raise PixelDataError(f"the instance has no element ({tag[:4]},{tag[4:]})")
    if number == 0x7FE00010:
        syntax = target.transfer_syntax_uid
        if syntax in UNCOMPRESSED:
            body = [bytes(ds.PixelData)]
            parts = iter([Part(f"application/octet-stream; transfer-syntax={syntax}", body)])
            return multipart_response(parts, "application/octet-stream")
        media = FRAME_MEDIA_TYPES.get(syntax, "application/octet-stream")
        frames = (Part(f"{media}; transfer-syntax={syntax}", [stored_frame(ds, i)]) for i in range(frame_count(ds)))
        return multipart_response(frames, media)
    value = ds[number].value
    data = value if isinstance(value, bytes) else str(value).encode()
    return multipart_response(iter([Part("application/octet-stream", [data])]), "application/octet-stream")
