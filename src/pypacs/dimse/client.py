"""SCU operations against another DICOM node: echo, store, find, move, get. Used by the CLI (later routing).

Peers are `AET@host:port` or a registered remote AE title; every operation uses one association.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pynetdicom import AE, StoragePresentationContexts, build_role, evt
from pynetdicom.association import Association
from pynetdicom.events import Event
from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]

from pypacs.config import RemoteAE, Settings, validate_ae_title
from pypacs.dicom.levels import Root
from pypacs.dicom.part10 import encode_part10
from pypacs.dimse import network_tuning
from pypacs.dimse.handlers import FIND_MODELS
from pypacs.dimse.storage_contexts import MAX_CONTEXTS, NoUsableContext, best_context, data_set_in, proposed_contexts
from pypacs.dimse.store_association import AssociationFailed, StoreAssociation

_PEER = re.compile(r"^(?P<title>[^@]{1,16})@(?P<host>[^:@]+|\[[0-9a-fA-F:]+\]):(?P<port>\d{1,5})$")


class ClientError(Exception):
    """An SCU operation could not be carried out; the message says why."""


@dataclass(frozen=True)
class Peer:
    title: str
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.title}@{self.host}:{self.port}"


def parse_peer(text: str, lookup: Callable[[str], RemoteAE | None]) -> Peer:
    """`AET@host:port`, or the title of a registered remote AE (found with `lookup`)."""
    match = _PEER.match(text.strip())
    if match:
        port = int(match["port"])
        if not 1 <= port <= 65535:
            raise ClientError(f"port {port} out of range in {text!r}")
        try:
            title = validate_ae_title(match["title"])
        except ValueError as error:
            raise ClientError(str(error)) from error
        return Peer(title, match["host"].strip("[]"), port)
    known = lookup(text.strip())
    if known is None:
        raise ClientError(f"{text!r} is neither AET@host:port nor a registered remote AE")
    return Peer(known.title, known.host, known.port)


def _associate(peer: Peer, settings: Settings, contexts: list[tuple[str, list[str] | None]]) -> Association:
    network_tuning.install()
    ae = AE(ae_title=settings.ae_title)
    ae.acse_timeout = settings.acse_timeout
    ae.dimse_timeout = settings.dimse_timeout
    ae.network_timeout = settings.network_timeout
    for abstract_syntax, syntaxes in contexts:
        ae.add_requested_context(abstract_syntax, syntaxes) if syntaxes else ae.add_requested_context(abstract_syntax)
    assoc = ae.associate(peer.host, peer.port, ae_title=peer.title, max_pdu=settings.max_pdu_size)
    if assoc.is_rejected:
        raise ClientError(f"{peer} rejected the association (check the AE titles and the peer's list of callers)")
    if not assoc.is_established:
        raise ClientError(f"cannot associate with {peer}: no answer, or the connection was refused or aborted")
    return assoc


def echo(peer: Peer, settings: Settings) -> float:
    """C-ECHO; returns the round trip in milliseconds (association excluded)."""
    assoc = _associate(peer, settings, [(Verification, None)])
    try:
        started = time.perf_counter()
        response = assoc.send_c_echo()
        elapsed = (time.perf_counter() - started) * 1000
    finally:
        assoc.release()
    if not response or response.get("Status") != 0x0000:
        raise ClientError(f"C-ECHO to {peer} failed: status {_status_text(response)}")
    return elapsed


@dataclass(frozen=True)
class StoreResult:
    path: Path
    status: int | None  # None: not sent (unreadable file, or no accepted context)
    message: str

    @property
    def ok(self) -> bool:
        return self.status is not None and (self.status == 0x0000 or self.status >> 12 == 0xB)


def store(peer: Peer, settings: Settings, paths: list[Path]) -> Iterator[StoreResult]:
    """C-STORE each file over one association. Each file's SOP class is proposed in its own transfer syntax and
    in the uncompressed ones; a file the peer did not accept as it is goes converted, as C-MOVE does."""
    readable: list[tuple[Path, str, str]] = []
    for path in paths:
        try:
            meta = dcmread(path, stop_before_pixels=True, specific_tags=["SOPClassUID"])
            sop_class = str(meta.get("SOPClassUID") or meta.file_meta.MediaStorageSOPClassUID)
            readable.append((path, sop_class, str(meta.file_meta.TransferSyntaxUID)))
        except (OSError, InvalidDicomError, AttributeError) as error:
            yield StoreResult(path, None, f"not sent: not a readable DICOM file ({error})")
    if not readable:
        return
    exact = {(sop_class, syntax) for _, sop_class, syntax in readable}
    if len(exact) > MAX_CONTEXTS:
        raise ClientError(f"the files need {len(exact)} presentation contexts; one association allows {MAX_CONTEXTS}")
    try:
        association = StoreAssociation.open(
            peer.host, peer.port, calling_ae=settings.ae_title, called_ae=peer.title,
            contexts=proposed_contexts(exact)[:MAX_CONTEXTS], max_pdu=settings.max_pdu_size,
            timeout=max(settings.acse_timeout, settings.dimse_timeout),
        )  # fmt: skip
    except AssociationFailed as error:
        raise ClientError(f"cannot associate with {peer}: {error}") from error
    with association:
        for message_id, (path, sop_class, syntax) in enumerate(readable, start=1):
            try:
                yield _store_file(association, path, sop_class, syntax, message_id)
            except AssociationFailed as error:
                for unsent, _sop_class, _syntax in readable[message_id - 1 :]:
                    yield StoreResult(unsent, None, f"not sent: the association was lost ({error})")
                return


def _store_file(association: StoreAssociation, path: Path, sop_class: str, syntax: str, message_id: int) -> StoreResult:
    """One file's C-STORE; AssociationFailed when the association is lost."""
    accepted = [(cx, cx.transfer_syntax) for cx in association.accepted if cx.abstract_syntax == sop_class]
    try:
        context, send_syntax = best_context(syntax, accepted)
        data = path.read_bytes()
        if data[128:132] != b"DICM":  # a bare data set: sent with what pydicom reads of it, as Part 10
            data = encode_part10(dcmread(BytesIO(data), force=True))
        sop_instance = str(dcmread(BytesIO(data), stop_before_pixels=True).SOPInstanceUID)
        data_set = data_set_in(data, syntax, send_syntax)
    except NoUsableContext as error:
        return StoreResult(path, None, f"not sent: no usable context for {sop_class} ({error})")
    except (OSError, ValueError, InvalidDicomError, AttributeError) as error:  # PixelDataError is a ValueError
        return StoreResult(path, None, f"not sent: {error}")
    response = association.store(context, sop_instance, data_set, message_id)
    text = f"0x{response.status:04X}" + (f" ({response.error_comment})" if response.error_comment else "")
    return StoreResult(path, response.status, text)


def find(peer: Peer, settings: Settings, identifier: Dataset, root: Root = Root.STUDY) -> Iterator[Dataset]:
    """C-FIND; yields each matching identifier; raises ClientError on a failure status."""
    model = next(uid for uid, model_root in FIND_MODELS.items() if model_root is root)
    assoc = _associate(peer, settings, [(model, None)])
    try:
        for response, found in assoc.send_c_find(identifier, model):
            code = int(response.Status) if response and "Status" in response else None
            if code in (0xFF00, 0xFF01) and found is not None:
                yield found
            elif code != 0x0000:
                raise ClientError(f"C-FIND failed: status {_status_text(response)}")
    finally:
        if assoc.is_established:
            assoc.release()


def _status_text(response: Dataset | None) -> str:
    if not response or "Status" not in response:
        return "none (no response, timeout or abort)"
    text = f"0x{int(response.Status):04X}"
    comment = response.get("ErrorComment")
    return f"{text} ({comment})" if comment else text


@dataclass(frozen=True)
class RetrieveSummary:
    completed: int
    failed: int
    warning: int
    failed_uids: tuple[str, ...] = ()


def move(
    peer: Peer, settings: Settings, identifier: Dataset, destination: str, root: Root = Root.STUDY
) -> RetrieveSummary:
    """C-MOVE: ask the peer to send what the identifier names to `destination` (an AE title it knows)."""
    model = _model(root, "MOVE")
    assoc = _associate(peer, settings, [(model, None)])
    final: Dataset | None = None
    failed_uids: tuple[str, ...] = ()
    try:
        for response, identifier_back in assoc.send_c_move(identifier, destination, model):
            if response and "Status" in response and response.Status not in (0xFF00, 0xFF01):
                final = response
                failed_uids = _failed_uids(identifier_back)
    finally:
        if assoc.is_established:
            assoc.release()
    return _summary(final, failed_uids, "C-MOVE")


def get(
    peer: Peer, settings: Settings, identifier: Dataset, receive: Callable[[bytes], None], root: Root = Root.STUDY
) -> RetrieveSummary:
    """C-GET: receive what the identifier names on this association; `receive` gets each object's Part 10 bytes
    (an exception from it fails that sub-operation with 0xA700)."""
    network_tuning.install()
    model = _model(root, "GET")
    ae = AE(ae_title=settings.ae_title)
    ae.acse_timeout, ae.dimse_timeout, ae.network_timeout = (
        settings.acse_timeout, settings.dimse_timeout, settings.network_timeout,
    )  # fmt: skip
    ae.add_requested_context(model)
    storage = [str(cx.abstract_syntax) for cx in StoragePresentationContexts][: MAX_CONTEXTS - 1]
    for sop_class in storage:
        ae.add_requested_context(sop_class)

    def on_store(event: Event) -> int:
        try:
            receive(event.encoded_dataset(include_meta=True))
        except Exception:  # reported to the peer as a failed sub-operation
            return 0xA700
        return 0x0000

    roles: list[Any] = [build_role(sop_class, scp_role=True) for sop_class in storage]
    assoc = ae.associate(peer.host, peer.port, ae_title=peer.title, ext_neg=roles,
                         evt_handlers=[(evt.EVT_C_STORE, on_store)])  # fmt: skip
    if not assoc.is_established:
        raise ClientError(f"cannot associate with {peer} for C-GET")
    final: Dataset | None = None
    failed_uids: tuple[str, ...] = ()
    try:
        for response, identifier_back in assoc.send_c_get(identifier, model):
            if response and "Status" in response and response.Status not in (0xFF00, 0xFF01):
                final = response
                failed_uids = _failed_uids(identifier_back)
    finally:
        if assoc.is_established:
            assoc.release()
    return _summary(final, failed_uids, "C-GET")


def _model(root: Root, service: str) -> str:
    from pypacs.dimse.retrieve import GET_MODELS, MOVE_MODELS

    models = MOVE_MODELS if service == "MOVE" else GET_MODELS
    found = [uid for uid, model_root in models.items() if model_root is root]
    if not found:
        raise ClientError(f"the {root.value} root model has no {service} service")
    return found[0]


def _failed_uids(identifier: Dataset | None) -> tuple[str, ...]:
    if identifier is None or "FailedSOPInstanceUIDList" not in identifier:
        return ()
    value = identifier.FailedSOPInstanceUIDList
    return tuple(value) if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue" else (str(value),)


def _summary(final: Dataset | None, failed_uids: tuple[str, ...], service: str) -> RetrieveSummary:
    if final is None:
        raise ClientError(f"{service} ended without a final response (timeout or abort)")
    code = int(final.Status)
    # 0xA7xx finals (e.g. A702: every sub-operation failed) carry the counts and the failed UIDs; other failures don't
    with_counts = code in (0x0000, 0xB000, 0xFE00) or (code >> 8 == 0xA7 and "NumberOfFailedSuboperations" in final)
    if not with_counts:
        raise ClientError(f"{service} failed: status {_status_text(final)}")
    return RetrieveSummary(
        completed=int(final.get("NumberOfCompletedSuboperations", 0) or 0),
        failed=int(final.get("NumberOfFailedSuboperations", 0) or 0),
        warning=int(final.get("NumberOfWarningSuboperations", 0) or 0),
        failed_uids=failed_uids,
    )
