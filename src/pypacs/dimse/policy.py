"""Association policy: who may associate (called AE, calling AE, host) and what each peer may do here,
and the limit on associations open at once over all DIMSE processes of the node.

Decided once per association while pynetdicom negotiates it (see NodeAE); holds no service logic.
"""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any

from pynetdicom import AE
from pynetdicom.association import Association
from pynetdicom.dimse_primitives import C_FIND, C_GET, C_MOVE, C_STORE
from pynetdicom.service_class import QueryRetrieveServiceClass, ServiceClass, StorageServiceClass

from pypacs.archive.peers import PeerRegistry
from pypacs.config import RemoteAE, Settings

log = logging.getLogger(__name__)

NO_CALLER = "<nobody may call>"  # longer than any AE title: a list pynetdicom matches no caller against
UNLIMITED = 1_000_000


class Service(Enum):
    STORE = "store"
    QUERY = "query"
    RETRIEVE = "retrieve"


@dataclass(frozen=True)
class Admission:
    """The policy's answer for one association: refused (with the reason logged), or what it may do."""

    accepted: bool
    reason: str = ""
    peer: RemoteAE | None = None  # None: an unregistered caller, admitted because known_callers_only is off

    def may(self, service: Service) -> bool:
        if not self.accepted:
            return False
        if self.peer is None:
            return True
        return {Service.STORE: self.peer.may_store, Service.QUERY: self.peer.may_query,
                Service.RETRIEVE: self.peer.may_retrieve}[service]  # fmt: skip


class AssociationSlots:
    """How many associations each DIMSE process has open, in memory shared by the node's processes.

    Each process publishes its own count when it negotiates an association and every half second, so a
    count stays right even when an association ends by a path no event reports."""

    def __init__(self, counts: Any, index: int) -> None:
        self.counts = counts  # a multiprocessing Array('i') with one entry per process
        self.index = index

    def publish(self, live: int) -> None:
        self.counts[self.index] = live

    def total(self) -> int:
        return int(sum(self.counts[:]))

    def keep_publishing(self, live: Any, every: float = 0.5) -> None:
        def loop() -> None:
            while True:
                self.publish(live())
                threading.Event().wait(every)

        threading.Thread(target=loop, name="association-slots", daemon=True).start()


class AssociationPolicy:
    def __init__(self, settings: Settings, peers: PeerRegistry, slots: AssociationSlots | None = None) -> None:
        self.settings = settings
        self.peers = peers
        self.slots = slots

    def admit(self, assoc: Association) -> Admission:
        """Decide (once) whether the requestor of `assoc` may associate, and with which permissions."""
        decided: Admission | None = getattr(assoc, "pypacs_admission", None)
        if decided is None:
            decided = self._decide(assoc)
            assoc.pypacs_admission = decided  # type: ignore[attr-defined]
            if not decided.accepted:
                requestor = assoc.requestor
                log.warning(
                    "association from %s (%s) refused: %s", requestor.ae_title, requestor.address, decided.reason
                )
        return decided

    def _decide(self, assoc: Association) -> Admission:
        calling = assoc.requestor.ae_title.strip()
        address = assoc.requestor.address
        peer = self.peers.get(calling)
        if peer is None:
            if self.settings.known_callers_only:
                return Admission(False, f"calling AE title {calling!r} is not a registered peer")
            return Admission(True)
        if self.settings.check_caller_host and address not in _addresses_of(peer.host):
            return Admission(False, f"{calling} is registered at {peer.host}, but called from {address}")
        return Admission(True, peer=peer)

    def may(self, assoc: Association, service: Service) -> bool:
        return self.admit(assoc).may(service)

    def within_limit(self, live_here: int) -> bool:
        """Whether one more association fits (`live_here` counts this process's, the new one included)."""
        if self.slots is None:
            return live_here <= self.settings.max_associations
        self.slots.publish(live_here)
        return self.slots.total() <= self.settings.max_associations


@lru_cache(maxsize=256)
def _addresses_of(host: str) -> frozenset[str]:
    try:
        return frozenset(str(info[4][0]) for info in socket.getaddrinfo(host, None))
    except OSError:
        log.warning("registered host %s cannot be resolved", host)
        return frozenset()


class NodeAE(AE):
    """pynetdicom's AE, consulting the association policy for each association it accepts.

    pynetdicom reads `require_calling_aet` and `maximum_associations` from the association's own thread while
    negotiating; answering per thread lets the policy decide per association (with the registry as it is now)
    and pynetdicom send the proper A-ASSOCIATE-RJ: calling AE not recognised, or local limit exceeded.
    """

    def __init__(self, settings: Settings, policy: AssociationPolicy) -> None:
        super().__init__(ae_title=settings.ae_title)
        self.policy = policy
        self.maximum_message_size = settings.max_message_size

    def _negotiating(self) -> Association | None:
        thread = threading.current_thread()
        if isinstance(thread, Association) and thread.is_acceptor and thread.ae is self:
            return thread
        return None

    @property  # type: ignore[override]
    def require_calling_aet(self) -> list[str]:
        assoc = self._negotiating()
        if assoc is None or self.policy.admit(assoc).accepted:
            return []
        return [NO_CALLER]

    @require_calling_aet.setter
    def require_calling_aet(self, ae_titles: list[str]) -> None:
        raise AttributeError("the association policy decides who may call (known_callers_only, remote AEs)")

    @property  # type: ignore[override]
    def maximum_associations(self) -> int:
        assoc = self._negotiating()
        if assoc is None:
            return UNLIMITED
        live = sum(1 for other in self.active_associations if other.is_acceptor)
        if self.policy.within_limit(live):
            return UNLIMITED
        log.warning(
            "association from %s (%s) refused: %d association(s) open, max_associations is %d",
            assoc.requestor.ae_title, assoc.requestor.address, live - 1, self.policy.settings.max_associations,
        )  # fmt: skip
        return 0

    @maximum_associations.setter
    def maximum_associations(self, value: int) -> None:
        raise AttributeError("max_associations is a node setting (AssociationPolicy)")

    def live_acceptors(self) -> int:
        return sum(1 for other in self.active_associations if other.is_acceptor)


NOT_AUTHORIZED = 0x0124  # Refused: Not Authorized (PS3.7 C.5), a general status every DIMSE service may return
_gate_installed = False


def _service_of(request: Any) -> Service | None:
    if isinstance(request, C_STORE):
        return Service.STORE
    if isinstance(request, C_FIND):
        return Service.QUERY
    if isinstance(request, (C_GET, C_MOVE)):
        return Service.RETRIEVE
    return None


def _refusal(request: Any, assoc: Association, service: Service) -> Any:
    response = type(request)()
    response.MessageIDBeingRespondedTo = request.MessageID
    response.AffectedSOPClassUID = request.AffectedSOPClassUID
    if isinstance(request, C_STORE):
        response.AffectedSOPInstanceUID = request.AffectedSOPInstanceUID
    response.Status = NOT_AUTHORIZED
    response.ErrorComment = f"AE {assoc.requestor.ae_title.strip()} may not {service.value} here"[:64]
    return response


def _gated(original: Any) -> Any:
    def SCP(self: ServiceClass, req: Any, context: Any) -> None:  # noqa: N802 - pynetdicom's name
        ae = self.assoc.ae
        service = _service_of(req)
        if isinstance(ae, NodeAE) and service is not None and not ae.policy.may(self.assoc, service):
            log.warning("%s from %s refused: not allowed to %s", type(req).__name__.replace("_", "-"),
                        self.assoc.requestor.ae_title, service.value)  # fmt: skip
            self.dimse.send_msg(_refusal(req, self.assoc, service), context.context_id)
            return
        original(self, req, context)

    return SCP


def install_permission_gate() -> None:
    """Answer C-STORE, C-FIND, C-GET and C-MOVE requests a peer may not make with 0x0124 before any handler
    runs (for C-MOVE, before the destination is contacted). Process-wide, idempotent; only NodeAEs are gated."""
    global _gate_installed
    if _gate_installed:
        return
    StorageServiceClass.SCP = _gated(StorageServiceClass.SCP)  # type: ignore[method-assign]
    QueryRetrieveServiceClass.SCP = _gated(QueryRetrieveServiceClass.SCP)  # type: ignore[method-assign]
    _gate_installed = True
