"""A study to read in the browser tests of the viewer's documents: the shared GE head CT when present (28 slices,
tilted gantry), else a small synthetic CT, stored in a fresh archive served by a real `pypacs serve`; and what the
tests ask of the reading page (open it with reading.py, its canvas as pixels, the overlay's window text)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from pydicom import dcmread
from pydicom.dataset import Dataset

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.synthetic import PatientInfo, SeriesSpec, encode_part10, make_study
from pypacs.web.viewer import BUILT_VIEWER
from tests.browser.reading import ACTIVE
from tests.browser.reading import open_study as open_reading
from tests.conftest import SHARED_CT
from tests.interop.conftest import PacsProcess, start_pacs, stop_pacs


@dataclass
class ReadingStudy:
    study: str
    series: str
    files: list[bytes]  # Part 10 bytes, in instance number order
    headers: list[Dataset]  # the same, read (with pixels: highdicom wants whole images)
    url: str = ""

    @property
    def sops(self) -> list[str]:
        return [str(header.SOPInstanceUID) for header in self.headers]


def ct_files() -> list[bytes]:
    if SHARED_CT.exists():
        return [path.read_bytes() for path in sorted(SHARED_CT.glob("*.dcm"))]
    spec = SeriesSpec("CT", 6, 128, 128, 2.0, 5.0, "CT HEAD", body_part="HEAD")
    patient = PatientInfo("DOCS001", "Documents^Dora", "19700101", "F")
    return [encode_part10(ds) for ds in make_study([spec], seed=41, patient=patient, study_description="HEAD")]


def reading_study() -> ReadingStudy:
    files = ct_files()
    headers = sorted((dcmread(io.BytesIO(data)) for data in files), key=lambda ds: int(ds.InstanceNumber))
    by_sop = {str(dcmread(io.BytesIO(data), stop_before_pixels=True).SOPInstanceUID): data for data in files}
    ordered = [by_sop[str(header.SOPInstanceUID)] for header in headers]
    return ReadingStudy(str(headers[0].StudyInstanceUID), str(headers[0].SeriesInstanceUID), ordered, headers)


@contextmanager
def serving(root: Path, more: Callable[[ReadingStudy], list[bytes]] = lambda study: []) -> Iterator[ReadingStudy]:
    """The CT (and what `more` makes of it) in an archive under root, served until the block ends."""
    if not (BUILT_VIEWER / "manifest.json").exists():
        raise AssertionError("the viewer is not built: `make viewer` builds it (make test does)")
    study = reading_study()
    with Archive.open(Settings(data_dir=root / "data")) as archive:
        for data in [*study.files, *more(study)]:
            archive.store(data)
    pacs: PacsProcess = start_pacs(root / "data", "--dimse-processes", "1")
    study.url = pacs.http_url
    try:
        yield study
    finally:
        stop_pacs(pacs)


def open_study(page, study: ReadingStudy, **parameters: str):  # type: ignore[no-untyped-def]
    """The reading page of the study (`renderer="gpu"`…), its first image shown; returns the active viewport."""
    return open_reading(page, study.url, study.study, **parameters)


def window_text(width: float, center: float) -> str:
    """The overlay's "W/L 80/40" (the viewer rounds values of 10 or more to integers, others to tenths)."""

    def rounded(value: float) -> str:
        return str(round(value)) if abs(value) >= 10 else f"{round(value * 10) / 10:g}"

    return f"W/L {rounded(width)}/{rounded(center)}"


def own_window(header: Dataset) -> str:
    def first(value: object) -> float:
        return float(value[0] if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue" else value)  # type: ignore[index,arg-type]

    return window_text(first(header.WindowWidth), first(header.WindowCenter))


def canvas_pixels(page) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The active viewport's canvas as the screen shows it (RGB; overlays over it included)."""
    canvas = page.locator(f"{ACTIVE} canvas").first
    return np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("RGB"), dtype=np.int16)


def screen_pixels(page) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The whole page as shown (RGB)."""
    return np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB"), dtype=np.int16)
