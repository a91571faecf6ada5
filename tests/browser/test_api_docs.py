"""The API documentation (/docs) in headless Chromium with every request to another host blocked, as on a hospital
network without internet: Swagger UI renders the OpenAPI 3.1 document's operations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.interop.conftest import PacsProcess, start_pacs, stop_pacs

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pacs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PacsProcess]:
    running = start_pacs(Path(tmp_path_factory.mktemp("docs")) / "data")
    try:
        yield running
    finally:
        stop_pacs(running)


def test_api_documentation_renders_without_internet(browser, pacs: PacsProcess):  # type: ignore[no-untyped-def]
    elsewhere: list[str] = []

    def offline(route) -> None:  # type: ignore[no-untyped-def]
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page = browser.new_page()
    try:
        page.route("**/*", offline)
        page.goto(f"{pacs.http_url}/docs", wait_until="networkidle")
        page.wait_for_function("document.body.innerText.includes('Search for studies')", timeout=30000)
        text = page.inner_text("body")
    finally:
        page.close()
    assert "Unable to render" not in text
    assert "Retrieve a study (multipart DICOM)" in text
    assert elsewhere == []
