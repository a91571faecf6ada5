"""The C-ECHO and C-STORE handlers, and the statuses and Error Comments every DIMSE service answers with.

Thin by rule: no SQL, no file paths, no pixel work here; domain errors become DICOM statuses with a comment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pydicom.dataset import Dataset
from pynetdicom import evt
from pynetdicom.events import Event

from pypacs.archive.errors import ArchiveError, Conflict, InvalidObject, NotOfDeclaredClass, StorageFull
from pypacs.archive.service import Archive
from pypacs.dicom.levels import Root

log = logging.getLogger(__name__)

SUCCESS = 0x0000
OUT_OF_RESOURCES = 0xA700
CANNOT_UNDERSTAND = 0xC000
DATA_SET_DOES_NOT_MATCH_SOP_CLASS = 0xA900
CONFLICT_WITH_STORED = 0xC001
PROCESSING_FAILURE = 0x0110
ERROR_COMMENT_LENGTH = 64  # Error Comment (0000,0902) is LO


def comment_text(comment: str) -> str:
    """An Error Comment: one LO value, cut to the 64 characters its VR allows."""
    text = comment.replace("\\", "/").replace("\n", " ")
    return text if len(text) <= ERROR_COMMENT_LENGTH else text[: ERROR_COMMENT_LENGTH - 3] + "..."


def status(code: int, comment: str = "") -> Dataset:
    """A status dataset with its Error Comment."""
    result = Dataset()
    result.Status = code
    if comment:
        result.ErrorComment = comment_text(comment)
    return result


def status_for_error(error: Exception) -> Dataset:
    if isinstance(error, NotOfDeclaredClass):
        return status(DATA_SET_DOES_NOT_MATCH_SOP_CLASS, str(error))
    if isinstance(error, InvalidObject):
        return status(CANNOT_UNDERSTAND, str(error))
    if isinstance(error, Conflict):
        return status(CONFLICT_WITH_STORED, str(error))
    if isinstance(error, StorageFull):
        return status(OUT_OF_RESOURCES, str(error))
    if isinstance(error, ArchiveError):
        return status(PROCESSING_FAILURE, str(error))
    return status(PROCESSING_FAILURE, f"internal error: {type(error).__name__}")


def handle_echo(event: Event) -> int:
    return SUCCESS


def make_store_handler(archive: Archive) -> Callable[[Event], Dataset]:
    def handle_store(event: Event) -> Dataset:
        caller = event.assoc.requestor.ae_title
        try:
            data = event.encoded_dataset(include_meta=True)
            request: Any = event.request  # a C_STORE primitive
            declared = (str(request.AffectedSOPClassUID), str(request.AffectedSOPInstanceUID))
            outcome = archive.store(data, source_ae=caller, declared=declared)
        except Exception as error:  # every failure is answered with a status; unexpected ones are logged fully
            if not isinstance(error, ArchiveError):
                log.exception("C-STORE from %s failed unexpectedly", caller)
            else:
                log.warning("C-STORE from %s refused: %s", caller, error)
            return status_for_error(error)
        log.debug("C-STORE from %s: %s %s", caller, outcome.sop_instance_uid, outcome.status)
        return status(SUCCESS)

    return handle_store


PENDING = 0xFF00
CANCELLED = 0xFE00
IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS = 0xA900
UNABLE_TO_PROCESS = 0xC000

FIND_MODELS: dict[str, Root] = {
    "1.2.840.10008.5.1.4.1.2.1.1": Root.PATIENT,  # Patient Root Query/Retrieve Information Model - FIND
    "1.2.840.10008.5.1.4.1.2.2.1": Root.STUDY,  # Study Root Query/Retrieve Information Model - FIND
    "1.2.840.10008.5.1.4.1.2.3.1": Root.PATIENT_STUDY_ONLY,  # Patient/Study Only (retired) - FIND
}


def event_handlers(archive: Archive) -> list[tuple[Any, Callable[..., Any]]]:
    return [
        (evt.EVT_C_ECHO, handle_echo),
        (evt.EVT_C_STORE, make_store_handler(archive)),
    ]
