"""Sending stored files as C-STORE sub-operations without decoding them: the bytes on disk go on the wire.

pynetdicom's C-MOVE/C-GET want a Dataset per sub-operation and re-encode it; a StoredFile is a Dataset that
stands for a stored Part 10 file, sent from the file in chunks when the peer accepted its transfer syntax,
and read and converted by pynetdicom only when it did not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydicom import dcmread
from pydicom.dataset import Dataset
from pynetdicom import _config
from pynetdicom.association import Association

_installed = False


class StoredFile(Dataset):
    """Stands for the stored object at `path`; carries only the UIDs pynetdicom reports failures with."""

    def __init__(self, path: Path, sop_class_uid: str, sop_instance_uid: str, transfer_syntax_uid: str) -> None:
        super().__init__()
        self.SOPClassUID = sop_class_uid
        self.SOPInstanceUID = sop_instance_uid
        object.__setattr__(self, "stored_path", path)
        object.__setattr__(self, "stored_transfer_syntax", transfer_syntax_uid)


def _accepts_as_stored(assoc: Association, stored: StoredFile) -> bool:
    return any(
        context.abstract_syntax == stored.SOPClassUID
        and context.transfer_syntax[0] == stored.stored_transfer_syntax  # type: ignore[attr-defined]
        and context.as_scu
        for context in assoc.accepted_contexts
    )


def _sending_files(original: Any) -> Any:
    def send_c_store(self: Association, dataset: Any, *args: Any, **kwargs: Any) -> Dataset:
        if isinstance(dataset, StoredFile):
            path = dataset.stored_path  # type: ignore[attr-defined]
            dataset = path if _accepts_as_stored(self, dataset) else dcmread(path)
        return original(self, dataset, *args, **kwargs)  # type: ignore[no-any-return]

    return send_c_store


def install() -> None:
    """Process-wide, idempotent. Files given by path to send_c_store are then streamed as they are."""
    global _installed
    if _installed:
        return
    _config.STORE_SEND_CHUNKED_DATASET = True
    Association.send_c_store = _sending_files(Association.send_c_store)  # type: ignore[method-assign]
    _installed = True
