"""Ordered query results (QIDO-RS `orderby`): by indexed attributes of the level or above, names regardless of
case, pages that fit together, and a clear refusal of what cannot be ordered by; on both SQL back ends."""

from __future__ import annotations

import pytest
from pydicom.dataset import Dataset

from pypacs.archive.errors import InvalidQuery
from pypacs.archive.query import SortKey
from pypacs.archive.service import Archive
from pypacs.dicom.levels import Level
from tests.archive.conftest import S1, S2, S3, S4, S5
from tests.conftest import make_object


def ordered(archive: Archive, level: Level, *order: SortKey, limit: int | None = None, offset: int = 0,
            **keys: str) -> list[str]:  # fmt: skip
    identifier = Dataset()
    unique = {Level.STUDY: "StudyInstanceUID", Level.SERIES: "SeriesInstanceUID"}[level]
    setattr(identifier, unique, "")
    for keyword, value in keys.items():
        setattr(identifier, keyword, value)
    found = archive.find_json(level, identifier, order=order, limit=limit, offset=offset)
    tag = {Level.STUDY: "0020000D", Level.SERIES: "0020000E"}[level]
    return [document[tag]["Value"][0] for document in found]


def test_studies_in_date_and_time_order_newest_first(populated: Archive):
    newest_first = ordered(populated, Level.STUDY, SortKey("StudyDate", True), SortKey("StudyTime", True))
    assert newest_first == [S5, S4, S3, S1, S2]
    assert ordered(populated, Level.STUDY, SortKey("StudyDate"), SortKey("StudyTime")) == [S2, S1, S3, S4, S5]


def test_names_sort_regardless_of_case_and_ties_keep_storage_order(archive: Archive):
    uids = []
    for number, name in enumerate(["clark^c", "Adams^A", "BAKER^B", "adams^b"]):
        uid = f"1.2.826.0.1.98.{number}"
        archive.store(make_object(PatientID=f"Q{number}", PatientName=name, StudyInstanceUID=uid))
        uids.append(uid)
    assert ordered(archive, Level.STUDY, SortKey("PatientName")) == [uids[1], uids[3], uids[2], uids[0]]
    assert ordered(archive, Level.STUDY, SortKey("PatientName", True)) == [uids[0], uids[2], uids[3], uids[1]]
    second = f"{uids[1]}.2"  # a second study of Adams^A, stored later: after the first one either way
    archive.store(make_object(PatientID="Q1", PatientName="Adams^A", StudyInstanceUID=second))
    assert ordered(archive, Level.STUDY, SortKey("PatientName"))[:3] == [uids[1], second, uids[3]]
    assert ordered(archive, Level.STUDY, SortKey("PatientName", True))[-3:] == [uids[3], second, uids[1]]


def test_pages_of_an_ordered_search_fit_together(populated: Archive):
    order = (SortKey("PatientName"), SortKey("AccessionNumber", True))
    whole = ordered(populated, Level.STUDY, *order)
    assert len(whole) == 5
    pages = [ordered(populated, Level.STUDY, *order, limit=2, offset=offset) for offset in (0, 2, 4)]
    assert [uid for page in pages for uid in page] == whole
    assert ordered(populated, Level.STUDY, *order, limit=2, offset=2, PatientName="doe*") == []
    assert ordered(populated, Level.STUDY, *order, PatientName="doe*") == [S2, S1]  # ACC2 before ACC1: descending


def test_series_can_be_ordered_by_their_own_and_their_studys_attributes(populated: Archive):
    by_study_date = ordered(populated, Level.SERIES, SortKey("StudyDate"), SortKey("SeriesNumber", True))
    assert by_study_date == [S2 + ".1", S1 + ".2", S1 + ".1", S3 + ".1", S4 + ".1", S5 + ".1"]


def test_ordering_by_what_has_no_column_at_the_level_is_refused_with_the_choices(populated: Archive):
    with pytest.raises(InvalidQuery, match="cannot be ordered by SeriesDescription.*StudyDate"):
        ordered(populated, Level.STUDY, SortKey("SeriesDescription"))
    with pytest.raises(InvalidQuery, match="cannot be ordered by NoSuchKeyword"):
        ordered(populated, Level.STUDY, SortKey("NoSuchKeyword"))


@pytest.mark.filterwarnings("error::sqlalchemy.exc.SAWarning")  # a table read but not joined: a cartesian product
@pytest.mark.parametrize("level", [Level.STUDY, Level.SERIES, Level.IMAGE])
def test_pages_and_counts_join_what_their_keys_read_and_agree_with_the_whole_answer(populated: Archive,
                                                                                     level: Level):  # fmt: skip
    other_ids = Dataset()
    other_ids.PatientID = "OLD-7"
    populated.store(make_object(PatientID="P9", PatientName="Nguyen^Kim", StudyInstanceUID="1.2.826.0.1.97.1",
                                OtherPatientIDsSequence=[{"PatientID": "OLD-7"}], StudyDate="20240501"))  # fmt: skip
    procedure = Dataset()
    procedure.CodeValue = "X1"
    searches = [
        {"PatientName": "doe*"},
        {"OtherPatientIDsSequence": [other_ids]},
        {"ProcedureCodeSequence": [procedure]},
        {"ModalitiesInStudy": "MR", "StudyDate": "20240101-"},
        {},
    ]
    for keys in searches:
        identifier = Dataset()
        identifier.QueryRetrieveLevel = level.value
        for keyword, value in keys.items():
            setattr(identifier, keyword, value)
        for order in ((), (SortKey("PatientID", True),), (SortKey("StudyDate"),)):
            whole = list(populated.find_json(level, identifier, order=order))
            pages = []
            for offset in range(0, 10, 2):
                pages += populated.find_json(level, identifier, order=order, limit=2, offset=offset)
            assert pages == whole, (keys, order)
        assert populated.count(level, identifier) == len(whole), keys
        assert whole, keys
