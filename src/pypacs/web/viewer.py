"""The web viewer's pages and files: the study browser at `/`, the reading page at `/viewer`, the built bundle
under `/viewer-assets/`, all on the same origin as DICOMweb.

Thin: serves what `make viewer` built into static/viewer/ (package data). The one archive question asked here is
which image the reading page opens on, so that the page can show it (rendered by the server) before its code runs.
"""

from __future__ import annotations

import gzip
import html
import logging
import os
import re
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.datastructures import Headers
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

log = logging.getLogger(__name__)

BUILT_VIEWER = Path(__file__).parent / "static" / "viewer"
ASSETS_PATH = "/viewer-assets"
API_ROOT = "/api"

# esbuild names hashed outputs NAME-XXXXXXXX.ext (and the codec folder, codecs-XXXXXXXX/): their content
# never changes under that name, so browsers may keep them for a year. Everything else must be revalidated.
_HASHED_FILE = re.compile(r"\w+-[A-Z0-9]{8}\.[\w.]+")
_HASHED_FOLDER = re.compile(r"\w+-[A-Z0-9]{8}")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Set here rather than guessed from the system's MIME table (which may call JavaScript text/plain): module
# scripts and streamed WebAssembly compilation need exactly these.
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".map": "application/json",
}

# Hashed files of these kinds are sent gzipped, compressed once per server (the app's gzip middleware would
# compress the 4.4 MB Cornerstone3D chunk again for every browser that has not cached it: ~0.1-0.3 s of CPU each).
PRECOMPRESSED = {".js", ".css", ".wasm", ".json", ".map"}
COMPRESS_FROM = 1024  # bytes: smaller files are sent as they are

NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pypacs: the viewer is not built</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3em; max-width: 46em">
<h1>The pypacs viewer is not built</h1>
<p>This pypacs was installed without its web viewer. Build it from the source tree with <code>make viewer</code>
(or start pypacs with <code>make run</code>, which builds it), then reload this page.</p>
<p>Everything else works without it: DICOMweb at <a href="{root}/studies">{root}</a>, the REST API at
<a href="/api/studies">/api</a>, and the API documentation at <a href="/docs">/docs</a>.</p>
</body></html>
"""


class ViewerAssets(StaticFiles):
    """The built viewer's files, with their media types and caching set (see IMMUTABLE); hashed ones gzipped once
    and kept (see PRECOMPRESSED)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._gzipped: dict[tuple[str, int, int], bytes] = {}
        self._gzip_lock = threading.Lock()

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if not isinstance(response, FileResponse) or response.stat_result is None:
            return response
        if not self._sent_gzipped(response, response.stat_result, scope):
            return response
        body = await anyio.to_thread.run_sync(self._compressed, Path(response.path), response.stat_result)
        headers = {name: value for name, value in response.headers.items() if name != "content-length"}
        headers.update({"content-encoding": "gzip", "vary": "Accept-Encoding"})
        return Response(body, headers=headers)  # the gzip middleware leaves an encoded response alone

    @staticmethod
    def _sent_gzipped(response: FileResponse, stat_result: os.stat_result, scope: Scope) -> bool:
        if response.status_code != 200 or scope["method"] != "GET":
            return False
        request = Headers(scope=scope)
        if "range" in request or "gzip" not in request.get("accept-encoding", ""):
            return False
        return (response.headers.get("cache-control") == IMMUTABLE and Path(response.path).suffix in PRECOMPRESSED
                and stat_result.st_size >= COMPRESS_FROM)  # fmt: skip

    def _compressed(self, path: Path, stat_result: os.stat_result) -> bytes:
        key = (str(path), stat_result.st_size, stat_result.st_mtime_ns)
        with self._gzip_lock:
            body = self._gzipped.get(key)
        if body is None:
            body = gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)
            with self._gzip_lock:
                self._gzipped[key] = body
        return body

    async def check_config(self) -> None:
        if self.directory is not None and not Path(self.directory).is_dir():
            return  # not built: each file is a 404 (the pages say why) until `make viewer` builds them
        await super().check_config()

    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        path = Path(full_path)
        hashed = _HASHED_FILE.fullmatch(path.name) or _HASHED_FOLDER.fullmatch(path.parent.name)
        response.headers["Cache-Control"] = IMMUTABLE if hashed else REVALIDATE
        media_type = MEDIA_TYPES.get(Path(full_path).suffix)
        if media_type and response.status_code == 200:
            response.headers["Content-Type"] = media_type
        return response


def first_image_url(request: Request, dicomweb_root: str) -> tuple[str, str, str] | None:
    """The URL of the server's rendering of the image the reading page opens on, with its series and instance; None
    when there is no such picture (see first_image_markup)."""
    parameters = request.query_params
    study, series = parameters.get("study", "").strip(), parameters.get("series", "").strip()
    if not study or parameters.get("layout", "1x1") != "1x1":
        return None
    target = request.app.state.archive.first_picture(study, series or None)
    if target is None:
        return None
    path = "/".join(("studies", target.study_instance_uid, "series", target.series_instance_uid,
                     "instances", target.sop_instance_uid, "frames", "1", "rendered"))  # fmt: skip
    return f"{dicomweb_root}/{path}?accept=image/png", target.series_instance_uid, target.sop_instance_uid


def first_image_markup(first: tuple[str, str, str] | None) -> str:
    """The reading page's first image, rendered by the server (PNG at full size, the image's own window), as an
    <img> the page shows over its viewport while its code loads and starts (~1 s on a slow machine), removed once
    the viewer draws (reading/first-image.ts). Only for the one-viewport layout; empty when there is no picture (or
the series asked for has none, or is not the study's: the page then says so or opens another)."""
    if first is None:
        return ""
    src, series, instance = first
    attributes = {
        "id": "first-image", "class": "first-image", "alt": "", "fetchpriority": "high", "decoding": "sync",
        "src": src, "data-series": series, "data-instance": instance,
    }  # fmt: skip
    return "<img " + " ".join(f'{name}="{html.escape(value)}"' for name, value in attributes.items()) + ">"


def page(
    directory: Path, name: str, dicomweb_root: str, markup: dict[str, str] | None = None, preload: str = ""
) -> HTMLResponse:
    """A built page with the server's paths filled in (and `markup`, HTML the server made, in its {{name}}
    places; `preload`, an image the browser should fetch before it parses the page); a page saying how to build
    the viewer when it is not."""
    try:
        template = (directory / f"{name}.html").read_text(encoding="utf-8")
    except FileNotFoundError:
        log.warning("the web viewer is not built (%s is missing): run `make viewer`", directory / f"{name}.html")
        body = NOT_BUILT.format(root=html.escape(dicomweb_root))
        return HTMLResponse(body, status_code=503, headers={"Cache-Control": "no-store"})
    values = {"assets": ASSETS_PATH, "dicomweb_root": dicomweb_root, "api_root": API_ROOT}
    raw = markup or {}

    def filled(match: re.Match[str]) -> str:
        if match[1] in raw:
            return raw[match[1]]
        return html.escape(values.get(match[1], match[0]))

    body = re.sub(r"\{\{(\w+)\}\}", filled, template)
    headers = {"Cache-Control": REVALIDATE}
    if preload:  # an early hint in the headers: asked for while the previous page unloads
        headers["Link"] = f"<{quote(preload, safe='/?=&.:-_')}>; rel=preload; as=image; fetchpriority=high"
    return HTMLResponse(body, headers=headers)


def mount_viewer(app: FastAPI, dicomweb_root: str, directory: Path = BUILT_VIEWER) -> None:
    """Add the viewer's pages and files to the app."""

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def study_browser() -> HTMLResponse:
        return page(directory, "browser", dicomweb_root)

    @app.api_route("/viewer", methods=["GET", "HEAD"], include_in_schema=False)
    def reading(request: Request) -> HTMLResponse:
        first = first_image_url(request, dicomweb_root)
        markup = {"first_image": first_image_markup(first)}
        return page(directory, "reading", dicomweb_root, markup, preload=first[0] if first else "")

    @app.api_route("/viewer/3d", methods=["GET", "HEAD"], include_in_schema=False)
    def volume_page() -> HTMLResponse:
        return page(directory, "volume", dicomweb_root)

    app.mount(ASSETS_PATH, ViewerAssets(directory=directory, check_dir=False), name="viewer-assets")
