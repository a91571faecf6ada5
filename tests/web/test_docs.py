"""The API documentation (issue 9, point 16): Swagger UI at /docs works without internet, every script, stylesheet
and icon it loads comes from pypacs itself; /redoc (whose page loads a logo from the internet) is off."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

CONTENT_TYPES = {
    "script": ("text/javascript", "application/javascript"),
    "stylesheet": ("text/css",),
    "icon": ("image/png", "image/x-icon", "image/vnd.microsoft.icon"),
}


def assets(html: str) -> list[tuple[str, str]]:
    """(kind, URL) of every script, stylesheet and icon the page loads."""
    found = [("script", url) for url in re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)]
    for tag in re.findall(r"<link[^>]*>", html):
        href = re.search(r'href="([^"]+)"', tag)
        rel = re.search(r'rel="([^"]+)"', tag)
        if href and rel:
            found.append(("stylesheet" if "stylesheet" in rel[1] else "icon", href[1]))
    return found


def test_the_documentation_page_loads_everything_from_pypacs_itself(client: TestClient):
    response = client.get("/docs")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+", html) == []  # no CDN, no web fonts: works offline
    loaded = assets(html)
    assert {kind for kind, _ in loaded} >= {"script", "icon"}
    for kind, url in loaded:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].split(";")[0] in CONTENT_TYPES[kind], url
        assert len(asset.content) > 100, url
    spec = re.search(r"""(?:url: |spec-url=)['"]([^'"]+)['"]""", html)
    assert spec is not None and client.get(spec[1]).json()["info"]["title"] == "pypacs"


def test_swagger_ui_is_a_version_that_renders_openapi_3_1(client: TestClient):
    """FastAPI writes OpenAPI 3.1 documents, which Swagger UI renders from version 5 on (4.x shows an error)."""
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")
    [script] = [url for kind, url in assets(client.get("/docs").text) if kind == "script"]
    version = re.search(rb'PACKAGE_VERSION:"(\d+)\.', client.get(script).content)
    assert version is not None and int(version[1]) >= 5


def test_redoc_is_off(client: TestClient):
    response = client.get("/redoc")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
