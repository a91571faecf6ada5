"""Key Object Selection documents from a list of key images, and back with each image's study and series."""

from __future__ import annotations

from io import BytesIO

from pydicom import dcmread

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
