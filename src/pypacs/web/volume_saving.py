"""3D routes of pypacs's REST API, part four: reconstructions saved as a new DICOM series through the archive's one
ingest path (so QIDO-RS, C-FIND, C-MOVE and every viewer see them): planes and slabs as derived images with their
geometry, renderings (a turn of the camera) as secondary captures.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson
from fastapi import APIRouter, Request
from pydicom.dataset import Dataset

from pypacs.archive.errors import InvalidQuery
from pypacs.archive.service import Archive
from pypacs.dicom.json_model import dataset_from_json
from pypacs.reports.identity import part10_bytes
from pypacs.volume.derived import captures, plane_images
from pypacs.volume.model import Volume
from pypacs.volume.raycast import RenderMode
from pypacs.volume.reslice import sample, slab
from pypacs.web.rendered import render_options
from pypacs.web.volume import windowed_display
from pypacs.web.volume_parameters import camera_request, degrees, numbers, plane_request, slab_mode, slab_thickness
from pypacs.web.volume_paths import reformation
from pypacs.web.volume_rendering import RENDER_SIZE, preset_of, rendered_picture, threshold_of
from pypacs.web.wado import archive_of

router = APIRouter(tags=["3D"])

MAX_IMAGES = 500


def _count_and_step(request: Request, default_step: float | None) -> tuple[int, float | None]:
    parameters = request.query_params
    count = int(numbers("count", parameters["count"], 1)[0]) if parameters.get("count") else 1
    if not 1 <= count <= MAX_IMAGES:
        raise InvalidQuery(f"count must be 1 to {MAX_IMAGES} images")
    step = float(numbers("step", parameters["step"], 1)[0]) if parameters.get("step") else default_step
    if step is not None and not 0 < abs(step) <= 1000:
        raise InvalidQuery("step must be a non-zero distance (mm) or angle (degrees) up to 1000")
    return count, step


def _description(request: Request, default: str) -> str:
    text = request.query_params.get("description", default).strip() or default
    if any(ord(character) < 32 for character in text) or "\\" in text:
        raise InvalidQuery("description must be one line of text without backslashes")
    return text[:64]


def _source(archive: Archive, study: str, series: str) -> Dataset:
    """The header of the series' first image: its patient, study, modality and frame of reference."""
    _, text, _ = archive.instance_metadata(study, series)[0]
    return dataset_from_json(orjson.loads(text))


def _store(archive: Archive, images: list[Dataset]) -> dict[str, Any]:
    for ds in images:
        archive.store(part10_bytes(ds))
    first = images[0]
    return {"studyInstanceUID": str(first.StudyInstanceUID), "seriesInstanceUID": str(first.SeriesInstanceUID),
            "sopClassUID": str(first.SOPClassUID), "instances": len(images)}  # fmt: skip


@router.post("/studies/{study}/series/{series}/mpr/series", status_code=201,
             summary="Save multiplanar reformations as a new series of derived images")  # fmt: skip
def save_mpr(request: Request, study: str, series: str) -> dict[str, Any]:
    """`count` parallel planes (as /mpr takes them: `plane`, `point`, `right`, `down`, `slab`, `mode`) `step` mm
    apart along their normal (the slab's thickness, else one voxel, by default), centred on the plane asked for;
    stored as derived CT or MR images (other modalities: secondary captures) placed by their planes, in the
    source's Frame of Reference. `description` names the series."""
    asked, thickness, mode = plane_request(request), slab_thickness(request, 0.0), slab_mode(request, "mip")
    count, step = _count_and_step(request, None)
    archive = archive_of(request)
    volume = archive.series_volume(study, series)
    base = asked.plane(volume)
    along = step or thickness or float(min(volume.spacing))
    kind = {"mip": "MIP", "minip": "MINIP", "average": "AVERAGE"}[mode] if thickness > 0 else "MPR"
    description = _description(request, f"{kind} {asked.name}" + (f" {thickness:g} mm" if thickness else ""))
    planes = []
    for number in range(count):
        plane = replace(base, origin=base.origin + (number - (count - 1) / 2) * along * base.normal)
        planes.append((plane, slab(volume, plane, thickness, mode) if thickness > 0 else sample(volume, plane)))
    images = plane_images(_source(archive, study, series), planes, thickness or along, description, volume.window,
                          kind)  # fmt: skip
    return _store(archive, images)


def _save_turn(request: Request, study: str, series: str, mode: RenderMode, kind: str, default: str) -> dict[str, Any]:
    camera_request(request)
    render_options(request, RENDER_SIZE)
    transfer = preset_of(request) if mode == "vr" else None
    threshold = threshold_of(request, 300.0)
    count, step = _count_and_step(request, None)
    archive = archive_of(request)
    volume: Volume = archive.series_volume(study, series)
    turn = step if step is not None else 360.0 / count
    pictures = [rendered_picture(request, volume, mode, transfer, threshold, number * turn)[0]
                for number in range(count)]  # fmt: skip
    images = captures(_source(archive, study, series), pictures, _description(request, default), kind)
    return _store(archive, images)


@router.post("/studies/{study}/series/{series}/vr/series", status_code=201,
             summary="Save volume renderings (a turn of the camera) as a new series of secondary captures")  # fmt: skip
def save_vr(request: Request, study: str, series: str) -> dict[str, Any]:
    """`count` renderings as /vr makes them, the camera turned `step` degrees (360 / count by default) about the
    patient's head-foot axis from one to the next; stored as secondary captures (RGB)."""
    return _save_turn(request, study, series, "vr", "VR", "Volume rendering")


@router.post("/studies/{study}/series/{series}/ssd/series", status_code=201,
             summary="Save surface shaded displays as a new series of secondary captures")  # fmt: skip
def save_ssd(request: Request, study: str, series: str) -> dict[str, Any]:
    """As /vr/series, of /ssd's pictures."""
    return _save_turn(request, study, series, "ssd", "SSD", "Surface shaded display")


@router.post("/studies/{study}/series/{series}/mip/series", status_code=201,
             summary="Save a rotating MIP as a new series of secondary captures")  # fmt: skip
def save_rotating_mip(request: Request, study: str, series: str) -> dict[str, Any]:
    """As /vr/series, of MIPs along the camera's rays (windowed as /mip's)."""
    return _save_turn(request, study, series, "mip", "MIP", "Rotating MIP")


@router.post("/studies/{study}/series/{series}/cpr/series", status_code=201,
             summary="Save a curved planar reformation as a secondary capture")  # fmt: skip
def save_cpr(request: Request, study: str, series: str) -> dict[str, Any]:
    """The CPR as /cpr makes it (`path`, `kind`, `angle`, `width`, `window`), or `count` of them with the cut plane
    turned `step` degrees (180 / count by default) about the path from one to the next: secondary captures."""
    count, step = _count_and_step(request, None)
    turn = step if step is not None else 180.0 / count
    start, pictures = degrees(request, "angle"), []
    for number in range(count):
        made = reformation(request, study, series, start + number * turn)
        pictures.append(windowed_display(request, made.volume, made.values)[0])
    archive = archive_of(request)
    return _store(archive, captures(_source(archive, study, series), pictures, _description(request, "CPR"), "CPR"))
