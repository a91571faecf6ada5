"""The JSON of a key image selection: the images, a document title from CID 7010 ("Of Interest" unless given), a
description and who selected them.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from pypacs.reports.content import Code, ImageReference, JsonModel

OF_INTEREST = Code(value="113000", scheme="DCM", meaning="Of Interest")


class KeyImages(JsonModel):
    """What the viewer sends (POST)."""

    title: Code = OF_INTEREST  # CID 7010: "Of Interest", "For Teaching" (113004), "Quality Issue" (113010)…
    description: Annotated[str, Field(max_length=1024)] | None = None
    observer: Annotated[str, Field(max_length=320)] | None = None  # a person name, DICOM PN: Family^Given
    images: list[ImageReference] = Field(min_length=1)


class StoredKeyImages(KeyImages):
    """One stored selection (GET): its UIDs, and each image's study, series and SOP class from its evidence."""

    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str
    sop_class_uid: str
    created: str | None = None  # ISO 8601 of Content Date/Time
