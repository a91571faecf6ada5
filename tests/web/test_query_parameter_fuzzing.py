"""Every GET route of the app driven with odd query parameter values (issue 9, point 7): huge, negative and
fractional numbers, inf/nan, empty, unicode, NUL, long strings, wildcards, ranges, commas, backslashes.

Whatever the values, the answer is never a 5xx, and every 4xx is an application/problem+json. Routes are read from
the app itself (so a new route is driven too), each with the parameter names of its family (by OpenAPI tag) and
those its OpenAPI operation declares; QIDO-RS routes also get arbitrary attribute filters. Deterministic
(derandomize) and bounded (each example requests every route once).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom import dcmread
from pydicom.data import get_testdata_file

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.web.app import create_app
from tests.conftest import make_object, postgres_database

STUDY, SERIES, SOP = "1.2.826.0.1.98.1", "1.2.826.0.1.98.1.1", "1.2.826.0.1.98.1.1.1"
MULTIFRAME = get_testdata_file("emri_small.dcm")  # 10 frames
MR = get_testdata_file("MR_small.dcm")

# Parameter names each family of routes reads (the OpenAPI tag names the family).
FAMILY_PARAMETERS: dict[str, tuple[str, ...]] = {
    "QIDO-RS": ("limit", "offset", "includefield", "fuzzymatching", "orderby"),
    "WADO-RS rendered": ("window", "viewport", "quality", "accept"),
    "WADO-RS": ("accept", "transfer-syntax"),
    "3D": ("plane", "point", "right", "down", "slab", "mode", "window", "viewport", "quality", "accept", "azimuth",
           "elevation", "zoom", "pan", "draft", "preset", "threshold", "path", "kind", "angle", "width", "at",
           "position", "look", "up", "fov", "yaw", "pitch", "lumen", "backwards", "clip"),
    "WADO-URI": ("requestType", "studyUID", "seriesUID", "objectUID", "contentType", "frameNumber", "windowCenter",
                 "windowWidth", "rows", "columns", "imageQuality", "transferSyntax", "anonymize", "charset"),
}  # fmt: skip
# Attribute filters for QIDO-RS: every VR kind (PN, LO, CS, UI, DA, TM, DT, IS, US, DS, AS, SQ), tags, private and
# unknown names, at every level.
ATTRIBUTES = (
    "PatientName", "PatientID", "PatientBirthDate", "PatientSex", "PatientAge", "StudyDate", "StudyTime",
    "AccessionNumber", "StudyDescription", "StudyInstanceUID", "ModalitiesInStudy", "SOPClassesInStudy",
    "ReferringPhysicianName", "StudyID", "Modality", "SeriesNumber", "SeriesInstanceUID", "SeriesDescription",
    "SeriesDate", "InstanceNumber", "SOPInstanceUID", "SOPClassUID", "Rows", "Columns", "NumberOfFrames",
    "AcquisitionDateTime", "SliceThickness", "ImageType", "NumberOfStudyRelatedInstances", "ReferencedStudySequence",
    "RequestAttributesSequence", "00100010", "0020000D", "00280010", "7FE00010", "00091010", "(0010,0020)",
    "NoSuchKeyword", "",
)  # fmt: skip
ODD_TEXTS = (
    "", " ", "0", "-0", "-1", "+1", "1", "2", "10", "1.5", "0.1", "-5", "1e3", "1e12", "1e400", "-1e400", "inf",
    "-inf", "nan", "NaN", "Infinity", "0x10", "1_000", "٣", "99999999999999999999", "-99999999999999999999",
    str(2**31), str(2**32), str(2**63), str(2**64), "9" * 400, "*", "?", "**", "a*b?", "*^*", "20240101-",
    "-20240101", "20240101-20241231", "2024-01-01", "1-2", "-", "--", "1,2", ",", ",,", "1,", ",1", "1,2,3,4,5,6",
    "40,400", "40,400,sigmoid", "40,400,bogus", "1,0", "inf,inf", "nan,1", "\\", "a\\b", "1\\2", "\\\\", "%", "_",
    "'", '"', "\x00", "a\x00b", "\x7f", "\x1b", "\r\n", "é", "中文", "\U0001f600", "\ufeff", "=", "^", "a^b=c",
    "true", "false", "all", "yes", "WADO", "x" * 5000, "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.1", "*/*",
    "image/jpeg", "image/png,image/gif", "application/dicom", "text/html", STUDY, SERIES, SOP,
)  # fmt: skip
odd_values = st.one_of(
    st.sampled_from(ODD_TEXTS),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats().map(repr),
    st.text(max_size=30),
    st.lists(st.integers(min_value=-(10**6), max_value=10**21).map(str), min_size=1, max_size=4).map(",".join),
)
attribute_names = st.one_of(st.sampled_from(ATTRIBUTES), st.text(max_size=12))


@dataclass(frozen=True)
class GetRoute:
    path: str
    family: str
    names: tuple[str, ...]  # query parameters the route is known to read


def get_routes(client: TestClient) -> list[GetRoute]:
    """Every GET operation of the OpenAPI document with the query parameters known for it (its family's and its
    declared ones), and the app's GET routes outside the document (/docs, /openapi.json...)."""
    document = client.get("/openapi.json").json()
    every_name = tuple(sorted({name for names in FAMILY_PARAMETERS.values() for name in names}))
    routes = []
    for path, item in document["paths"].items():
        if "get" in item:
            operation = item["get"]
            family = (operation.get("tags") or [""])[0]
            declared = tuple(p["name"] for p in operation.get("parameters", []) if p["in"] == "query")
            routes.append(GetRoute(path, family, (*FAMILY_PARAMETERS.get(family, ()), *declared) or every_name))
    for route in client.app.routes:  # type: ignore[attr-defined]
        path = getattr(route, "path", None)
        if path and path not in document["paths"] and "GET" in (getattr(route, "methods", None) or ()):
            routes.append(GetRoute(path, "", every_name))
    return routes


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    directory = tmp_path_factory.mktemp("fuzz")
    databases = postgres_database() if request.param == "postgresql" else iter([f"sqlite:///{directory}/i.sqlite"])
    url = next(databases)
    try:
        with Archive.open(Settings(data_dir=directory / "data", database_url=url)) as archive:
            archive.store(make_object(StudyInstanceUID=STUDY, SeriesInstanceUID=SERIES, SOPInstanceUID=SOP,
                                      InstanceNumber=3, PatientName="Doe^John"))  # fmt: skip
            for path in (MR, MULTIFRAME):
                archive.store(Path(path).read_bytes())
            with TestClient(create_app(archive), raise_server_exceptions=False) as test_client:
                yield test_client
    finally:
        next(databases, None)  # drops the PostgreSQL database


def path_values(client: TestClient) -> dict[str, list[str]]:
    """Stored UIDs (so requests get past the lookup to the parameters) and odd ones, per path parameter."""
    mr, multiframe = dcmread(MR, stop_before_pixels=True), dcmread(MULTIFRAME, stop_before_pixels=True)
    ours = [(STUDY, SERIES, SOP), *((str(d.StudyInstanceUID), str(d.SeriesInstanceUID), str(d.SOPInstanceUID))
                                    for d in (mr, multiframe))]  # fmt: skip
    return {
        "uids": [f"{a}|{b}|{c}" for a, b, c in ours] + ["1.2.3|1.2.3.4|1.2.3.4.5", "x|%00|*", f"{STUDY}||"],
        "frames": ["1", "2", "10", "11", "0", "-1", "1,2", "1,99999999999999999999", "inf", "1e400", "%20", ","],
        "tag": ["7FE00010", "00100010", "00280010", "-1", "zzzz", "999999999999", "FFFFFFFF", "0"],
    }


def filled(path: str, uids: str, frames: str, tag: str) -> str:
    study, series, sop = uids.split("|")
    values = {"study": study, "series": series, "sop": sop, "frames": frames, "tag": tag}
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m[1], "1") or "%20", path)


def parameters_for(route: GetRoute, drawn: dict[tuple[str, ...], list[tuple[str, str]]],
                   filters: list[tuple[str, str]], uids: str) -> list[tuple[str, str]]:  # fmt: skip
    params = list(drawn[route.names])
    if route.family == "QIDO-RS":
        params += filters
    if route.family == "WADO-URI":  # a valid request around the odd values, so that they are read
        study, series, sop = uids.split("|")
        params = [("requestType", "WADO"), ("studyUID", study), ("seriesUID", series), ("objectUID", sop), *params]
    return params


@settings(max_examples=60, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(data=st.data())
def test_no_query_parameter_value_makes_a_get_route_fail(client: TestClient, data: Any):
    routes = get_routes(client)
    values = path_values(client)
    uids = data.draw(st.sampled_from(values["uids"]), label="uids")
    frames = data.draw(st.sampled_from(values["frames"]), label="frames")
    tag = data.draw(st.sampled_from(values["tag"]), label="tag")
    drawn = {names: data.draw(st.lists(st.tuples(st.sampled_from(names), odd_values), max_size=4), label=names[0])
             for names in dict.fromkeys(route.names for route in routes)}  # fmt: skip
    filters = data.draw(st.lists(st.tuples(attribute_names, odd_values), max_size=3), label="attribute filters")
    for route in routes:
        path = filled(route.path, uids, frames, tag)
        params = parameters_for(route, drawn, filters, uids)
        response = client.get(path, params=params)
        where = f"GET {path} {params!r}: {response.status_code} {response.text[:300]!r}"
        assert response.status_code < 500, where
        if response.status_code >= 400:
            assert response.headers["content-type"] == "application/problem+json", where
