"""A Key Object Selection document built with highdicom from a list of key images (titled from CID 7010, never as a
rejection note), and any KO but rejection notes read back into the same JSON. Datasets in and out: no archive here.
"""

from __future__ import annotations

from collections.abc import Mapping

import highdicom as hd
from pydantic import ValidationError
from pydicom.dataset import Dataset
from pydicom.sr.codedict import Collection, codes
from pydicom.sr.coding import Code as PydicomCode
from pydicom.uid import KeyObjectSelectionDocumentStorage

from pypacs.reports.content import Code, ImageReference
from pypacs.reports.errors import InvalidContent, UnreadableDocument
from pypacs.reports.identity import NewDocument
from pypacs.reports.key_objects.content import KeyImages

SOP_CLASS = KeyObjectSelectionDocumentStorage
DESCRIPTION = PydicomCode("113012", "DCM", "Key Object Description")
# CID 7010 titles of Instance Availability Notification rejection notes (PS3.4 Annex KK): such a KO tells other
# systems to hide or delete the images it selects. Never made from key images, never read as key images.
REJECTIONS = {"113001", "113037", "113038", "113039"}


def document_titles() -> dict[tuple[str, str], str]:
    """CID 7010 Key Object Selection Document Title: (scheme, value) -> meaning."""
    return {(code.scheme_designator, code.value): code.meaning for code in Collection("CID7010").concepts.values()}


def check_title(title: Code) -> None:
    """InvalidContent unless the title is one of CID 7010's, with its meaning, and no rejection note's."""
    meaning = document_titles().get((title.scheme, title.value))
    if meaning is None:
        raise InvalidContent(f"title {title.value} ({title.scheme}) is not a document title of CID 7010 (113000 Of "
                             "Interest, 113004 For Teaching, 113010 Quality Issue…)")  # fmt: skip
    if meaning.casefold() != title.meaning.strip().casefold():
        raise InvalidContent(f"title {title.value} ({title.scheme}) is {meaning!r} in CID 7010, not {title.meaning!r}")
    if title.scheme == "DCM" and title.value in REJECTIONS:
        raise InvalidContent(f"{meaning!r} is the title of a rejection note (PS3.4 Annex KK), which tells other "
                             "systems to hide the images: key images cannot have it")  # fmt: skip


def build(selection: KeyImages, images: Mapping[str, Dataset], document: NewDocument) -> Dataset:
    """The KO for a selection whose images are all in `images` (headers by SOP Instance UID); its title must be one
    of CID 7010's (check_title)."""
    check_title(selection.title)
    headers = list({ref.sop_instance_uid: images[ref.sop_instance_uid] for ref in selection.images}.values())
    title = PydicomCode(selection.title.value, selection.title.scheme, selection.title.meaning)
    try:
        observer = None
        if selection.observer:
            observer = hd.sr.ObserverContext(
                observer_type=codes.DCM.Person,
                observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(name=selection.observer),
            )
        content = hd.ko.KeyObjectSelection(document_title=title, referenced_objects=headers,
                                           observer_person_context=observer, description=selection.description)
        return hd.ko.KeyObjectSelectionDocument(
            evidence=headers,
            content=content,
            series_instance_uid=document.series_instance_uid,
            series_number=document.series_number,
            sop_instance_uid=document.sop_instance_uid,
            instance_number=document.instance_number,
            manufacturer=document.equipment.manufacturer,
            series_description="Key images",
        )
    except (ValueError, TypeError) as error:
        raise InvalidContent(f"key images: {error}") from error


def read(ds: Dataset) -> KeyImages:
    """Any KO but a rejection note: its title, description, person observer and the images (study, series, SOP
    class from its evidence; other objects it selects too)."""
    if str(ds.get("SOPClassUID", "")) != SOP_CLASS:
        raise UnreadableDocument(f"{ds.get('SOPInstanceUID', 'the object')} is not a key object selection")
    try:
        where = {str(item.ReferencedSOPInstanceUID): (str(study.StudyInstanceUID), str(series.SeriesInstanceUID))
                 for study in ds.get("CurrentRequestedProcedureEvidenceSequence", [])
                 for series in study.get("ReferencedSeriesSequence", [])
                 for item in series.get("ReferencedSOPSequence", [])}  # fmt: skip
        root = ds.ConceptNameCodeSequence[0]
        title = Code(value=str(root.CodeValue), scheme=str(root.CodingSchemeDesignator), meaning=str(root.CodeMeaning))
        if title.scheme == "DCM" and title.value in REJECTIONS:
            raise UnreadableDocument(f"{ds.get('SOPInstanceUID', 'the object')} is a rejection note "
                                     f"({title.meaning}), not a key image selection")  # fmt: skip
        description, observer, references = None, None, []
        for item in ds.get("ContentSequence", []):
            name = item.ConceptNameCodeSequence[0] if item.get("ConceptNameCodeSequence") else None
            if item.ValueType == "TEXT" and name is not None and str(name.CodeValue) == DESCRIPTION.value:
                description = str(item.TextValue)
            elif item.ValueType == "PNAME" and observer is None:
                observer = str(item.PersonName)
            elif item.ValueType in ("IMAGE", "COMPOSITE", "WAVEFORM"):
                for sop in item.ReferencedSOPSequence:
                    study, series = where.get(str(sop.ReferencedSOPInstanceUID), (None, None))
                    frames = sop.get("ReferencedFrameNumber")
                    frame = int(frames[0] if isinstance(frames, list) else frames) if frames else None
                    references.append(ImageReference(
                        study_instance_uid=study, series_instance_uid=series, frame_number=frame,
                        sop_instance_uid=str(sop.ReferencedSOPInstanceUID),
                        sop_class_uid=str(sop.ReferencedSOPClassUID),
                    ))  # fmt: skip
        return KeyImages(title=title, description=description, observer=observer, images=references)
    except (ValidationError, AttributeError, KeyError, IndexError, TypeError, ValueError) as error:
        raise UnreadableDocument(f"key object selection {ds.get('SOPInstanceUID', '')}: {error}") from error
