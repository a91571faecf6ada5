"""The DICOM data dictionary as a tag browser shows it: each tag's keyword, from pydicom's dictionary.

Names only: what a tag means, never what a data set holds; no I/O.
"""

from __future__ import annotations

from functools import cache

from pydicom.datadict import DicomDictionary, RepeatersDictionary


@cache
def keywords_by_tag() -> dict[str, str]:
    """`{"00280030": "PixelSpacing", …, "60xx3000": "OverlayData"}`: eight upper-case hexadecimal digits, or a
    repeating group's mask with lower-case `x` for the digits that vary (as PS3.6 writes them)."""
    keywords = {f"{tag:08X}": entry[4] for tag, entry in DicomDictionary.items() if entry[4]}
    for mask, entry in RepeatersDictionary.items():
        if entry[4]:
            keywords[mask.upper().replace("X", "x")] = entry[4]
    return dict(sorted(keywords.items()))
