"""WADO-URI (PS3.18 9): one object by URL, `/wado?requestType=WADO&studyUID=…&seriesUID=…&objectUID=…`, as
DICOM (optionally transcoded or de-identified) or as a rendered JPEG/PNG/GIF.

Thin: the archive locates the object, imaging/ renders or transcodes it.
"""

from __future__ import annotations

import io

from fastapi import APIRouter, Request, Response
from pydicom import dcmread

from pypacs.archive.errors import InvalidQuery
from pypacs.imaging.render import MAX_VIEWPORT, MEDIA_TYPES, Viewport, encode_picture, fit, render_frame
from pypacs.imaging.transcode import EXPLICIT_LITTLE, converts_to_explicit_little_endian, to_explicit_little_endian
from pypacs.imaging.voi import Window
from pypacs.web.parameters import finite_number, whole_number
from pypacs.web.wado import NotAcceptable, archive_of

router = APIRouter(tags=["WADO-URI"])

MAX_FRAME_NUMBER = 2**31 - 1  # Number of Frames is an IS

# Attributes blanked by anonymize=yes (the identifying ones of PS3.15 E.1-1 a WADO-URI consumer sees most).
IDENTIFYING = ("PatientName", "PatientID", "PatientBirthDate", "PatientAddress", "OtherPatientIDs",
               "OtherPatientNames", "PatientTelephoneNumbers", "ReferringPhysicianName", "InstitutionName",
               "InstitutionAddress", "AccessionNumber", "PerformingPhysicianName", "OperatorsName",
               "RequestingPhysician", "IssuerOfPatientID", "MilitaryRank", "EthnicGroup",
               "PatientComments")  # fmt: skip


def _required(request: Request, name: str) -> str:
    value = request.query_params.get(name, "").strip()
    if not value:
        raise InvalidQuery(f"WADO-URI parameter {name} is required")
    return value


def _number(request: Request, name: str) -> float | None:
    text = request.query_params.get(name)
    return None if text in (None, "") else finite_number(name, text)


def _whole_number(request: Request, name: str, low: int, high: int) -> int | None:
    text = request.query_params.get(name)
    return None if text in (None, "") else whole_number(name, text, low, high)


@router.get("/wado", summary="WADO-URI: one object as DICOM or as an image")
def wado_uri(request: Request) -> Response:
    if request.query_params.get("requestType") != "WADO":
        raise InvalidQuery("requestType must be WADO")
    study, series, sop = (_required(request, name) for name in ("studyUID", "seriesUID", "objectUID"))
    archive = archive_of(request)
    [target] = archive.stored_instances(study, series, sop)
    content_types = [c.strip().split(";")[0] for c in request.query_params.get("contentType", "image/jpeg").split(",")]
    path = archive.blobs.path(target.blob_key)
    if "application/dicom" in content_types:
        return _dicom(request, path.read_bytes(), target.transfer_syntax_uid)
    media_type = next((c for c in content_types if c in MEDIA_TYPES), None)
    if media_type is None:
        raise NotAcceptable(f"contentType {', '.join(content_types)} is not available; use application/dicom, "
                            f"{', '.join(MEDIA_TYPES)}")  # fmt: skip
    frame, window, viewport, quality = _picture_options(request)
    ds = dcmread(path)
    image = fit(render_frame(ds, frame - 1, window), viewport)
    return Response(encode_picture(image, media_type, quality), media_type=media_type)


def _picture_options(request: Request) -> tuple[int, Window | None, Viewport | None, int]:
    """frameNumber (from 1), windowCenter + windowWidth, rows/columns (at most MAX_VIEWPORT) and imageQuality
    (1-100, PS3.18 9.1.2.2); each checked here, so a bad one is a 400 naming it."""
    frame = _whole_number(request, "frameNumber", 1, MAX_FRAME_NUMBER) or 1
    center, width = _number(request, "windowCenter"), _number(request, "windowWidth")
    if (center is None) != (width is None):
        raise InvalidQuery("windowCenter and windowWidth go together")
    try:
        window = Window(center, width) if center is not None and width is not None else None
    except ValueError as error:
        raise InvalidQuery(f"windowCenter/windowWidth: {error}") from error
    rows = _whole_number(request, "rows", 1, MAX_VIEWPORT)
    columns = _whole_number(request, "columns", 1, MAX_VIEWPORT)
    viewport = Viewport(columns or MAX_VIEWPORT, rows or MAX_VIEWPORT) if rows or columns else None
    quality = _whole_number(request, "imageQuality", 1, 100) or 90
    return frame, window, viewport, quality


def _dicom(request: Request, data: bytes, stored: str) -> Response:
    """The object as DICOM in the transfer syntax asked for: Explicit VR Little Endian unless the request names
    another (PS3.18 9.1.2.1.15: the default), converted when stored otherwise; as stored when it names that."""
    syntax = request.query_params.get("transferSyntax", "").strip() or EXPLICIT_LITTLE
    if syntax != stored:
        if syntax != EXPLICIT_LITTLE or not converts_to_explicit_little_endian(stored):
            raise NotAcceptable(f"transferSyntax {syntax} is not available: the object is stored as {stored}; "
                                f"ask for transferSyntax={stored}")  # fmt: skip
        data = to_explicit_little_endian(data)
    if request.query_params.get("anonymize", "").lower() == "yes":
        data = _anonymized(data)
    return Response(data, media_type="application/dicom")


def _anonymized(data: bytes) -> bytes:
    ds = dcmread(io.BytesIO(data))
    for keyword in IDENTIFYING:
        if keyword in ds:
            ds.data_element(keyword).value = ""  # type: ignore[union-attr]
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = "pypacs WADO-URI anonymize=yes: identifying attributes emptied"
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()
