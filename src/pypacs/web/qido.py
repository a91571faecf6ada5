"""QIDO-RS (PS3.18 10.6): search for studies, series and instances with the same matching as C-FIND.

Thin: query parameters become an identifier for archive.find_json; results stream out as DICOM JSON.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from pydicom.datadict import dictionary_VR, keyword_for_tag, tag_for_keyword
from pydicom.dataset import Dataset

from pypacs.archive.errors import InvalidQuery
from pypacs.archive.query import SortKey
from pypacs.archive.service import Archive
from pypacs.dicom.identifiers import InvalidKeyText, identifier_from_keys
from pypacs.dicom.levels import STORED, Level, Root
from pypacs.dicom.matching import fuzzy_person_name
from pypacs.web.parameters import whole_number

router = APIRouter(tags=["QIDO-RS"])

DICOM_JSON = "application/dicom+json"
MAX_RESULTS = 10_000  # a larger limit (or none) is cut here, with a Warning header
COMMA_LIST_VRS = {"UI", "CS", "DA", "DT", "TM", "AE"}
QUERY_CONTROLS = {"includefield", "fuzzymatching", "limit", "offset", "orderby"}

# PS3.18 Tables 10.6.3-3 to 10.6.3-5: what every search returns at each level.
DEFAULT_KEYS: dict[Level, tuple[str, ...]] = {
    Level.STUDY: ("StudyDate", "StudyTime", "AccessionNumber", "InstanceAvailability", "ModalitiesInStudy",
                  "ReferringPhysicianName", "PatientName", "PatientID", "PatientBirthDate", "PatientSex",
                  "StudyInstanceUID", "StudyID", "StudyDescription", "NumberOfStudyRelatedSeries",
                  "NumberOfStudyRelatedInstances", "RetrieveAETitle"),
    Level.SERIES: ("Modality", "SeriesDescription", "SeriesInstanceUID", "SeriesNumber", "SeriesDate",
                   "SeriesTime", "NumberOfSeriesRelatedInstances", "PerformedProcedureStepStartDate",
                   "PerformedProcedureStepStartTime", "BodyPartExamined", "StudyInstanceUID"),
    Level.IMAGE: ("SOPClassUID", "SOPInstanceUID", "InstanceAvailability", "InstanceNumber", "Rows", "Columns",
                  "BitsAllocated", "NumberOfFrames", "SeriesInstanceUID", "StudyInstanceUID"),
}  # fmt: skip
# Added to series and instance searches that are not scoped to a study (PS3.18 10.6.3.3.1).
STUDY_KEYS_WHEN_UNSCOPED = ("PatientName", "PatientID", "StudyDate", "AccessionNumber", "StudyDescription")


def _archive(request: Request) -> Archive:
    return request.app.state.archive  # type: ignore[no-any-return]


def _int_parameter(request: Request, name: str) -> int | None:
    text = request.query_params.get(name)
    return None if text is None or text == "" else whole_number(name, text, 0)


def build_identifier(request: Request, level: Level, scope: dict[str, str]) -> Dataset:
    """Query parameters (keywords or tags, repeated keys joined as a multi-value) + includefield + defaults."""
    keys: list[str] = []
    wanted = list(DEFAULT_KEYS[level])
    if level is not Level.STUDY and "StudyInstanceUID" not in scope:
        wanted += STUDY_KEYS_WHEN_UNSCOPED
    matching: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        if name == "includefield":
            for field in (part.strip() for part in value.split(",")):
                if field == "all":
                    wanted += sorted(_all_keywords(level))
                elif field:
                    wanted.append(field)
        elif name not in QUERY_CONTROLS:
            matching.setdefault(name, []).append(value)
    for name, values in matching.items():
        keys.append(f"{name}={chr(92).join(_multi_value(name, value) for value in values)}")
    keys += [f"{keyword}={uid}" for keyword, uid in scope.items()]
    try:
        identifier = identifier_from_keys([*dict.fromkeys(wanted), *keys])
    except InvalidKeyText as error:
        raise InvalidQuery(str(error)) from error
    identifier.QueryRetrieveLevel = level.value
    if request.query_params.get("fuzzymatching", "").lower() == "true":
        for element in identifier:
            if element.VR == "PN" and element.value:
                element.value = fuzzy_person_name(str(element.value))
    return identifier


def _multi_value(name: str, value: str) -> str:
    """Commas separate alternatives (UID lists, multiple values) in codes, UIDs and dates, not in free text."""
    tag = tag_for_keyword(name) or (int(name, 16) if len(name) == 8 and _is_hex(name) else None)
    try:
        vr = dictionary_VR(tag) if tag is not None else ""
    except KeyError:
        vr = ""
    return value.replace(",", "\\") if vr in COMMA_LIST_VRS else value


def _is_hex(text: str) -> bool:
    return all(char in "0123456789abcdefABCDEF" for char in text)


def _all_keywords(level: Level) -> set[str]:
    keywords: set[str] = set()
    for owner in (Level.PATIENT, Level.STUDY, Level.SERIES):
        if owner.depth <= level.depth:
            keywords |= STORED[owner]
    return {keyword for keyword in keywords if not keyword.endswith("Sequence")}


def sort_keys(request: Request) -> tuple[SortKey, ...]:
    """`orderby=-StudyDate,PatientName` (pypacs's extension, as dcm4chee's): keywords or tags, each ascending or,
    with a leading '-', descending; repeated parameters add keys."""
    keys: list[SortKey] = []
    for value in request.query_params.getlist("orderby"):
        for item in (part.strip() for part in value.split(",")):
            if not item:
                continue
            descending = item.startswith("-")
            name = item.lstrip("+-")
            if len(name) == 8 and _is_hex(name):
                name = keyword_for_tag(int(name, 16)) or name
            keys.append(SortKey(name, descending))
    return tuple(keys)


def search(request: Request, level: Level, scope: dict[str, str]) -> Response:
    archive = _archive(request)
    identifier = build_identifier(request, level, scope)
    limit = _int_parameter(request, "limit")
    offset = _int_parameter(request, "offset") or 0
    effective = MAX_RESULTS if limit is None or limit > MAX_RESULTS else limit
    # One row more than asked tells whether the answer was cut, without counting every match.
    results = archive.find_json(level, identifier, root=Root.STUDY, limit=effective + 1, offset=offset,
                                order=sort_keys(request))  # fmt: skip
    first = list(_take(results, effective + 1))
    headers: dict[str, str] = {}
    warnings = []
    if len(first) > effective:
        first.pop()
        remaining = archive.count(level, identifier) - offset - effective
        warnings.append(f'299 pypacs "There are {remaining} additional results that can be requested"')
    if warnings:
        headers["Warning"] = ", ".join(warnings)
    base = str(request.base_url).rstrip("/") + request.app.state.dicomweb_root
    # One body, not a chunk per result: each streamed chunk costs a thread hop in the ASGI server.
    return Response(b"".join(_json_array(first, base)), media_type=DICOM_JSON, headers=headers)


def _take(results: Iterator[dict[str, Any]], count: int) -> Iterator[dict[str, Any]]:
    for number, document in enumerate(results):
        if number >= count:
            return
        yield document


def _json_array(documents: list[dict[str, Any]], base: str) -> Iterator[bytes]:
    yield b"["
    for number, document in enumerate(documents):
        _add_retrieve_url(document, base)
        yield (b"," if number else b"") + orjson.dumps(document)
    yield b"]"


def _add_retrieve_url(document: dict[str, Any], base: str) -> None:
    study = _value(document, "0020000D")
    if not study:
        return
    url = f"{base}/studies/{study}"
    series = _value(document, "0020000E")
    instance = _value(document, "00080018")
    if series and instance:
        url += f"/series/{series}/instances/{instance}"
    elif series:
        url += f"/series/{series}"
    document["00081190"] = {"vr": "UR", "Value": [url]}


def _value(document: dict[str, Any], tag: str) -> str | None:
    values = document.get(tag, {}).get("Value")
    return str(values[0]) if values else None


@router.get("/studies", summary="Search for studies")
def search_studies(request: Request) -> Response:
    return search(request, Level.STUDY, {})


@router.get("/series", summary="Search for series (all studies)")
def search_all_series(request: Request) -> Response:
    return search(request, Level.SERIES, {})


@router.get("/instances", summary="Search for instances (all studies)")
def search_all_instances(request: Request) -> Response:
    return search(request, Level.IMAGE, {})


@router.get("/studies/{study}/series", summary="Search for the series of a study")
def search_study_series(request: Request, study: str) -> Response:
    return search(request, Level.SERIES, {"StudyInstanceUID": study})


@router.get("/studies/{study}/instances", summary="Search for the instances of a study")
def search_study_instances(request: Request, study: str) -> Response:
    return search(request, Level.IMAGE, {"StudyInstanceUID": study})


@router.get("/studies/{study}/series/{series}/instances", summary="Search for the instances of a series")
def search_series_instances(request: Request, study: str, series: str) -> Response:
    return search(request, Level.IMAGE, {"StudyInstanceUID": study, "SeriesInstanceUID": series})
