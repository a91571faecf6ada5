"""The tag browser's dictionary: keywords by tag from pydicom, repeating groups as masks, cacheable."""

from __future__ import annotations

from fastapi.testclient import TestClient

from pypacs.dicom.dictionary import keywords_by_tag


def test_keywords_are_pydicoms_by_eight_hex_digits_with_repeating_groups_as_masks():
    keywords = keywords_by_tag()
    assert keywords["00280030"] == "PixelSpacing"
    assert keywords["00082218"] == "AnatomicRegionSequence"
    assert keywords["7FE00010"] == "PixelData"
    assert keywords["60xx3000"] == "OverlayData"
    assert all(len(tag) == 8 for tag in keywords)


def test_the_dictionary_is_served_for_the_viewer_and_may_be_cached(client: TestClient):
    response = client.get("/api/dicom-dictionary", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.json()["00100010"] == "PatientName"
    assert "max-age" in response.headers["Cache-Control"]
    assert response.headers.get("Content-Encoding") == "gzip"
