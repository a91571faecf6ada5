"""A Storage SCU's presentation contexts: what to propose for objects in their stored transfer syntaxes, which
accepted context each object goes on, and its data set encoded for that context (converted when needed).

Shared by C-MOVE and C-GET sub-operations and `pypacs store`, so every way out converts alike. No sockets here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

from pypacs.dicom.part10 import data_set_offset
from pypacs.imaging.transcode import CONVERTIBLE_TO, data_set_as

FALLBACK_SYNTAXES = [str(ExplicitVRLittleEndian), str(ImplicitVRLittleEndian)]  # proposed besides the stored one
MAX_CONTEXTS = 128  # what one association may propose (PS3.8 9.3.2.2: odd context IDs 1-255)
Context = TypeVar("Context")


class NoUsableContext(Exception):
    """The peer accepted no context this object can be sent on; the message lists what it accepted."""


def proposed_contexts(objects: Iterable[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """For (SOP Class UID, stored transfer syntax) pairs: each pair as a context, then each SOP class with the
    uncompressed little endian syntaxes as a fallback (exact pairs first: cut after MAX_CONTEXTS, the rest goes)."""
    exact = sorted(set(objects))
    contexts = [(sop_class, [syntax]) for sop_class, syntax in exact]
    for sop_class in sorted({sop_class for sop_class, _syntax in exact}):
        if not all(syntax in FALLBACK_SYNTAXES for cls, syntax in exact if cls == sop_class):
            contexts.append((sop_class, FALLBACK_SYNTAXES))
    return contexts


def best_context(stored_syntax: str, accepted: list[tuple[Context, str]]) -> tuple[Context, str]:
    """Of the contexts accepted for an object's SOP class, as (context, transfer syntax): the one in the stored
    syntax, else one the stored object can be converted to (uncompressed, not deflated)."""
    usable = [(context, syntax) for context, syntax in accepted if syntax == stored_syntax]
    usable += [(context, syntax) for context, syntax in accepted if syntax in CONVERTIBLE_TO]
    if not usable:
        syntaxes = ", ".join(syntax for _context, syntax in accepted) or "none"
        raise NoUsableContext(f"accepted syntaxes: {syntaxes}")
    return usable[0]


def data_set_in(data: bytes, stored_syntax: str, transfer_syntax: str) -> bytes | memoryview:
    """The data set of Part 10 bytes in `transfer_syntax`: the file's own bytes when that is the stored syntax,
    else converted (PixelDataError when the object cannot be)."""
    if transfer_syntax == stored_syntax:
        return memoryview(data)[data_set_offset(data) :]
    return data_set_as(data, transfer_syntax)
