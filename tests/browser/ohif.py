"""OHIF v3 (its npm build, fetched by scripts/fetch-ohif.sh into .cache/ohif/) served as static files beside a
pypacs, with pypacs as its DICOMweb data source: for the browser tests and for bench/viewer.py, which puts OHIF
beside pypacs's viewer."""

from __future__ import annotations

import json
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
OHIF_VERSION = "3.13.2"
OHIF_DIST = REPO / ".cache" / "ohif" / OHIF_VERSION / "dist"


def ohif_config(dicomweb: str, **overrides: Any) -> str:
    """OHIF's app-config.js: its shipped settings with pypacs as the data source (docs/dicomweb.md) and its
    start-up dialogs off; `overrides` replace top-level settings."""
    source = {
        "namespace": "@ohif/extension-default.dataSourcesModule.dicomweb",
        "sourceName": "pypacs",
        "configuration": {
            "friendlyName": "pypacs", "name": "pypacs",
            "wadoUriRoot": dicomweb, "qidoRoot": dicomweb, "wadoRoot": dicomweb,
            "qidoSupportsIncludeField": True, "supportsReject": False, "imageRendering": "wadors",
            "thumbnailRendering": "wadors", "enableStudyLazyLoad": True, "supportsFuzzyMatching": False,
            "supportsWildcard": True, "staticWado": False, "singlepart": "video",
            "bulkDataURI": {"enabled": False}, "omitQuotationForMultipartRequest": True,
        },
    }  # fmt: skip
    config = {"routerBasename": "/", "extensions": [], "modes": [], "showStudyList": True,
              "maxNumberOfWebWorkers": 2, "showWarningMessageForCrossOrigin": False, "showCPUFallbackMessage": False,
              "showLoadingIndicator": True, "defaultDataSourceName": "pypacs", "dataSources": [source],
              "investigationalUseDialog": {"option": "never"}, **overrides}  # fmt: skip
    return f"window.config = {json.dumps(config)};\n"


class OhifHandler(SimpleHTTPRequestHandler):
    """OHIF's build as static files; app-config.js is ours (`config`); other unknown paths get index.html (OHIF
    routes in the browser)."""

    config = b""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path = self.path.split("?", 1)[0]
        if path == "/app-config.js":
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript")
            self.send_header("Content-Length", str(len(self.config)))
            self.end_headers()
            self.wfile.write(self.config)
            return
        if not (OHIF_DIST / path.lstrip("/")).is_file():
            self.path = "/index.html"
        super().do_GET()


def ohif_server(port: int, dicomweb: str, **overrides: Any) -> ThreadingHTTPServer:
    """An HTTP server (not yet serving) of OHIF on 127.0.0.1:`port` (0: a free one) reading pypacs at `dicomweb`."""
    handler = type("Handler", (OhifHandler,), {"config": ohif_config(dicomweb, **overrides).encode()})

    def make(*args: Any, **kwargs: Any) -> OhifHandler:
        return handler(*args, directory=str(OHIF_DIST), **kwargs)

    return ThreadingHTTPServer(("127.0.0.1", port), make)
