"""One stored instance found by its three UIDs (what every frame request asks first), on SQLite and PostgreSQL:
the right row, nothing for a triple that does not name one, the new blob after a replacement."""

from __future__ import annotations

import pytest

from pypacs.archive.errors import InvalidQuery, NotFound
from pypacs.archive.service import Archive
from pypacs.config import Settings
from tests.conftest import make_object

STUDY, SERIES, OTHER_SERIES = "1.2.826.0.1.77.1", "1.2.826.0.1.77.1.1", "1.2.826.0.1.77.1.2"
SOP, OTHER_SOP = "1.2.826.0.1.77.1.1.1", "1.2.826.0.1.77.1.2.1"


def test_an_instance_is_found_by_its_study_series_and_sop_instance_uids(archive: Archive):
    archive.store(make_object(StudyInstanceUID=STUDY, SeriesInstanceUID=SERIES, SOPInstanceUID=SOP))
    archive.store(make_object(StudyInstanceUID=STUDY, SeriesInstanceUID=OTHER_SERIES, SOPInstanceUID=OTHER_SOP))
    [stored] = archive.stored_instances(STUDY, SERIES, SOP)
    found = archive.instance(STUDY, SERIES, SOP)
    assert found == stored
    assert (found.sop_instance_uid, found.series_instance_uid, found.study_instance_uid) == (SOP, SERIES, STUDY)
    assert archive.instance(STUDY, OTHER_SERIES, OTHER_SOP).blob_key != found.blob_key
    for study, series, sop in ((STUDY, OTHER_SERIES, SOP), ("1.2.3", SERIES, SOP), (STUDY, SERIES, "1.2.3")):
        with pytest.raises(NotFound):
            archive.instance(study, series, sop)
    with pytest.raises(InvalidQuery, match="NUL"):
        archive.instance(STUDY, SERIES, SOP + "\x00")
    for _ in range(50):  # pooled connections come back clean: many lookups in a row, each answered
        assert archive.instance(STUDY, SERIES, SOP) == stored


def test_a_replaced_instance_is_found_with_its_new_blob(settings: Settings):
    uids = {"StudyInstanceUID": STUDY, "SeriesInstanceUID": SERIES, "SOPInstanceUID": SOP}
    with Archive.open(settings.model_copy(update={"duplicate_policy": "replace"})) as archive:
        archive.store(make_object(**uids, InstanceNumber=1))
        before = archive.instance(STUDY, SERIES, SOP)
        archive.store(make_object(**uids, InstanceNumber=2))  # other bytes: the stored version is replaced
        after = archive.instance(STUDY, SERIES, SOP)
        assert after.blob_key != before.blob_key
        assert [after] == archive.stored_instances(STUDY, SERIES, SOP)
