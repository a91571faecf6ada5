"""C-GET and C-MOVE SCP: resolve the identifier to stored instances and send each as a C-STORE sub-operation.

Stored files go on the wire as they are when the peer accepted their transfer syntax (decompressed otherwise).
C-GET stores on the requesting association, C-MOVE on a lean association of its own (dimse.store_association).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydicom.dataset import Dataset
from pynetdicom.presentation import PresentationContext
from pynetdicom.service_class import QueryRetrieveServiceClass

from pypacs.archive.errors import InvalidQuery
from pypacs.archive.retrieve import RetrieveTarget
from pypacs.archive.service import Archive
from pypacs.dicom.levels import Root
from pypacs.dimse import pdata, storage_contexts
from pypacs.dimse.direct_receive import HeldReader
from pypacs.dimse.handlers import CANCELLED, PENDING, SUCCESS, UNABLE_TO_PROCESS
from pypacs.dimse.query_retrieve import FindSCP, Refusal, Request, answer
from pypacs.dimse.storage_contexts import MAX_CONTEXTS, Context, NoUsableContext, data_set_in, proposed_contexts
from pypacs.dimse.store_association import AssociationFailed, StoreAssociation

log = logging.getLogger(__name__)

GET_MODELS: dict[str, Root] = {
    "1.2.840.10008.5.1.4.1.2.1.3": Root.PATIENT,  # Patient Root Query/Retrieve Information Model - GET
    "1.2.840.10008.5.1.4.1.2.2.3": Root.STUDY,  # Study Root Query/Retrieve Information Model - GET
}
MOVE_MODELS: dict[str, Root] = {
    "1.2.840.10008.5.1.4.1.2.1.2": Root.PATIENT,  # Patient Root Query/Retrieve Information Model - MOVE
    "1.2.840.10008.5.1.4.1.2.2.2": Root.STUDY,  # Study Root Query/Retrieve Information Model - MOVE
}
MAX_SUB_OPERATIONS = 65535  # the counts are US
MOVE_DESTINATION_UNKNOWN = 0xA801
ALL_SUB_OPERATIONS_FAILED = 0xA702
SOME_SUB_OPERATIONS_FAILED = 0xB000
TOO_MANY_MATCHES = 0xA700


class SubOperationError(Exception):
    """This one sub-operation cannot be sent (no fitting context, unreadable file); the others go on."""


@dataclass
class Tally:
    remaining: int
    completed: int = 0
    failed: int = 0
    warning: int = 0
    failed_uids: list[str] = field(default_factory=list)

    def count(self, target: RetrieveTarget, status: int) -> None:
        self.remaining -= 1
        if status == 0x0000:
            self.completed += 1
        elif status >> 12 == 0xB or status in (0x0001, 0x0107, 0x0116):
            self.warning += 1
        else:
            self.failed += 1
            self.failed_uids.append(target.sop_instance_uid)

    def counts(self, *, with_remaining: bool) -> dict[str, int]:
        counts = {"NumberOfCompletedSuboperations": self.completed, "NumberOfFailedSuboperations": self.failed,
                  "NumberOfWarningSuboperations": self.warning}  # fmt: skip
        if with_remaining:
            counts["NumberOfRemainingSuboperations"] = self.remaining
        return counts

    def failed_list(self) -> Dataset:
        identifier = Dataset()
        identifier.FailedSOPInstanceUIDList = self.failed_uids
        return identifier


def destination_contexts(targets: list[RetrieveTarget]) -> list[tuple[str, list[str]]]:
    """Contexts to propose to a move destination (see storage_contexts.proposed_contexts)."""
    contexts = proposed_contexts((t.sop_class_uid, t.transfer_syntax_uid) for t in targets)
    if len(contexts) > MAX_CONTEXTS:
        log.warning("C-MOVE needs %d presentation contexts; proposing the first %d", len(contexts), MAX_CONTEXTS)
    return contexts[:MAX_CONTEXTS]


def data_set_for(archive: Archive, target: RetrieveTarget, transfer_syntax: str) -> bytes | memoryview:
    """The stored object's data set in `transfer_syntax`: the file's own bytes when that is how it is stored."""
    try:
        data = archive.blobs.read(target.blob_key)
    except OSError as error:
        log.error("stored instance %s cannot be read from the blob store: %s", target.sop_instance_uid, error)
        raise SubOperationError(f"stored file unreadable: {error}") from error
    try:
        return data_set_in(data, target.transfer_syntax_uid, transfer_syntax)
    except Exception as error:  # a codec that is missing, corrupt pixel data
        log.error("cannot convert %s to %s: %s", target.sop_instance_uid, transfer_syntax, error)
        raise SubOperationError(f"cannot convert to {transfer_syntax}: {error}") from error


def best_context(target: RetrieveTarget, accepted: list[tuple[Context, str]]) -> tuple[Context, str]:
    """Of the contexts accepted for the target's SOP class, as (context, transfer syntax): the one in the stored
    syntax, else one the stored object can be converted to."""
    try:
        return storage_contexts.best_context(target.transfer_syntax_uid, accepted)
    except NoUsableContext as error:
        raise SubOperationError(f"no usable context for {target.sop_class_uid} ({error})") from error


StoreOne = Callable[[RetrieveTarget, int], int]  # (target, message ID) -> C-STORE status


def run_sub_operations(
    request: Request, targets: list[RetrieveTarget], store: StoreOne, pending_interval: float
) -> Tally:
    """Send every target with `store`, then the final response. Pending responses (optional, PS3.4 C.4.2.3) go
    after the first sub-operation and then every `pending_interval` seconds: one per object costs a DCMTK
    getscu as much time as the object itself."""
    tally = Tally(len(targets))
    next_pending = 0.0
    message_id = request.message_id
    for target in targets:
        if request.cancelled():
            log.info("%s from %s cancelled with %d sub-operation(s) left", request.service_name, request.caller,
                     tally.remaining)  # fmt: skip
            request.respond(CANCELLED, identifier=tally.failed_list(), counts=tally.counts(with_remaining=True))
            return tally
        message_id = message_id % 0xFFFF + 1
        try:
            status = store(target, message_id)
        except SubOperationError as error:
            log.warning("%s sub-operation for %s failed: %s", request.service_name, target.sop_instance_uid, error)
            status = UNABLE_TO_PROCESS
        except AssociationFailed as error:  # the store association is gone: what is left fails
            log.warning("%s to %s stopped: %s", request.service_name, request.caller, error)
            for rest in targets[len(targets) - tally.remaining :]:
                tally.count(rest, UNABLE_TO_PROCESS)
            break
        tally.count(target, status)
        if time.monotonic() >= next_pending and tally.remaining:
            request.respond(PENDING, counts=tally.counts(with_remaining=True))
            next_pending = time.monotonic() + pending_interval
    if tally.failed or tally.warning:
        code = ALL_SUB_OPERATIONS_FAILED if tally.failed == len(targets) else SOME_SUB_OPERATIONS_FAILED
        request.respond(code, identifier=tally.failed_list(), counts=tally.counts(with_remaining=False))
    else:
        request.respond(SUCCESS, counts=tally.counts(with_remaining=False))
    return tally


def _targets(archive: Archive, request: Request, models: dict[str, Root]) -> list[RetrieveTarget]:
    root, level, identifier = request.decode_identifier(models)
    try:
        targets = archive.retrieve_targets(level, identifier, root=root)
    except InvalidQuery as error:
        raise Refusal(UNABLE_TO_PROCESS, str(error)) from error
    if len(targets) > MAX_SUB_OPERATIONS:
        raise Refusal(TOO_MANY_MATCHES, f"{len(targets)} instances match; at most {MAX_SUB_OPERATIONS} per request")
    return targets


class QueryRetrieveSCP(FindSCP):
    """The Q/R services of one node: C-FIND (from FindSCP), C-GET and C-MOVE."""

    def __init__(
        self, archive: Archive, *, calling_ae: str, max_pdu: int, timeout: float, pending_interval: float = 0.1
    ) -> None:
        super().__init__(archive)
        self.calling_ae, self.max_pdu, self.timeout = calling_ae, max_pdu, timeout
        self.pending_interval = pending_interval

    def get(self, service: QueryRetrieveServiceClass, message: Any, context: PresentationContext) -> None:
        answer(Request(service, message, context, pdata.C_GET_RSP), self._get)

    def move(self, service: QueryRetrieveServiceClass, message: Any, context: PresentationContext) -> None:
        answer(Request(service, message, context, pdata.C_MOVE_RSP), self._move)

    def _get(self, request: Request) -> None:
        try:
            targets = _targets(self.archive, request, GET_MODELS)
        except Refusal as refusal:
            log.warning("C-GET from %s refused: %s", request.caller, refusal)
            request.respond(refusal.code, str(refusal))
            return
        log.info("C-GET from %s: %d instance(s)", request.caller, len(targets))
        with HeldReader(request.assoc) as reader:
            store = SameAssociationStore(self.archive, request, reader, self.timeout)
            run_sub_operations(request, targets, store, self.pending_interval)

    def _move(self, request: Request) -> None:
        title = str(request.message.MoveDestination or "").strip()
        destination = self.archive.peers.get(title)
        try:
            if destination is None:
                raise Refusal(MOVE_DESTINATION_UNKNOWN, f"move destination {title!r} is not a known AE")
            targets = _targets(self.archive, request, MOVE_MODELS)
        except Refusal as refusal:
            log.warning("C-MOVE from %s refused: %s", request.caller, refusal)
            request.respond(refusal.code, str(refusal))
            return
        log.info("C-MOVE from %s to %s: %d instance(s)", request.caller, title, len(targets))
        if not targets:
            request.respond(SUCCESS, counts=Tally(0).counts(with_remaining=False))
            return
        try:
            store_association = StoreAssociation.open(
                destination.host, destination.port, calling_ae=self.calling_ae, called_ae=title,
                contexts=destination_contexts(targets), max_pdu=self.max_pdu, timeout=self.timeout,
            )  # fmt: skip
        except AssociationFailed as error:
            log.warning("C-MOVE from %s: %s", request.caller, error)
            request.respond(MOVE_DESTINATION_UNKNOWN, f"cannot associate with {title}: {error}")
            return
        with store_association:
            store = LeanStore(self.archive, store_association, request)
            run_sub_operations(request, targets, store, self.pending_interval)


@dataclass
class LeanStore:
    """C-STORE sub-operations of a C-MOVE, on the association to the move destination."""

    archive: Archive
    association: StoreAssociation
    request: Request

    def __call__(self, target: RetrieveTarget, message_id: int) -> int:
        accepted = [(cx, cx.transfer_syntax) for cx in self.association.accepted
                    if cx.abstract_syntax == target.sop_class_uid]  # fmt: skip
        context, syntax = best_context(target, accepted)
        data = data_set_for(self.archive, target, syntax)
        originator = (self.request.caller, self.request.message_id)
        response = self.association.store(
            context, target.sop_instance_uid, data, message_id, move_originator=originator
        )
        if response.status != 0x0000:
            log.info("C-MOVE sub-operation %s: status %#06x %s", target.sop_instance_uid, response.status,
                     response.error_comment or "")  # fmt: skip
        return response.status


@dataclass
class SameAssociationStore:
    """C-STORE sub-operations of a C-GET, on the requesting association (the peer took the SCP role)."""

    archive: Archive
    request: Request
    reader: HeldReader
    timeout: float

    def __call__(self, target: RetrieveTarget, message_id: int) -> int:
        # contexts the requestor proposed with the SCP role for itself: this node stores on them as SCU
        accepted = [(cx, str(cx.transfer_syntax[0])) for cx in self.request.assoc.accepted_contexts
                    if cx.abstract_syntax == target.sop_class_uid and cx.as_scu]  # fmt: skip
        context, syntax = best_context(target, accepted)
        data = data_set_for(self.archive, target, syntax)
        command = pdata.c_store_request(target.sop_class_uid, target.sop_instance_uid, message_id)
        self.request.writer.send(int(context.context_id or 0), command, data)
        return self.reader.store_response(message_id, self.timeout)
