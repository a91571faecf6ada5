"""Benchmark: 3D on the server (volume/, archive/volumes.py, web/volume.py) on a 512x512x500 CT series.

In process: the volume assembled from the archive (cold: a new archive object, so an empty volume cache; the
files are in the OS page cache, as on a server that has just received them) and from the cache; cuts (axial,
coronal, sagittal, oblique) and 10 mm slab MIPs at 512x512, bare and windowed + JPEG-encoded. Over HTTP
(`pypacs serve`): the first MPR picture of a series not yet assembled, then MPR and slab MIP pictures as a
viewer asks for them, and the server's memory (VmRSS, VmHWM). Beside it: what a browser viewer that builds the
volume itself (OHIF) must load first: every frame of the series (bytes, and the time to fetch them all in the
fastest way pypacs offers, one bulk data response).

    .venv/bin/python bench/volume.py [--slices 500] [--rounds 5] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import httpx
import numpy as np
from ingest import make_files  # type: ignore[import-not-found]

from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.imaging.render import encode_picture
from pypacs.imaging.voi import Window, apply_window
from pypacs.volume.cpr import cross_section, resample_path, straightened, stretched
from pypacs.volume.endoscopy import eye, fly
from pypacs.volume.raycast import camera_around, cast, transfer_presets
from pypacs.volume.reslice import Plane, plane_through, sample, slab, standard_plane
from pypacs.volume.surface import build_surface, stl_bytes
from viewer import pypacs_server  # type: ignore[import-not-found]

STUDY = "1.2.826.0.1.3680043.10.9.0"
TARGETS = {"assemble, cold": 1500.0, "assemble, cached": 50.0, "MPR": 30.0, "slab MIP": 30.0, "VR": 300.0,
           "VR drag": 50.0, "SSD": 150.0, "CPR": 50.0, "VE": 150.0, "surface": 2000.0}  # fmt: skip


def curve(centre: np.ndarray, points: int = 9) -> np.ndarray:
    """A path a reader might click along a vessel: a half turn of a helix through the volume's centre."""
    turn = np.linspace(0, np.pi, points)
    return centre + np.stack([60 * np.cos(turn), 40 * np.sin(turn), np.linspace(-100, 100, points)], axis=1)


def timed(call: Callable[[], object], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def line(name: str, times: list[float], target: float | None = None, extra: str = "") -> None:
    median = statistics.median(times)
    goal = f"  target < {target:,.0f} ms: {'met' if median < target else 'MISSED'}" if target else ""
    print(f"  {name:<44} {median:8.1f} ms  ({min(times):.1f}-{max(times):.1f}){goal}{extra}", flush=True)


def prepare(data_dir: Path, slices: int) -> str:
    """The archive with one 512x512 CT series of `slices` images; returns its series UID."""
    settings = Settings(data_dir=data_dir)
    if not (data_dir / "index.sqlite").exists():
        with tempfile.TemporaryDirectory(prefix="pypacs-bench-volume-") as tmp:
            [folder] = make_files(Path(tmp), slices, 1)
            subprocess.run([sys.executable, "-m", "pypacs", "import", str(folder), "--data-dir", str(data_dir)],
                           check=True, capture_output=True)  # fmt: skip
    with Archive.open(settings) as archive:
        targets = archive.stored_instances(STUDY)
        return targets[0].series_instance_uid


def in_process(data_dir: Path, series: str, rounds: int) -> None:
    print("In process (archive.series_volume, volume/reslice):")
    cold = []
    for _ in range(rounds):
        with Archive.open(Settings(data_dir=data_dir)) as archive:
            started = time.perf_counter()
            volume = archive.series_volume(STUDY, series)
            cold.append((time.perf_counter() - started) * 1000)
    with Archive.open(Settings(data_dir=data_dir)) as archive:
        volume = archive.series_volume(STUDY, series)
        print(f"  volume {volume.shape[2]}x{volume.shape[1]}x{volume.shape[0]}, {volume.voxels.dtype}, "
              f"{volume.nbytes / 2**20:.0f} MiB, spacing {volume.spacing}")  # fmt: skip
        line("assemble, cold (empty volume cache)", cold, TARGETS["assemble, cold"])
        line("assemble, cached", timed(lambda: archive.series_volume(STUDY, series), rounds * 4),
             TARGETS["assemble, cached"])  # fmt: skip
        centre = volume.to_patient(np.array(volume.shape[::-1]) / 2 - 0.5)
        window = Window(40, 400)

        def picture(plane: Plane) -> bytes:
            return encode_picture((apply_window(sample(volume, plane), window) * 255).astype(np.uint8))

        oblique = plane_through(volume, centre, np.array([1.0, 1.0, 0.0]), np.array([0.0, 0.3, -1.0])).fitted(512, 512)
        planes = [(name, standard_plane(volume, name, centre)) for name in ("axial", "coronal", "sagittal")]
        for name, plane in [*planes, ("oblique", oblique)]:
            size = f"{plane.columns}x{plane.rows}"
            line(f"{name} cut {size}", timed(partial(sample, volume, plane), rounds * 4), TARGETS["MPR"])
            line("  windowed + JPEG", timed(partial(picture, plane), rounds * 4), TARGETS["MPR"])
            line(f"{name} slab MIP 10 mm", timed(partial(slab, volume, plane, 10.0), rounds * 2), TARGETS["slab MIP"])
        path = resample_path(curve(centre), min(volume.spacing))
        line(f"straightened CPR 60 mm, path {path.length:.0f} mm", timed(partial(straightened, volume, path, 60.0),
             rounds * 2), TARGETS["CPR"])  # fmt: skip
        line("stretched CPR 60 mm", timed(partial(stretched, volume, path, 60.0, path.normals[0]), rounds * 2),
             TARGETS["CPR"])  # fmt: skip
        line("cross-section 60 mm", timed(partial(cross_section, volume, path, path.length / 2, 60.0), rounds * 2),
             TARGETS["MPR"])  # fmt: skip
        lung = eye(np.array([70.0, -5.0, float(centre[2])]), np.array([0.0, 0.2, 1.0]))  # inside the phantom's lung
        aorta = eye(np.array([25.0, 40.0, float(centre[2])]), np.array([0.0, 0.0, 1.0]))  # in its contrast-filled aorta
        fly(volume, lung, size=64)  # compiles the kernel (or loads it)
        line("VE 512², in the lung (air, -500 HU)", timed(partial(fly, volume, lung), rounds * 2), TARGETS["VE"])
        line("VE 512², in the aorta (contrast, 150 HU)", timed(partial(fly, volume, aorta, 150.0, False), rounds * 2),
             TARGETS["VE"])  # fmt: skip
        surfaces = []
        line("SSD surface mesh at 300 HU (marching cubes)", timed(lambda: surfaces.append(build_surface(volume, 300.0)),
             rounds), TARGETS["surface"], "")  # fmt: skip
        surface = surfaces[-1]
        print(f"    {len(surface.faces):,} triangles (grid step {surface.step}), area {surface.area / 100:,.0f} cm², "
              f"STL {len(stl_bytes(surface)) / 2**20:.0f} MiB")  # fmt: skip
        presets = transfer_presets()
        cast(volume, camera_around(volume, columns=64, rows=64), "ssd")  # compiles the kernel (or loads it)
        for azimuth, elevation in ((0.0, 0.0), (40.0, 25.0)):
            full = camera_around(volume, azimuth, elevation, columns=512, rows=512)
            draft = camera_around(volume, azimuth, elevation, columns=171, rows=171)
            seen = f"az {azimuth:.0f} el {elevation:.0f}"
            for preset in ("ct-bone", "ct-soft-tissue"):
                line(f"VR {preset} 512², {seen}", timed(partial(cast, volume, full, "vr", presets[preset]), rounds),
                     TARGETS["VR"])  # fmt: skip
                line("  draft 171², samples 3x apart", timed(partial(cast, volume, draft, "vr", presets[preset],
                     step=3 * min(volume.spacing)), rounds), TARGETS["VR drag"])  # fmt: skip
            line(f"SSD 300 HU 512², {seen}", timed(partial(cast, volume, full, "ssd", threshold=300.0), rounds),
                 TARGETS["SSD"])  # fmt: skip
            line(f"MIP along rays 512², {seen}", timed(partial(cast, volume, full, "mip"), rounds))


def memory(pid: int) -> str:
    fields = {}
    for text in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = text.partition(":")
        fields[key] = value.strip()
    return f"VmRSS {fields.get('VmRSS')}, VmHWM {fields.get('VmHWM')}"


def over_http(data_dir: Path, series: str, rounds: int) -> None:
    print("Over HTTP (pypacs serve, /api/studies/…/mpr and …/mip, JPEG):")
    with pypacs_server(data_dir) as url, httpx.Client(base_url=url, timeout=120) as client:
        base = f"/api/studies/{STUDY}/series/{series}"
        started = time.perf_counter()
        first = client.get(f"{base}/mpr", params={"plane": "coronal"})
        first.raise_for_status()
        first_ms = (time.perf_counter() - started) * 1000
        print(f"  first MPR picture (series not assembled yet)  {first_ms:8.1f} ms  ({len(first.content):,} bytes)")
        geometry = client.get(f"{base}/volume").json()
        low, high = np.array(geometry["bounds"]["min"]), np.array(geometry["bounds"]["max"])
        for name in ("axial", "coronal", "sagittal"):
            points = [low + (high - low) * f for f in np.linspace(0.3, 0.7, rounds * 4)]
            times, sizes = [], []
            for point in points:
                began = time.perf_counter()
                answer = client.get(
                    f"{base}/mpr",
                    params={"plane": name, "point": ",".join(f"{v:.2f}" for v in point), "viewport": "512,512"},
                )
                times.append((time.perf_counter() - began) * 1000)
                sizes.append(len(answer.content))
            line(f"{name} MPR picture", times, TARGETS["MPR"], f"  {statistics.median(sizes) / 1024:.0f} KiB")
        slab_mip = {"plane": "axial", "slab": "10", "viewport": "512,512"}
        line("axial slab MIP 10 mm picture", timed(lambda: client.get(f"{base}/mpr", params=slab_mip), rounds * 4),
             TARGETS["slab MIP"])  # fmt: skip
        line(
            "oblique MPR picture",
            timed(
                lambda: client.get(
                    f"{base}/mpr",
                    params={"plane": "oblique", "right": "1,1,0", "down": "0,0.3,-1", "viewport": "512,512"},
                ),
                rounds * 4,
            ),
            TARGETS["MPR"],
        )
        clicked = ";".join(",".join(f"{v:.1f}" for v in point) for point in curve((low + high) / 2))
        line("straightened CPR picture", timed(lambda: client.get(f"{base}/cpr", params={"path": clicked}), rounds * 2),
             TARGETS["CPR"])  # fmt: skip
        inside = {"position": f"70,-5,{(low[2] + high[2]) / 2:.1f}", "look": "0,0.2,1", "viewport": "512,512"}
        line("VE picture, in the lung", timed(lambda: client.get(f"{base}/endoscopy", params=inside), rounds * 2),
             TARGETS["VE"])  # fmt: skip
        for name, path, params in (("VR ct-bone", "vr", {}), ("VR ct-bone, draft", "vr", {"draft": "true"}),
                                   ("SSD", "ssd", {}), ("rotating MIP frame", "mip", {})):  # fmt: skip
            times: list[float] = []
            for azimuth in np.linspace(0, 90, rounds * 2):
                began = time.perf_counter()
                client.get(f"{base}/{path}", params={**params, "azimuth": f"{azimuth:.1f}", "viewport": "512,512"})
                times.append((time.perf_counter() - began) * 1000)
            target = {"vr": TARGETS["VR drag" if "draft" in params else "VR"], "ssd": TARGETS["SSD"]}.get(path)
            line(f"{name} picture 512²", times, target)
        line(
            "coronal MIP of the whole volume",
            timed(lambda: client.get(f"{base}/mip", params={"viewport": "512,512"}), rounds),
        )
        found = subprocess.run(["pgrep", "-f", "--", f"serve .*--data-dir {data_dir}"], capture_output=True, text=True)
        pid = int(found.stdout.split()[0])
        print(f"  server memory after: {memory(pid)} (volume cache budget 1024 MiB)")
        accept = 'multipart/related; type="application/octet-stream"; transfer-syntax=*'
        started = time.perf_counter()
        total = 0
        with client.stream("GET", f"/dicom-web/studies/{STUDY}/series/{series}", headers={"Accept": accept}) as answer:
            for chunk in answer.iter_raw():
                total += len(chunk)
        whole_ms = (time.perf_counter() - started) * 1000
        print("Beside it: a browser viewer that builds the volume itself (OHIF) loads every frame first:")
        print(f"  the series' frames, one bulk response         {whole_ms:8.1f} ms  ({total / 2**20:,.0f} MiB) "
              f"against {len(first.content) / 1024:.0f} KiB for pypacs's first MPR picture")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slices", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, help="keep the archive here and reuse it in later runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pypacs-bench-volume-") as tmp:
        data_dir = args.data_dir or Path(tmp) / "data"
        series = prepare(data_dir, args.slices)
        in_process(data_dir, series, args.rounds)
        over_http(data_dir, series, args.rounds)


if __name__ == "__main__":
    main()
