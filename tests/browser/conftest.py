"""Browser tests' shared parts: headless Chromium (Debian's, driven by Playwright), a fresh page per test whose
JavaScript errors fail it and whose steps are kept as screenshots (test-artifacts/browser/<test>/, or
$PYPACS_TEST_ARTIFACTS), and the OHIF viewer (built, from npm) served as static files beside a real `pypacs serve`."""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.browser.ohif import OHIF_DIST, ohif_server
from tests.conftest import SHARED_CT
from tests.interop.conftest import PacsProcess, start_pacs, stop_pacs

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("PYPACS_TEST_ARTIFACTS", REPO / "test-artifacts")) / "browser"


@pytest.fixture(scope="session")
def viewer_pacs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PacsProcess]:
    if not (OHIF_DIST / "index.html").exists():
        pytest.fail("the OHIF build is missing: `make test` fetches it (scripts/fetch-ohif.sh)")
    root = tmp_path_factory.mktemp("viewer")
    config = root / "pypacs.toml"
    config.write_text('cors_origins = ["*"]\n')
    demo = ["--demo", "--demo-path", str(SHARED_CT)] if SHARED_CT.exists() else ["--demo"]
    pacs = start_pacs(root / "data", "--config", str(config), *demo)
    try:
        yield pacs
    finally:
        stop_pacs(pacs)


@pytest.fixture(scope="session")
def viewer_url(viewer_pacs: PacsProcess) -> Iterator[str]:
    server = ohif_server(0, f"{viewer_pacs.http_url}/dicom-web")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--use-gl=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"],
        )  # fmt: skip
        try:
            yield launched
        finally:
            launched.close()


def artifact_folder(request: pytest.FixtureRequest) -> Path:
    return ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)


def artifact_dir(request: pytest.FixtureRequest) -> Path:
    folder = artifact_folder(request)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def page(browser, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """A fresh 1400x900 page; JavaScript errors fail the test; its end state is kept as a screenshot."""
    opened = browser.new_page(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(f"{error.message}\n{error.stack or ''}".strip()))
    folder = artifact_dir(request)
    try:
        yield opened
        assert errors == []
    finally:
        opened.screenshot(path=str(folder / "end.png"))
        opened.close()


@pytest.fixture
def step(page, request: pytest.FixtureRequest) -> Callable[[str], None]:  # type: ignore[no-untyped-def]
    """step("brain preset") keeps a numbered screenshot of the page as it is now among the test's artifacts."""
    folder = artifact_folder(request)
    taken = [0]

    def shoot(name: str) -> None:
        taken[0] += 1
        label = re.sub(r"[^\w.-]+", "-", name)
        page.screenshot(path=str(folder / f"{taken[0]:02d}-{label}.png"))

    return shoot
