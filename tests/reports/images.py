"""Referenced images for the reports tests: a CT (or other) series of 64x64 images with pixel spacing and a window,
made by tests/conftest.py's make_dataset."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from tests.conftest import make_dataset

SIZE = 64


def image_series(count: int = 3, **attributes: Any) -> list[Dataset]:
    """`count` images of one new study and series (64x64, 0.5 mm pixels, window 40/400 unless given)."""
    study, series = generate_uid(), generate_uid()
    pixels = (np.arange(SIZE * SIZE, dtype=np.uint16) % 2000).reshape(SIZE, SIZE).tobytes()
    defaults: dict[str, Any] = {"Rows": SIZE, "Columns": SIZE, "PixelSpacing": [0.5, 0.5], "WindowCenter": 40,
                                "WindowWidth": 400, "RescaleSlope": 1, "RescaleIntercept": -1024,
                                "PixelData": pixels, "StudyInstanceUID": study,
                                "SeriesInstanceUID": series}  # fmt: skip
    return [make_dataset(**{**defaults, "InstanceNumber": number + 1, **attributes}) for number in range(count)]


def by_sop(images: list[Dataset]) -> dict[str, Dataset]:
    return {str(image.SOPInstanceUID): image for image in images}
