"""The enumerated values of the GSPS modules that the JSON uses (PS3.3 C.10.4-C.10.6, C.11.2)."""

from __future__ import annotations

from typing import Literal

GraphicType = Literal["POINT", "POLYLINE", "INTERPOLATED", "CIRCLE", "ELLIPSE"]
AnnotationUnits = Literal["PIXEL", "DISPLAY"]  # image pixels, or the displayed area as 0.0..1.0 each way
Justification = Literal["LEFT", "RIGHT", "CENTER"]
PresentationSizeMode = Literal["SCALE TO FIT", "TRUE SIZE", "MAGNIFY"]
VOIFunction = Literal["LINEAR", "LINEAR_EXACT", "SIGMOID"]
Rotation = Literal[0, 90, 180, 270]  # degrees clockwise, applied before the horizontal flip (PS3.3 C.10.6)

POINT_COUNTS: dict[str, tuple[int, int | None]] = {  # graphic type: (least, most) points
    "POINT": (1, 1),
    "POLYLINE": (2, None),
    "INTERPOLATED": (2, None),
    "CIRCLE": (2, 2),  # centre, then a point on the circle
    "ELLIPSE": (4, 4),  # major axis end points, then minor axis end points
}
