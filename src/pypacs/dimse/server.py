"""The DICOM Application Entity of a pypacs node: presentation contexts, association policy, start and stop.

Services are plugged in as pynetdicom event handlers (dimse.handlers); this module holds no service logic.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pynetdicom import AE, ALL_TRANSFER_SYNTAXES, AllStoragePresentationContexts, evt
from pynetdicom.events import Event
from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]
from pynetdicom.transport import ThreadedAssociationServer

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.dimse import reactor_tuning
from pypacs.dimse.handlers import event_handlers

log = logging.getLogger(__name__)


def build_ae(settings: Settings) -> AE:
    reactor_tuning.install()
    ae = AE(ae_title=settings.ae_title)
    ae.maximum_pdu_size = settings.max_pdu_size
    ae.acse_timeout = settings.acse_timeout
    ae.dimse_timeout = settings.dimse_timeout
    ae.network_timeout = settings.network_timeout
    ae.maximum_associations = settings.max_associations
    ae.require_called_aet = True
    if settings.known_callers_only:
        ae.require_calling_aet = [remote.title for remote in settings.remote_aes]
    ae.add_supported_context(Verification, ALL_TRANSFER_SYNTAXES)
    for context in AllStoragePresentationContexts:
        assert context.abstract_syntax is not None
        ae.add_supported_context(context.abstract_syntax, ALL_TRANSFER_SYNTAXES)
    return ae


def _log_association(event: Event) -> None:
    assoc = event.assoc
    requestor = assoc.requestor
    if event.event is evt.EVT_ACCEPTED:
        log.info(
            "association from %s (%s:%s) to %s accepted: %d context(s)",
            requestor.ae_title,
            requestor.address,
            requestor.port,
            assoc.acceptor.ae_title,
            len(assoc.accepted_contexts),
        )
    elif event.event is evt.EVT_REJECTED:
        log.warning("association from %s (%s) rejected", requestor.ae_title, requestor.address)
    elif event.event is evt.EVT_RELEASED:
        log.info("association from %s released", requestor.ae_title)
    elif event.event is evt.EVT_ABORTED:
        log.warning("association from %s aborted", requestor.ae_title)


@dataclass
class DimseServer:
    """A running DICOM listener."""

    server: ThreadedAssociationServer

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def stop(self) -> None:
        self.server.shutdown()


def start_dimse(settings: Settings, archive: Archive) -> DimseServer:
    ae = build_ae(settings)
    handlers = event_handlers(archive)
    for event in (evt.EVT_ACCEPTED, evt.EVT_REJECTED, evt.EVT_RELEASED, evt.EVT_ABORTED):
        handlers.append((event, _log_association))
    server = ae.start_server((settings.dimse_host, settings.dimse_port), block=False, evt_handlers=handlers)  # type: ignore[arg-type]
    assert server is not None  # non-blocking start returns the server
    log.info("DICOM AE %s listening on %s:%d", settings.ae_title, settings.dimse_host, server.server_address[1])
    return DimseServer(server)
