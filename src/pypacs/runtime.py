"""Process-wide set-up shared by the `pypacs` command and its worker processes: logging, library noise, and the
garbage collector once start-up is done.

Called once at the start of a process, never by library code.
"""

from __future__ import annotations

import gc
import logging
import warnings

from pydicom import config as pydicom_config

from pypacs.config import Settings


def configure_process(settings: Settings, handler: logging.Handler) -> None:
    logging.basicConfig(level=settings.log_level, format="%(name)s: %(message)s", handlers=[handler], force=True)
    quiet = max(logging.WARNING, logging.getLevelName(settings.log_level))
    for noisy in ("pynetdicom", "alembic"):
        logging.getLogger(noisy).setLevel(quiet)
    # Real-world objects often carry slightly malformed values, and pydicom reports each one. They are stored
    # as received, so at levels above DEBUG neither the checks nor the reports are worth their time.
    if settings.log_level != "DEBUG":
        pydicom_config.settings.reading_validation_mode = pydicom_config.IGNORE
        logging.getLogger("pydicom").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", category=UserWarning, module=r"pydicom\.")


def settle_memory() -> None:
    """Move everything built at start-up (modules, dictionaries, the app) out of the garbage collector's sight:
    otherwise each full collection walks those hundreds of thousands of objects again, ~50 ms, which large
    query answers trigger every other request."""
    gc.collect()
    gc.freeze()
