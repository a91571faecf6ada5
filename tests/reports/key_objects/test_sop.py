"""Key Object Selection documents from a list of key images, and back with each image's study and series."""

from __future__ import annotations

from io import BytesIO

import highdicom as hd
import pytest
from pydicom import dcmread
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

from pypacs.reports.errors import InvalidContent, UnreadableDocument
from pypacs.reports.identity import Equipment, NewDocument, part10_bytes
from pypacs.reports.key_objects import sop
from pypacs.reports.key_objects.content import OF_INTEREST, KeyImages
from tests.reports.images import by_sop, image_series


def test_key_images_are_of_interest_unless_titled_and_read_back_with_their_series():
    images = image_series(3)
    selection = KeyImages.model_validate({"images": [{"sopInstanceUID": str(image.SOPInstanceUID)}
                                                     for image in images[:2]], "description": "two findings",
                                          "observer": "Doe^Jane"})  # fmt: skip
    ds = dcmread(BytesIO(part10_bytes(sop.build(selection, by_sop(images), NewDocument.fresh(9903, Equipment())))))
    assert ds.SOPClassUID == sop.SOP_CLASS and ds.Modality == "KO"
    read = sop.read(ds)
    assert read.title == OF_INTEREST and read.description == "two findings" and read.observer == "Doe^Jane"
    assert [(r.study_instance_uid, r.series_instance_uid, r.sop_instance_uid, r.sop_class_uid)
            for r in read.images] == [
        (image.StudyInstanceUID, image.SeriesInstanceUID, image.SOPInstanceUID, image.SOPClassUID)
        for image in images[:2]
    ]  # fmt: skip


def test_a_given_title_is_kept():
    images = image_series(1)
    title = {"value": "113004", "scheme": "DCM", "meaning": "For Teaching"}
    images_json = [{"sopInstanceUID": str(images[0].SOPInstanceUID)}]
    selection = KeyImages.model_validate({"title": title, "images": images_json})
    ds = sop.build(selection, by_sop(images), NewDocument.fresh(9903, Equipment()))
    read = sop.read(dcmread(BytesIO(part10_bytes(ds))))
    assert read.title.model_dump() == title and read.description is None and read.observer is None


@pytest.mark.parametrize(
    ("title", "words"),
    [
        ({"value": "999999", "scheme": "DCM", "meaning": "Interesting"}, "not a document title of CID 7010"),
        ({"value": "113001", "scheme": "DCM", "meaning": "Quality Issue"}, "is 'Rejected for Quality Reasons'"),
        ({"value": "113001", "scheme": "DCM", "meaning": "Rejected for Quality Reasons"}, "rejection note"),
        ({"value": "113037", "scheme": "DCM", "meaning": "Rejected for Patient Safety Reasons"}, "rejection note"),
    ],
)
def test_titles_outside_cid_7010_with_another_meaning_or_of_rejection_notes_are_refused(title, words):
    images = image_series(1)
    selection = KeyImages.model_validate({"title": title, "images": [{"sopInstanceUID": images[0].SOPInstanceUID}]})
    with pytest.raises(InvalidContent, match=words):
        sop.build(selection, by_sop(images), NewDocument.fresh(9903, Equipment()))


def test_quality_issue_is_113010_and_its_meaning_may_differ_in_case():
    images = image_series(1)
    title = {"value": "113010", "scheme": "DCM", "meaning": "quality issue"}
    selection = KeyImages.model_validate({"title": title, "images": [{"sopInstanceUID": images[0].SOPInstanceUID}]})
    assert sop.build(selection, by_sop(images), NewDocument.fresh(9903, Equipment())).Modality == "KO"


def test_a_rejection_note_is_not_read_as_key_images():
    images = image_series(2)
    note = hd.ko.KeyObjectSelectionDocument(
        evidence=images, content=hd.ko.KeyObjectSelection(document_title=codes.DCM.RejectedForQualityReasons,
                                                          referenced_objects=images),
        series_instance_uid=generate_uid(), series_number=1, sop_instance_uid=generate_uid(), instance_number=1,
        manufacturer="elsewhere",
    )  # fmt: skip
    with pytest.raises(UnreadableDocument, match="rejection note"):
        sop.read(dcmread(BytesIO(part10_bytes(note))))
