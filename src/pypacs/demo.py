"""Demo data for a first start: the synthetic demo studies plus any folders of real DICOM given (the shared CT).

Runs only when the archive is empty, through the normal ingest path like any other import.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pypacs.archive.errors import ArchiveError
from pypacs.archive.service import Archive
from pypacs.importing import iter_items
from pypacs.synthetic import demo_studies, encode_part10

log = logging.getLogger(__name__)


def load_demo_data(archive: Archive, extra_paths: list[Path]) -> int:
    """Store the demo set if the archive is empty; returns how many instances were stored."""
    if archive.counts().instances:
        return 0
    stored = 0
    for dataset in demo_studies():
        archive.store(encode_part10(dataset), source_ae="DEMO")
        stored += 1
    for item in iter_items([path for path in extra_paths if path.exists()]):
        try:
            archive.store(item.read(), source_ae="DEMO")
            stored += 1
        except (ArchiveError, OSError) as error:
            log.warning("demo data %s skipped: %s", item.name, error)
    log.info("loaded %d demo instance(s)", stored)
    return stored
