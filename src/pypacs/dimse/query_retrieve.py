"""The Query/Retrieve SCP of a pypacs node: C-FIND here, C-GET and C-MOVE in dimse.retrieve; answers written
straight to the wire (dimse.direct_send) instead of through pynetdicom's per-message machinery.

pynetdicom still negotiates, receives, dispatches and gates permissions; install() puts these services in place
of its Q/R service class methods for pypacs nodes only. Thin: the archive matches, this module speaks DIMSE.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydicom.dataset import Dataset
from pynetdicom.association import Association
from pynetdicom.dsutils import decode
from pynetdicom.presentation import PresentationContext
from pynetdicom.service_class import QueryRetrieveServiceClass

from pypacs.archive.errors import InvalidQuery
from pypacs.archive.service import Archive
from pypacs.dicom.json_binary import encode_flat_json
from pypacs.dicom.json_model import dataset_from_json
from pypacs.dicom.levels import Level, Root
from pypacs.dimse import fast_encoding, pdata
from pypacs.dimse.direct_send import DirectWriter, PeerGone
from pypacs.dimse.handlers import (
    CANCELLED,
    FIND_MODELS,
    IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS,
    PENDING,
    SUCCESS,
    UNABLE_TO_PROCESS,
    comment_text,
)

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.05  # pending C-FIND responses wait at most this long in a batch
SERVICE_NAMES = {pdata.C_FIND_RSP: "C-FIND", pdata.C_GET_RSP: "C-GET", pdata.C_MOVE_RSP: "C-MOVE"}


class Refusal(Exception):
    """The request cannot be carried out; carries the status and the Error Comment to answer with."""

    def __init__(self, code: int, comment: str) -> None:
        super().__init__(comment)
        self.code = code


@dataclass
class Request:
    """One Q/R request being answered: what it asked, and how to answer it."""

    service: QueryRetrieveServiceClass
    message: Any  # pynetdicom's C_FIND / C_GET / C_MOVE primitive
    context: PresentationContext
    response_field: int
    writer: DirectWriter = field(init=False)

    def __post_init__(self) -> None:
        self.writer = DirectWriter(self.service.assoc)

    @property
    def assoc(self) -> Association:
        return self.service.assoc

    @property
    def service_name(self) -> str:
        return SERVICE_NAMES[self.response_field]

    @property
    def caller(self) -> str:
        return str(self.assoc.requestor.ae_title)

    @property
    def message_id(self) -> int:
        return int(self.message.MessageID)

    @property
    def context_id(self) -> int:
        return int(self.context.context_id or 0)

    def cancelled(self) -> bool:
        return bool(self.service.is_cancelled(self.message_id))

    def decode_identifier(self, models: dict[str, Root]) -> tuple[Root, Level, Dataset]:
        """The request's model, level and identifier, every element decoded now (so that a bad one is refused
        here with its reason, not met later while matching)."""
        root = models.get(str(self.message.AffectedSOPClassUID))
        if root is None:
            raise Refusal(IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS, "not a Query/Retrieve SOP class of this service")
        syntax = self.context.transfer_syntax[0]
        try:
            stream = self.message.Identifier
            stream.seek(0)
            identifier = decode(stream, syntax.is_implicit_VR, syntax.is_little_endian, syntax.is_deflated)
            if identifier is None:
                raise ValueError("no identifier")
            for _element in identifier.iterall():
                pass
            level_text = str(identifier.get("QueryRetrieveLevel", "") or "").strip().upper()
        except Exception as error:  # pydicom raises many kinds on bad input
            raise Refusal(UNABLE_TO_PROCESS, f"unreadable identifier: {error}") from error
        try:
            level = Level(level_text)
        except ValueError as error:
            raise Refusal(IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS, "Query/Retrieve Level missing or not one of "
                          "PATIENT, STUDY, SERIES, IMAGE") from error  # fmt: skip
        if not root.allows(level):
            raise Refusal(IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS, f"level {level} is not in the {root} root model")
        return root, level, identifier

    def response(
        self, status: int, comment: str | None = None, *, data_set: bool = False, counts: dict[str, int] | None = None
    ) -> bytes:
        """The command set of a response to this request."""
        return pdata.command_set(
            AffectedSOPClassUID=str(self.message.AffectedSOPClassUID), CommandField=self.response_field,
            MessageIDBeingRespondedTo=self.message_id, Status=status,
            CommandDataSetType=pdata.DATA_SET_PRESENT if data_set else pdata.NO_DATA_SET,
            ErrorComment=comment_text(comment) if comment else None, **(counts or {}),
        )  # fmt: skip

    def respond(
        self,
        status: int,
        comment: str | None = None,
        *,
        identifier: Dataset | None = None,
        counts: dict[str, int] | None = None,
    ) -> None:
        """Send a response now (after anything batched); an identifier is encoded in the context's syntax."""
        data = None if identifier is None else self.encode(identifier)
        self.writer.send(
            self.context_id, self.response(status, comment, data_set=data is not None, counts=counts), data
        )

    @property
    def little_endian_implicit_vr(self) -> bool | None:
        """Whether the context's syntax is Implicit VR (True) or Explicit VR (False) Little Endian; None for the
        others (Big Endian, Deflated)."""
        syntax = self.context.transfer_syntax[0]
        return bool(syntax.is_implicit_VR) if syntax.is_little_endian and not syntax.is_deflated else None

    def encode_json(self, document: dict[str, Any]) -> bytes:
        """A result given as DICOM JSON, encoded in the context's syntax (straight from the JSON if it can)."""
        implicit_vr = self.little_endian_implicit_vr
        if implicit_vr is not None:
            data = encode_flat_json(document, implicit_vr)
            if data is not None:
                return data
        return self.encode(dataset_from_json(document))

    def encode(self, identifier: Dataset) -> bytes:
        syntax = self.context.transfer_syntax[0]
        data = fast_encoding.encode(identifier, syntax.is_implicit_VR, syntax.is_little_endian, syntax.is_deflated)
        if data is None:
            raise ValueError("identifier cannot be encoded")
        return data


def answer(request: Request, run: Callable[[Request], None]) -> None:
    """Run a service for a request; a peer gone mid-answer ends it quietly (pynetdicom aborts the association)."""
    try:
        run(request)
    except PeerGone as error:
        log.info("%s from %s ended: %s", request.service_name, request.caller, error)


class FindSCP:
    """C-FIND of one node over its archive (dimse.retrieve.QueryRetrieveSCP adds C-GET and C-MOVE)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def find(self, service: QueryRetrieveServiceClass, message: Any, context: PresentationContext) -> None:
        answer(Request(service, message, context, pdata.C_FIND_RSP), self._find)

    def _find(self, request: Request) -> None:
        try:
            root, level, identifier = request.decode_identifier(FIND_MODELS)
            batches = self.archive.find_encoded(
                level, identifier, root=root, implicit_vr=request.little_endian_implicit_vr,
                encode_document=request.encode_json, extra={"00080052": {"vr": "CS", "Value": [level.value]}},
            )  # fmt: skip
        except (Refusal, InvalidQuery) as error:
            code = error.code if isinstance(error, Refusal) else UNABLE_TO_PROCESS
            log.warning("C-FIND from %s refused: %s", request.caller, error)
            request.respond(code, str(error))
            return
        writer, count, flushed_at = request.writer, 0, time.monotonic()
        pending_command = request.response(PENDING, data_set=True)  # the same for every result: encoded once
        pending = pdata.message_bytes(request.context_id, pending_command, None, writer.max_pdu)
        try:
            for batch in batches:
                if request.cancelled():
                    log.info("C-FIND from %s cancelled after %d result(s)", request.caller, count)
                    request.respond(CANCELLED)
                    return
                writer.add_results(request.context_id, pending, batch)
                count += len(batch)
                if time.monotonic() - flushed_at > FLUSH_SECONDS:
                    writer.flush()
                    flushed_at = time.monotonic()
        except InvalidQuery as error:  # found while matching, after some results
            log.warning("C-FIND from %s failed: %s", request.caller, error)
            request.respond(UNABLE_TO_PROCESS, str(error))
            return
        request.respond(SUCCESS)
        log.info("C-FIND %s %s from %s: %d result(s)", root.value, level.value, request.caller, count)


_Method = Callable[[QueryRetrieveServiceClass, Any, PresentationContext], None]


def _ours(original: _Method, name: str) -> _Method:
    def scp(self: QueryRetrieveServiceClass, message: Any, context: PresentationContext) -> None:
        node_scp = getattr(self.assoc.ae, "query_retrieve", None)
        if node_scp is None:
            original(self, message, context)
        else:
            getattr(node_scp, name)(self, message, context)

    return scp


_installed = False


def install() -> None:
    """pypacs nodes (AEs with a `query_retrieve` attribute, a dimse.retrieve.QueryRetrieveSCP) answer C-FIND,
    C-GET and C-MOVE with it; other AEs in the process keep pynetdicom's. Process-wide, idempotent."""
    global _installed
    if _installed:
        return
    cls = QueryRetrieveServiceClass
    cls._c_find_scp = _ours(cls._c_find_scp, "find")  # type: ignore[method-assign,assignment]
    cls._get_scp = _ours(cls._get_scp, "get")  # type: ignore[method-assign,assignment]
    cls._move_scp = _ours(cls._move_scp, "move")  # type: ignore[method-assign,assignment]
    _installed = True
