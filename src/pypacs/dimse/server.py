"""The DICOM Application Entity of a pypacs node: presentation contexts, association policy, start and stop.

C-ECHO and C-STORE are pynetdicom event handlers (dimse.handlers), Q/R is dimse.retrieve.QueryRetrieveSCP
(put in place by dimse.query_retrieve.install); this module holds no service logic.
"""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass

from pynetdicom import ALL_TRANSFER_SYNTAXES, AllStoragePresentationContexts
from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]
from pynetdicom.transport import ThreadedAssociationServer

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.dimse import association_log, direct_send, fast_encoding, guards, network_tuning, query_retrieve
from pypacs.dimse.handlers import FIND_MODELS, event_handlers
from pypacs.dimse.policy import AssociationPolicy, AssociationSlots, NodeAE, install_permission_gate
from pypacs.dimse.retrieve import GET_MODELS, MOVE_MODELS, QueryRetrieveSCP

log = logging.getLogger(__name__)

# Query identifiers are small: the uncompressed syntaxes (and deflate) cover every SCU.
QUERY_TRANSFER_SYNTAXES = [
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2",
    "1.2.840.10008.1.2.1.99",
    "1.2.840.10008.1.2.2",
]

# Of the syntaxes a peer proposes in one context, the first of this list is accepted: explicit VR first (VRs kept,
# and what DCMTK's tools and most stored files use, so C-GET sends files as they are instead of converting them).
STORAGE_TRANSFER_SYNTAXES = [
    "1.2.840.10008.1.2.1",
    *(syntax for syntax in ALL_TRANSFER_SYNTAXES if syntax != "1.2.840.10008.1.2.1"),
]


def build_ae(settings: Settings, policy: AssociationPolicy, archive: Archive) -> NodeAE:
    network_tuning.install()
    guards.install()
    direct_send.install()
    fast_encoding.install()
    query_retrieve.install()
    install_permission_gate()
    ae = NodeAE(settings, policy)
    ae.query_retrieve = QueryRetrieveSCP(  # type: ignore[attr-defined]
        archive, calling_ae=settings.ae_title, max_pdu=settings.max_pdu_size, timeout=settings.dimse_timeout,
        pending_interval=settings.pending_interval,
    )  # fmt: skip
    ae.maximum_pdu_size = settings.max_pdu_size
    ae.acse_timeout = settings.acse_timeout
    ae.dimse_timeout = settings.dimse_timeout
    ae.network_timeout = settings.network_timeout
    ae.require_called_aet = True
    ae.add_supported_context(Verification, ALL_TRANSFER_SYNTAXES)
    for query_model in (*FIND_MODELS, *MOVE_MODELS, *GET_MODELS):
        ae.add_supported_context(query_model, QUERY_TRANSFER_SYNTAXES)
    for context in AllStoragePresentationContexts:
        assert context.abstract_syntax is not None
        # scp_role: a C-GET requestor receives its images on this association, as Storage SCP.
        ae.add_supported_context(context.abstract_syntax, STORAGE_TRANSFER_SYNTAXES, scu_role=True, scp_role=True)
    return ae


@dataclass
class DimseServer:
    """A running DICOM listener."""

    server: ThreadedAssociationServer

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def stop(self) -> None:
        self.server.shutdown()


class SharedPortServer(ThreadedAssociationServer):
    """An association server whose port other processes may listen on too (SO_REUSEPORT): the kernel then
    hands each new connection to one of them."""

    def server_bind(self) -> None:
        assert self.socket is not None
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()


def start_dimse(
    settings: Settings, archive: Archive, *, shared_port: bool = False, slots: AssociationSlots | None = None
) -> DimseServer:
    """Listen for associations on a thread of this process; with shared_port, worker processes may listen
    on the same port (see dimse.workers), and `slots` counts the associations of all of them."""
    policy = AssociationPolicy(settings, archive.peers, slots)
    ae = build_ae(settings, policy, archive)
    if slots is not None:
        slots.keep_publishing(ae.live_acceptors)
    handlers = event_handlers(archive)
    handlers.extend(association_log.event_handlers())
    address = (settings.dimse_host, settings.dimse_port)
    server_class = SharedPortServer if shared_port else ThreadedAssociationServer
    server = ae.make_server(address, evt_handlers=handlers, server_class=server_class)  # type: ignore[arg-type]
    ae._servers.append(server)  # as AE.start_server does: the server's shutdown() deregisters itself
    thread = threading.Thread(target=server.serve_forever, name=f"dimse-{settings.dimse_port}", daemon=True)
    thread.start()
    log.info("DICOM AE %s listening on %s:%d", settings.ae_title, settings.dimse_host, server.server_address[1])
    return DimseServer(server)
