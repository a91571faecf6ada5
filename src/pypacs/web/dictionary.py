"""The DICOM data dictionary for the viewer's tag browser: `GET /api/dicom-dictionary`, keyword by tag.

Thin: dicom/dictionary.py knows the names; this module only serves them (cacheable: they change with pydicom).
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from pypacs.dicom.dictionary import keywords_by_tag

router = APIRouter(tags=["Viewer"])


@router.get("/dicom-dictionary", summary="DICOM keywords by tag (eight hex digits; repeating groups with x)")
def dicom_dictionary(response: Response) -> dict[str, str]:
    response.headers["Cache-Control"] = "public, max-age=86400"
    return keywords_by_tag()
