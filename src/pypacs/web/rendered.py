"""WADO-RS rendered and thumbnail resources (PS3.18 10.4.1.1.3-4): instances, frames, series and studies as
JPEG/PNG/GIF with `window`, `viewport` and `quality`.

Thin: imaging/render does the pixel work; this module reads parameters and picks the instances.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from pydicom import dcmread

from pypacs.archive.errors import InvalidQuery
from pypacs.archive.retrieve import RetrieveTarget
from pypacs.archive.service import Archive
from pypacs.imaging.render import MAX_VIEWPORT, MEDIA_TYPES, Viewport, encode_picture, fit, render_frame
from pypacs.imaging.voi import WindowRequest, window_request
from pypacs.web.multipart import Part, parse_accept
from pypacs.web.parameters import whole_number
from pypacs.web.wado import NotAcceptable, archive_of, multipart_response, parse_frame_list

router = APIRouter(tags=["WADO-RS rendered"])

THUMBNAIL = Viewport(128, 128)


def picture_type(request: Request) -> str:
    """The image media type asked for (the `accept` query parameter, then the Accept header); JPEG by default."""
    wanted = request.query_params.get("accept") or request.headers.get("accept")
    for media in parse_accept(wanted):
        candidate = media.inner_type if media.media_type == "multipart/related" else media.media_type
        if candidate in MEDIA_TYPES:
            return candidate
        if candidate in ("*/*", "image/*", ""):
            return "image/jpeg"
    raise NotAcceptable(f"rendered images are available as {', '.join(MEDIA_TYPES)}")


def render_options(request: Request, default_viewport: Viewport | None) -> tuple[WindowRequest, Viewport | None, int]:
    """`window=center,width[,function]` (finite numbers) or a preset's id or name (imaging/window_presets.json),
    `viewport=columns,rows` (whole numbers up to
    MAX_VIEWPORT; the source-region values that may follow are not supported and ignored) and `quality=1..100`."""
    parameters = request.query_params
    try:
        window = window_request(parameters["window"]) if parameters.get("window") else None
    except ValueError as error:
        raise InvalidQuery(f"window: {error}") from error
    viewport = default_viewport
    if parameters.get("viewport"):
        sizes = parameters["viewport"].split(",")
        if len(sizes) < 2:
            raise InvalidQuery(f"viewport={parameters['viewport']!r} must be columns,rows")
        columns, rows = (whole_number("viewport", size, 1, MAX_VIEWPORT) for size in sizes[:2])
        viewport = Viewport(columns, rows)
    quality = whole_number("quality", parameters["quality"], 1, 100) if parameters.get("quality") else 90
    return window, viewport, quality


def rendered_bytes(archive: Archive, target: RetrieveTarget, frame: int, request: Request,
                   viewport: Viewport | None, media_type: str) -> bytes:  # fmt: skip
    window, viewport, quality = render_options(request, viewport)
    ds = dcmread(archive.blobs.path(target.blob_key))
    return encode_picture(fit(render_frame(ds, frame, window), viewport), media_type, quality)


def one_picture(request: Request, targets: list[RetrieveTarget], frame: int, viewport: Viewport | None) -> Response:
    media_type = picture_type(request)
    data = rendered_bytes(archive_of(request), targets[0], frame, request, viewport, media_type)
    return Response(data, media_type=media_type)


def many_pictures(request: Request, targets: list[RetrieveTarget], viewport: Viewport | None) -> StreamingResponse:
    media_type = picture_type(request)
    render_options(request, viewport)  # bad parameters fail before the response starts
    archive = archive_of(request)

    def parts() -> Iterator[Part]:
        for target in targets:
            yield Part(media_type, [rendered_bytes(archive, target, 0, request, viewport, media_type)])

    return multipart_response(parts(), media_type)


def middle(targets: list[RetrieveTarget]) -> list[RetrieveTarget]:
    first_series = [t for t in targets if t.series_instance_uid == targets[0].series_instance_uid]
    return [first_series[len(first_series) // 2]]


@router.get("/studies/{study}/rendered", summary="Every instance of a study, rendered")
def study_rendered(request: Request, study: str) -> StreamingResponse:
    return many_pictures(request, archive_of(request).stored_instances(study), None)


@router.get("/studies/{study}/series/{series}/rendered", summary="Every instance of a series, rendered")
def series_rendered(request: Request, study: str, series: str) -> StreamingResponse:
    return many_pictures(request, archive_of(request).stored_instances(study, series), None)


@router.get("/studies/{study}/series/{series}/instances/{sop}/rendered", summary="An instance, rendered")
def instance_rendered(request: Request, study: str, series: str, sop: str) -> Response:
    return one_picture(request, archive_of(request).stored_instances(study, series, sop), 0, None)


@router.get("/studies/{study}/series/{series}/instances/{sop}/frames/{frames}/rendered", summary="A frame, rendered")
def frame_rendered(request: Request, study: str, series: str, sop: str, frames: str) -> Response:
    numbers = parse_frame_list(frames)
    if len(numbers) != 1:
        raise InvalidQuery("render one frame at a time")
    return one_picture(request, archive_of(request).stored_instances(study, series, sop), numbers[0] - 1, None)


@router.get("/studies/{study}/thumbnail", summary="A small picture of a study (its first series' middle image)")
def study_thumbnail(request: Request, study: str) -> Response:
    return one_picture(request, middle(archive_of(request).stored_instances(study)), 0, THUMBNAIL)


@router.get("/studies/{study}/series/{series}/thumbnail", summary="A small picture of a series (its middle image)")
def series_thumbnail(request: Request, study: str, series: str) -> Response:
    return one_picture(request, middle(archive_of(request).stored_instances(study, series)), 0, THUMBNAIL)


@router.get("/studies/{study}/series/{series}/instances/{sop}/thumbnail", summary="A small picture of an instance")
def instance_thumbnail(request: Request, study: str, series: str, sop: str) -> Response:
    return one_picture(request, archive_of(request).stored_instances(study, series, sop), 0, THUMBNAIL)


@router.get("/studies/{study}/series/{series}/instances/{sop}/frames/{frames}/thumbnail",
            summary="A small picture of a frame")  # fmt: skip
def frame_thumbnail(request: Request, study: str, series: str, sop: str, frames: str) -> Response:
    numbers = parse_frame_list(frames)
    return one_picture(request, archive_of(request).stored_instances(study, series, sop), numbers[0] - 1, THUMBNAIL)
