"""Benchmark: study-level queries over an index of 1,000,000 instances in 10,000 studies.

Generates the index rows directly (no blobs), then times PatientName wildcards, a StudyDate range and
ModalitiesInStudy matches: the SQL alone, and every result built as DICOM JSON (QIDO-RS), as an encoded data set
(C-FIND) and as a pydicom Dataset. Prints median milliseconds.

    .venv/bin/python bench/query.py [--studies 10000] [--instances-per-study 100] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from pydicom.dataset import Dataset
from sqlalchemy import insert

from pypacs.archive.index import instance, instance_metadata, patient, series, study
from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.dicom.element_texts import attribute_texts_json
from pypacs.dicom.levels import Level, Root
from pypacs.dicom.matching import person_name_search_text

SURNAMES = [
    "SMITH", "JOHNSON", "WILLIAMS", "BROWN", "JONES", "GARCIA", "MILLER", "DAVIS", "RODRIGUEZ", "MARTINEZ",
    "HERNANDEZ", "LOPEZ", "GONZALEZ", "WILSON", "ANDERSON", "THOMAS", "TAYLOR", "MOORE", "JACKSON", "MARTIN",
    "LEE", "PEREZ", "THOMPSON", "WHITE", "HARRIS", "SANCHEZ", "CLARK", "RAMIREZ", "LEWIS", "ROBINSON",
    "WALKER", "YOUNG", "ALLEN", "KING", "WRIGHT", "SCOTT", "TORRES", "NGUYEN", "HILL", "FLORES",
    "GREEN", "ADAMS", "NELSON", "BAKER", "HALL", "RIVERA", "CAMPBELL", "MITCHELL", "CARTER", "ROBERTS",
    "MÜLLER", "SCHMIDT", "SCHNEIDER", "FISCHER", "WEBER", "MEYER", "WAGNER", "BECKER", "SCHULZ", "HOFFMANN",
    "DUBOIS", "DURAND", "LEROY", "MOREAU", "SIMON", "LAURENT", "LEFEBVRE", "MICHEL", "ROSSI", "RUSSO",
]  # fmt: skip
GIVEN = ["JOHN", "MARY", "JAMES", "ANNA", "PETER", "LINDA", "PAUL", "SUSAN", "MARK", "KAREN", "LUC", "EVA"]
MODALITY_MIX = [("CT", 30), ("MR", 20), ("CR", 15), ("DX", 10), ("US", 10), ("MG", 5), ("PT", 5), ("NM", 5)]
SOP_CLASS = {"CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4", "PT": "1.2.840.10008.5.1.4.1.1.128"}


def _json_columns(document: dict) -> dict[str, str]:
    return {"attributes": json.dumps(document), "attribute_texts": attribute_texts_json(document)}


def populate(archive: Archive, studies: int, per_study: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    patients = studies // 2
    start = date(2015, 1, 1)
    modalities = [m for m, weight in MODALITY_MIX for _ in range(weight)]
    with archive.engines.writer.begin() as connection:
        patient_rows = []
        for p in range(patients):
            name = f"{rng.choice(SURNAMES)}^{rng.choice(GIVEN)}"
            birth_date = f"{rng.randint(1930, 2020)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            sex = rng.choice("MF")
            patient_rows.append({
                "pk": p + 1, "patient_id": f"PID{p:07d}", "patient_name": name,
                "patient_name_search": person_name_search_text(name), "patient_birth_date": birth_date,
                "patient_sex": sex, "num_studies": 2,
                **_json_columns({
                    "00100010": {"vr": "PN", "Value": [{"Alphabetic": name}]},
                    "00100020": {"vr": "LO", "Value": [f"PID{p:07d}"]},
                    "00100030": {"vr": "DA", "Value": [birth_date]},
                    "00100040": {"vr": "CS", "Value": [sex]},
                }),
            })  # fmt: skip
        connection.execute(insert(patient), patient_rows)
        study_rows, series_rows, instance_rows, metadata_rows = [], [], [], []
        series_pk = instance_pk = 0
        for s in range(studies):
            day = start + timedelta(days=rng.randrange(3650))
            kinds = sorted({rng.choice(modalities) for _ in range(rng.choice([1, 1, 1, 2, 3]))})
            uid = f"1.2.826.0.1.3680043.10.1.{s}"
            study_rows.append({
                "pk": s + 1, "patient_fk": s % patients + 1, "study_instance_uid": uid,
                "study_date": day.strftime("%Y%m%d"), "study_time": (time := f"{rng.randint(7, 19):02d}0000.000000"),
                "accession_number": f"A{s:08d}", "study_description": f"{kinds[0]} EXAM",
                "modalities_in_study": "\\".join(kinds), "num_series": len(kinds), "num_instances": per_study,
                **_json_columns({
                    "0020000D": {"vr": "UI", "Value": [uid]},
                    "00080020": {"vr": "DA", "Value": [day.strftime("%Y%m%d")]},
                    "00080030": {"vr": "TM", "Value": [time]},
                    "00080050": {"vr": "SH", "Value": [f"A{s:08d}"]},
                    "00080090": {"vr": "PN", "Value": [{"Alphabetic": f"{rng.choice(SURNAMES)}^{rng.choice(GIVEN)}"}]},
                    "00081030": {"vr": "LO", "Value": [f"{kinds[0]} EXAM"]},
                    "00200010": {"vr": "SH", "Value": [str(s % 10000)]},
                }),
            })  # fmt: skip
            remaining = per_study
            for n, modality in enumerate(kinds):
                series_pk += 1
                count = remaining if n == len(kinds) - 1 else per_study // len(kinds)
                remaining -= count
                series_rows.append({
                    "pk": series_pk, "study_fk": s + 1, "series_instance_uid": f"{uid}.{n}", "modality": modality,
                    "series_number": n + 1, "num_instances": count, **_json_columns({
                        "0020000E": {"vr": "UI", "Value": [f"{uid}.{n}"]},
                        "00080060": {"vr": "CS", "Value": [modality]},
                        "00200011": {"vr": "IS", "Value": [n + 1]},
                    }),
                })  # fmt: skip
                for i in range(count):
                    instance_pk += 1
                    instance_rows.append({
                        "pk": instance_pk, "series_fk": series_pk, "study_fk": s + 1,
                        "sop_instance_uid": f"{uid}.{n}.{i}", "sop_class_uid": SOP_CLASS.get(modality, "1.2.3"),
                        "instance_number": i + 1, "transfer_syntax_uid": "1.2.840.10008.1.2.1",
                        "blob_key": f"k{instance_pk}", "size": 525000, "digest": "0" * 64,
                    })  # fmt: skip
                    metadata_rows.append({"instance_fk": instance_pk, "json": "{}"})
            if len(instance_rows) >= 50_000:
                _flush(connection, study_rows, series_rows, instance_rows, metadata_rows)
        _flush(connection, study_rows, series_rows, instance_rows, metadata_rows)
    with archive.engines.writer.connect() as connection:
        connection.exec_driver_sql("ANALYZE")  # a bulk load leaves the planner without statistics
        connection.commit()


def _flush(connection, *batches) -> None:  # type: ignore[no-untyped-def]
    for table, rows in zip((study, series, instance, instance_metadata), batches, strict=True):
        if rows:
            connection.execute(insert(table), rows)
            rows.clear()


def identifier(**filters: str) -> Dataset:
    ds = Dataset()
    for keyword in ("PatientName", "PatientID", "StudyDate", "StudyTime", "AccessionNumber", "StudyDescription",
                    "StudyInstanceUID", "ModalitiesInStudy", "NumberOfStudyRelatedSeries",
                    "NumberOfStudyRelatedInstances"):  # fmt: skip
        setattr(ds, keyword, filters.get(keyword, ""))
    return ds


def time_query(archive: Archive, name: str, query: Dataset, runs: int) -> None:
    """Median ms of: the SQL alone (count), results as DICOM JSON (QIDO-RS), as encoded data sets (C-FIND),
    as pydicom Datasets."""
    columns = []
    found = 0
    for run in (
        lambda: archive.count(Level.STUDY, query),
        lambda: sum(1 for _ in archive.find_json(Level.STUDY, query)),
        lambda: sum(
            len(batch)
            for batch in archive.find_encoded(
                Level.STUDY, query, root=Root.STUDY, implicit_vr=False, encode_document=_refuse
            )
        ),
        lambda: sum(1 for _ in archive.find(Level.STUDY, query)),
    ):
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            found = run()
            timings.append((time.perf_counter() - started) * 1000)
        columns.append(statistics.median(timings))
    print(f"  {name:<30} {found:>6} studies   count {columns[0]:6.1f}   json {columns[1]:6.1f}   "
          f"encoded {columns[2]:6.1f}   datasets {columns[3]:6.1f}  (median ms)")  # fmt: skip


def _refuse(document: dict) -> bytes:
    raise AssertionError("every result of these queries is encoded from the index's texts")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--studies", type=int, default=10_000)
    parser.add_argument("--instances-per-study", type=int, default=100)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pypacs-bench-") as folder:
        settings = Settings(data_dir=Path(folder), database_url=args.database_url)
        with Archive.open(settings) as archive:
            started = time.perf_counter()
            populate(archive, args.studies, args.instances_per_study)
            counts = archive.counts()
            backend = archive.engines.reader.dialect.name
            print(f"index ({backend}): {counts.patients} patients, {counts.studies} studies, {counts.series} series, "
                  f"{counts.instances} instances, generated in {time.perf_counter() - started:.0f} s")  # fmt: skip
            print(
                "study-level queries: SQL alone (count), results as DICOM JSON (QIDO-RS), as encoded data sets "
                "(C-FIND), as pydicom Datasets:"
            )
            time_query(archive, "PatientName=SMITH*", identifier(PatientName="SMITH*"), args.runs)
            time_query(archive, "PatientName=*ER^J*", identifier(PatientName="*ER^J*"), args.runs)
            time_query(archive, "StudyDate=20240301-20240331", identifier(StudyDate="20240301-20240331"), args.runs)
            time_query(archive, "ModalitiesInStudy=MG", identifier(ModalitiesInStudy="MG"), args.runs)
            time_query(archive, "ModalitiesInStudy=MR", identifier(ModalitiesInStudy="MR"), args.runs)
            time_query(archive, "MR + StudyDate 2024", identifier(ModalitiesInStudy="MR", StudyDate="2024"
                       "0101-20241231"), args.runs)  # fmt: skip


if __name__ == "__main__":
    main()
