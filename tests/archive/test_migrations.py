"""Schema upgrades keep what an older index holds and fill in what newer code relies on."""

from __future__ import annotations

import json

from sqlalchemy import text

from pypacs.archive.index import create_engines, migrate

PATIENT = {"00100010": {"vr": "PN", "Value": [{"Alphabetic": "Doe^John"}]}, "00100020": {"vr": "LO", "Value": ["P1"]}}
STUDY = {"0020000D": {"vr": "UI", "Value": ["1.2.3"]}, "00101030": {"vr": "DS", "Value": [72.5]},
         "00081030": {"vr": "LO", "Value": ["Épaule", "Knie"]}}  # fmt: skip
SERIES = {"0020000E": {"vr": "UI", "Value": ["1.2.3.4"]}, "00200011": {"vr": "IS", "Value": [3]}}


def test_upgrading_fills_in_the_attribute_texts_of_rows_indexed_before(database_url: str):
    engines = create_engines(database_url, fsync=False)
    try:
        migrate(engines, "0002")
        with engines.writer.begin() as connection:
            connection.execute(text("INSERT INTO patient (pk, patient_id, attributes) VALUES (1, 'P1', :a)"),
                               {"a": json.dumps(PATIENT)})  # fmt: skip
            connection.execute(text("INSERT INTO study (pk, patient_fk, study_instance_uid, attributes) "
                                    "VALUES (1, 1, '1.2.3', :a)"), {"a": json.dumps(STUDY)})  # fmt: skip
            connection.execute(text("INSERT INTO series (pk, study_fk, series_instance_uid, attributes) "
                                    "VALUES (1, 1, '1.2.3.4', :a)"), {"a": json.dumps(SERIES)})  # fmt: skip
        migrate(engines)
        with engines.reader.connect() as connection:
            found = {table: json.loads(connection.execute(text(f"SELECT attribute_texts FROM {table}")).scalar_one())
                     for table in ("patient", "study", "series")}  # fmt: skip
            attributes = connection.execute(text("SELECT attributes FROM study")).scalar_one()
    finally:
        engines.dispose()
    assert found == {
        "patient": {"00100010": "Doe^John", "00100020": "P1"},
        "study": {"0020000D": "1.2.3", "00101030": None, "00081030": "Épaule\\Knie"},
        "series": {"0020000E": "1.2.3.4", "00200011": "3"},
    }
    assert json.loads(attributes) == STUDY
