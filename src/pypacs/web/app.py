"""The HTTP application factory: routes mounted on one FastAPI app, domain errors mapped to problem+json.

Thin by rule: routes call the archive; this module only wires them and translates errors.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from pypacs import __version__
from pypacs.archive.errors import ArchiveError, Conflict, InvalidObject, InvalidQuery, NotFound, Refused, StorageFull
from pypacs.archive.service import Archive
from pypacs.web.api import router as api_router
from pypacs.web.qido import router as qido_router

log = logging.getLogger(__name__)

_HTTP_STATUS: list[tuple[type[ArchiveError], int, str]] = [
    (NotFound, 404, "Not Found"),
    (InvalidQuery, 400, "Invalid query"),
    (InvalidObject, 400, "Invalid DICOM object"),
    (Conflict, 409, "Conflict"),
    (Refused, 403, "Refused"),
    (StorageFull, 507, "Insufficient storage"),
]


def problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )


def create_app(archive: Archive) -> FastAPI:
    app = FastAPI(title="pypacs", version=__version__, description="pypacs PACS: REST API and (later) DICOMweb")
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
    app.include_router(qido_router, prefix=archive.settings.dicomweb_root)
    return app
