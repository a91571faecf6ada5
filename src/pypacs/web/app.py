"""The HTTP application factory: routes mounted on one FastAPI app, domain errors mapped to problem+json.

Thin by rule: routes call the archive; this module only wires them and translates errors.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES
from starlette.requests import ClientDisconnect

from pypacs import __version__
from pypacs.archive.errors import ArchiveError, Conflict, InvalidObject, InvalidQuery, NotFound, Refused, StorageFull
from pypacs.archive.service import Archive
from pypacs.imaging.pixels import PixelDataError
from pypacs.reports.errors import InvalidContent, UnreadableDocument
from pypacs.volume.model import NotAVolume
from pypacs.web import (
    dictionary,
    presentation,
    qido,
    rendered,
    stow,
    volume,
    volume_paths,
    volume_rendering,
    volume_saving,
    wado,
    wado_uri,
)
from pypacs.web.api import router as api_router
from pypacs.web.multipart import MultipartError
from pypacs.web.viewer import mount_viewer

log = logging.getLogger(__name__)

_HTTP_STATUS: list[tuple[type[ArchiveError], int, str]] = [
    (NotFound, 404, "Not Found"),
    (InvalidQuery, 400, "Invalid query"),
    (InvalidObject, 400, "Invalid DICOM object"),
    (Conflict, 409, "Conflict"),
    (Refused, 403, "Refused"),
    (StorageFull, 507, "Insufficient storage"),
]


DOCS_ASSETS = "/docs-assets"  # Swagger UI's script, stylesheet and icon

# Pictures and DICOM gain nothing from gzip; JSON (QIDO, metadata) gains a lot.
NOT_COMPRESSED = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "multipart/*", "application/dicom", "application/octet-stream",
                  "application/zip")  # fmt: skip
_OTHER_ERRORS: list[tuple[type[Exception], int, str]] = [
    (wado.NotAcceptable, 406, "Not Acceptable"),
    (stow.UnsupportedMediaType, 415, "Unsupported Media Type"),
    (MultipartError, 400, "Malformed multipart body"),
    (PixelDataError, 422, "Cannot produce the pixels"),
    (InvalidContent, 400, "Invalid request"),
    (UnreadableDocument, 422, "Cannot read the document"),
    (NotAVolume, 422, "Not a volume"),
]


def problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )


def create_app(archive: Archive) -> FastAPI:
    # FastAPIOffline: FastAPI whose /docs (Swagger UI) loads its script, stylesheet and icon from DOCS_ASSETS in this
    # app instead of a CDN, so it works on a network without internet. No /redoc: ReDoc fetches its logo from the
    # internet whatever the page says.
    app = FastAPIOffline(
        title="pypacs",
        version=__version__,
        description="pypacs PACS: DICOMweb (QIDO-RS, WADO-RS, STOW-RS, WADO-URI), a REST API and the web viewer (at /)",
        static_url=DOCS_ASSETS,
        redoc_url=None,
    )
    app.state.archive = archive
    app.state.dicomweb_root = archive.settings.dicomweb_root
    if archive.settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=archive.settings.cors_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=["Warning", "Content-Type", "Content-Length", "ETag", "Last-Modified"],
        )

    @app.exception_handler(ArchiveError)
    async def _archive_error(_request: Request, error: ArchiveError) -> JSONResponse:
        for kind, code, title in _HTTP_STATUS:
            if isinstance(error, kind):
                return problem(code, title, str(error))
        return problem(500, "Archive error", str(error))

    for kind, code, title in _OTHER_ERRORS:
        app.add_exception_handler(kind, _problem_handler(code, title))

    @app.exception_handler(HTTPException)
    async def _http_error(_request: Request, error: HTTPException) -> JSONResponse:
        return problem(error.status_code, str(error.detail) if error.status_code != 404 else "Not Found",
                       "no such resource" if error.status_code == 404 else str(error.detail))  # fmt: skip

    @app.exception_handler(ClientDisconnect)
    async def _client_gone(request: Request, _error: ClientDisconnect) -> JSONResponse:
        # The connection closed (by the client, or by web/connections.py at a deadline) before the request's body
        # was complete: nobody is left to answer, and it is no server error.
        log.info("%s %s: the connection closed before the request was complete", request.method, request.url.path)
        return problem(400, "Incomplete request", "the connection closed before the request body was complete")

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        details = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        return problem(400, "Invalid request", details)

    @app.get("/health", summary="Liveness and archive size")
    def health() -> dict[str, object]:
        counts = archive.counts()
        return {
            "status": "ok",
            "version": __version__,
            "ae_title": archive.settings.ae_title,
            "studies": counts.studies,
            "instances": counts.instances,
        }

    app.include_router(api_router, prefix="/api")
    app.include_router(presentation.router, prefix="/api")
    app.include_router(dictionary.router, prefix="/api")
    for router in (volume.router, volume_rendering.router, volume_paths.router, volume_saving.router):
        app.include_router(router, prefix="/api")
    root = archive.settings.dicomweb_root
    for router in (qido.router, wado.router, rendered.router, stow.router):
        app.include_router(router, prefix=root)
    app.include_router(wado_uri.router)
    mount_viewer(app, root)
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=4, exclude_content_types=NOT_COMPRESSED)
    return app


def _problem_handler(code: int, title: str):  # type: ignore[no-untyped-def]
    async def handler(_request: Request, error: Exception) -> JSONResponse:
        return problem(code, title, str(error))

    return handler
