"""What the documents of every family share in their JSON: the model base (camelCase names, UIDs spelt as in
DICOM: `sopInstanceUID`), image references, (column, row) points, coded concepts and the stored object's UIDs.
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


def json_name(field: str) -> str:
    """`sop_instance_uid` -> `sopInstanceUID`, `frame_number` -> `frameNumber`."""
    camel = to_camel(field)
    return camel[: -len("Uid")] + "UID" if camel.endswith("Uid") else camel


class JsonModel(BaseModel):
    """JSON objects of the viewer routes: camelCase names, unknown names refused (a typo is a 400, not ignored)."""

    model_config = ConfigDict(alias_generator=json_name, populate_by_name=True, extra="forbid")


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


Finite = Annotated[float, AfterValidator(_finite)]
Uid = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z._-]+$")]
Point = tuple[Finite, Finite]  # (column, row): image pixel coordinates, 0.0\0.0 the top left corner of the image
LongString = Annotated[str, Field(max_length=64)]


def float32_decimal(value: object) -> float:
    """An FL value (graphic data, SCOORDs) as the decimal it was written from: 7 significant digits, what a float32
    holds, so 30.1 reads back as 30.1 and not 30.100000381."""
    return float(f"{float(value):.7g}")  # type: ignore[arg-type]


class ImageReference(JsonModel):
    """An image (or a frame of a multi-frame image). On input the study and series may be left out: the study is the
    URL's, the series is found from the SOP Instance UID (and checked when given)."""

    study_instance_uid: Uid | None = None
    series_instance_uid: Uid | None = None
    sop_instance_uid: Uid
    sop_class_uid: Uid | None = None
    frame_number: int | None = Field(default=None, ge=1)


class Code(JsonModel):
    """A coded concept: (value, scheme designator, meaning), e.g. ("113000", "DCM", "Of Interest")."""

    value: Annotated[str, Field(min_length=1, max_length=64)]
    scheme: Annotated[str, Field(min_length=1, max_length=16)]
    meaning: Annotated[str, Field(min_length=1, max_length=64)]


class StoredObject(JsonModel):
    """Where a document went: its UIDs (what QIDO-RS, C-FIND and WADO-RS know it by)."""

    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str
    sop_class_uid: str
