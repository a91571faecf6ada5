"""Demo data: loaded once into an empty archive through normal ingest, real CT included when present."""

from __future__ import annotations

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.demo import load_demo_data
from tests.conftest import SHARED_CT


def test_demo_data_fills_an_empty_archive_once(sqlite_settings: Settings, tmp_path):
    extra = [SHARED_CT] if SHARED_CT.exists() else []
    with Archive.open(sqlite_settings) as archive:
        stored = load_demo_data(archive, extra + [tmp_path / "missing-folder"])
        counts = archive.counts()
        assert stored == counts.instances > 0
        assert counts.patients >= 4 and counts.studies >= 5
        if extra:
            assert counts.studies == 6
        assert load_demo_data(archive, extra) == 0  # not empty any more: nothing loaded again
        assert archive.counts() == counts
