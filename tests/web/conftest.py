"""The HTTP app over a SQLite archive, for the in-process web tests (interop tests start a real server)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.web.app import create_app


@pytest.fixture
def archive(sqlite_settings: Settings) -> Iterator[Archive]:
    with Archive.open(sqlite_settings) as opened:
        yield opened


@pytest.fixture
def client(archive: Archive) -> Iterator[TestClient]:
    with TestClient(create_app(archive)) as test_client:
        yield test_client
