"""C-MOVE and C-GET: resolve the identifier to stored instances and hand them to pynetdicom to send.

Thin: the archive chooses the instances, pynetdicom runs and counts the C-STORE sub-operations.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from pydicom.uid import UID, ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import build_context
from pynetdicom.events import Event
from pynetdicom.presentation import PresentationContext

from pypacs.archive.errors import InvalidQuery
from pypacs.archive.retrieve import RetrieveTarget
from pypacs.archive.service import Archive
from pypacs.dicom.levels import Level, Root
from pypacs.dimse.file_sending import StoredFile
from pypacs.dimse.handlers import (
    CANCELLED,
    IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS,
    PENDING,
    UNABLE_TO_PROCESS,
    status,
)

log = logging.getLogger(__name__)

GET_MODELS: dict[str, Root] = {
    "1.2.840.10008.5.1.4.1.2.1.3": Root.PATIENT,  # Patient Root Query/Retrieve Information Model - GET
    "1.2.840.10008.5.1.4.1.2.2.3": Root.STUDY,  # Study Root Query/Retrieve Information Model - GET
}
MOVE_MODELS: dict[str, Root] = {
    "1.2.840.10008.5.1.4.1.2.1.2": Root.PATIENT,  # Patient Root Query/Retrieve Information Model - MOVE
    "1.2.840.10008.5.1.4.1.2.2.2": Root.STUDY,  # Study Root Query/Retrieve Information Model - MOVE
}
UNCOMPRESSED: list[str | UID] = [ExplicitVRLittleEndian, ImplicitVRLittleEndian]
MAX_CONTEXTS = 128  # what one association may propose (PS3.8 9.3.2.2: odd context IDs 1-255)


class Refusal(Exception):
    """The retrieve cannot start; carries the status to answer with."""

    def __init__(self, code: int, comment: str) -> None:
        super().__init__(comment)
        self.status = status(code, comment)


def targets_for(archive: Archive, event: Event, models: dict[str, Root]) -> list[RetrieveTarget]:
    root = models.get(str(event.request.AffectedSOPClassUID))
    if root is None:
        raise Refusal(IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS, "not a Query/Retrieve MOVE or GET SOP class")
    try:
        identifier = event.identifier
        level = Level(str(identifier.get("QueryRetrieveLevel", "")).strip().upper())
    except ValueError as error:
        raise Refusal(IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS, "Query/Retrieve Level missing or unknown") from error
    except Exception as error:
        raise Refusal(UNABLE_TO_PROCESS, f"unreadable identifier: {error}") from error
    if not root.allows(level):
        raise Refusal(IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS, f"level {level} is not in the {root} root model")
    try:
        return archive.retrieve_targets(level, identifier, root=root)
    except InvalidQuery as error:
        raise Refusal(UNABLE_TO_PROCESS, str(error)) from error


def destination_contexts(targets: list[RetrieveTarget]) -> list[PresentationContext]:
    """Contexts to propose to a move destination: each SOP class with each stored transfer syntax, then
    with the uncompressed ones as a fallback, as many as one association allows."""
    exact = sorted({(t.sop_class_uid, t.transfer_syntax_uid) for t in targets})
    contexts = [build_context(sop_class, [syntax]) for sop_class, syntax in exact]
    for sop_class in sorted({t.sop_class_uid for t in targets}):
        if not all(syntax in UNCOMPRESSED for cls, syntax in exact if cls == sop_class):
            contexts.append(build_context(sop_class, UNCOMPRESSED))
    if len(contexts) > MAX_CONTEXTS:
        log.warning("C-MOVE needs %d presentation contexts; proposing the first %d", len(contexts), MAX_CONTEXTS)
    return contexts[:MAX_CONTEXTS]


def _send(archive: Archive, event: Event, targets: list[RetrieveTarget]) -> Iterator[Any]:
    yield len(targets)
    for target in targets:
        if event.is_cancelled:
            yield CANCELLED, None
            return
        path = archive.blobs.path(target.blob_key)
        if not path.is_file():
            log.error("stored instance %s is missing from the blob store", target.sop_instance_uid)
        # A missing or unreadable file fails its sub-operation (reported with its UID); the others go on.
        yield PENDING, StoredFile(path, target.sop_class_uid, target.sop_instance_uid, target.transfer_syntax_uid)


def make_get_handler(archive: Archive) -> Callable[[Event], Iterator[Any]]:
    def handle_get(event: Event) -> Iterator[Any]:
        caller = event.assoc.requestor.ae_title
        try:
            targets = targets_for(archive, event, GET_MODELS)
        except Refusal as refusal:
            log.warning("C-GET from %s refused: %s", caller, refusal)
            yield 1
            yield refusal.status, None
            return
        log.info("C-GET from %s: %d instance(s)", caller, len(targets))
        yield from _send(archive, event, targets)

    return handle_get


def make_move_handler(archive: Archive) -> Callable[[Event], Iterator[Any]]:
    def handle_move(event: Event) -> Iterator[Any]:
        caller = event.assoc.requestor.ae_title
        destination_title = str(event.move_destination).strip()
        destination = archive.peers.get(destination_title)
        if destination is None:
            log.warning("C-MOVE from %s to unknown destination %r refused", caller, destination_title)
            yield None, None  # pynetdicom answers 0xA801 Move Destination Unknown
            return
        try:
            targets = targets_for(archive, event, MOVE_MODELS)
        except Refusal as refusal:
            log.warning("C-MOVE from %s refused: %s", caller, refusal)
            yield destination.host, destination.port
            yield 1
            yield refusal.status, None
            return
        log.info("C-MOVE from %s to %s: %d instance(s)", caller, destination_title, len(targets))
        yield destination.host, destination.port, {"contexts": destination_contexts(targets)}
        yield from _send(archive, event, targets)

    return handle_move
