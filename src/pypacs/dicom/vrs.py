"""Value representations grouped by how their values are written (PS3.5 6.2, 7.1.2): the one list of each.

Pure facts, shared by the encoders and decoders in dicom/ and dimse/fast_encoding.
"""

from __future__ import annotations

# values are character strings (backslash-separated when multiple)
STRING_VRS = frozenset(
    {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT"}
)
# strings in the Specific Character Set; the other string VRs are ASCII
CHARSET_VRS = frozenset({"LO", "LT", "PN", "SH", "ST", "UC", "UT"})
# numbers, with their struct format character (little endian when prefixed with '<')
NUMBER_FORMATS = {"US": "H", "SS": "h", "UL": "L", "SL": "l", "FL": "f", "FD": "d", "UV": "Q", "SV": "q"}
# byte strings
BINARY_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN"})
# with an Explicit VR, a 4-byte length after 2 reserved bytes (the others have a 2-byte length)
LONG_LENGTH_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"})
