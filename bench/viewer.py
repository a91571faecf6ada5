"""Benchmark: pypacs's web viewer beside OHIF v3 (npm @ohif/app, .cache/ohif/), in headless Chromium, same run.

Makes synthetic 512x512 CT studies (300 and 1,000 slices, and a 20-slice one to warm the viewers' code up),
stores them, starts `pypacs serve` on free loopback ports and serves OHIF's build beside it (as
tests/browser/conftest.py does), pointed at the same server. Then, in interleaved rounds (the order alternates),
for each viewer:

- first image, cold: a browser just started (nothing cached, no shader compiled), navigation to the 300-slice
  study, until a picture is on screen (bench/viewer-probe.js): the first render of a visible viewport that shows
  a picture (Cornerstone3D's IMAGE_RENDERED event, which both viewers fire, caught on the document, and the middle
  of the viewport's canvas read in that event: not blank), or a big canvas or <img> found showing one at an
  animation frame (pypacs's page shows the server's rendering of the first image while its viewer starts), which
  comes first. Times are from the start of the navigation;
- first image, warm: the same in a context that has just shown the small study (the viewer's code cached), with
  where the time went: metadata asked and received, first frame asked and received, first image on screen, and
  the viewer's own first render (when it takes input);
- series cached: until every frame of the series has been received (from the page's Resource Timing: WADO-RS
  frame responses, or one completed response to the series' own URL, which counts as all its frames: pypacs's
  viewer asks for the series' pixel data as bulk data in one response, OHIF a frame per request). A viewer that
  stops asking for frames is reported with how many it got, then walked through the stack one image at a time
  (each time until the next image is on screen) so that it has them all;
- scrolling, on the cached series: one wheel step per animation frame for a few seconds (the probe sends the
  events, as the browser hands continuous input to a page: once a frame); renders showing a new image per second;
- W/L drag, the same with a left-button drag: renders showing a new window per second;
- memory: a new browser shows the 1,000-slice series until every frame is in; the proportional set size (PSS,
  /proc/PID/smaps_rollup) summed over all of Chromium's processes, at the end and at the peak, and the same
  browser with a blank page before.

Headless Chromium draws WebGL with SwiftShader (on the CPU) where there is no GPU: the report says which.

Needs Chromium, Playwright and the OHIF build (`make system-deps`) and the built viewer (`make viewer`).

    .venv/bin/python bench/viewer.py [--rounds 5] [--memory-rounds 3] [--data-dir DIR] [--only pypacs] [--json F]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from ingest import free_port  # type: ignore[import-not-found]

from pypacs.archive.errors import NotFound
from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.synthetic import PatientInfo, SeriesSpec, encode_part10, make_study, uid_for

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the browser tests' OHIF server (tests/browser/ohif.py)
from tests.browser.ohif import OHIF_DIST, OHIF_VERSION  # noqa: E402
from tests.browser.ohif import ohif_server as ohif_http_server  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--use-gl=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"]
PROBE = (Path(__file__).parent / "viewer-probe.js").read_text()
WINDOW = {"width": 1400, "height": 900}
VIEWERS = ("pypacs", "OHIF")


# -- the studies --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Study:
    patient_id: str
    slices: int

    @property
    def seed(self) -> int:
        return self.slices

    @property
    def uid(self) -> str:  # as make_study names it
        return uid_for(self.seed, self.patient_id, "study", "20240101", "")

    @property
    def series_uid(self) -> str:
        return uid_for(self.seed, self.uid, "series", 1)


WARM_UP = Study("VIEWBENCH20", 20)
MAIN = Study("VIEWBENCH300", 300)
LARGE = Study("VIEWBENCH1000", 1000)


def prime_frames(url: str, studies: list[Study]) -> None:
    """Ask the server for every frame once: the first request for a frame of an object reads the object's header
    to learn where its frames lie (remembered afterwards), so without this the first viewer measured would pay
    for the second."""
    accept = {"Accept": 'multipart/related; type="application/octet-stream"; transfer-syntax=*'}
    with httpx.Client(base_url=f"{url}/dicom-web", timeout=60) as client:
        for study in studies:
            series = f"/studies/{study.uid}/series/{study.series_uid}"
            for instance in client.get(f"{series}/metadata").raise_for_status().json():
                sop = instance["00080018"]["Value"][0]
                client.get(f"{series}/instances/{sop}/frames/1", headers=accept).raise_for_status()


def prepare_archive(data_dir: Path, studies: list[Study]) -> None:
    """Store the studies through the one ingest path, unless an earlier run left them in `data_dir`."""
    with Archive.open(Settings(data_dir=data_dir)) as archive:
        for study in studies:
            try:
                stored = len(archive.stored_instances(study.uid, study.series_uid))
            except NotFound:
                stored = 0
            if stored == study.slices:
                continue
            started = time.perf_counter()
            spec = SeriesSpec(slices=study.slices, rows=512, columns=512, description="CT 512")
            patient = PatientInfo(study.patient_id, f"BENCH^VIEWER{study.slices}")
            for dataset in make_study([spec], patient=patient, seed=study.seed, study_description="VIEWER BENCH"):
                archive.store(encode_part10(dataset))
            print(f"stored {study.slices} CT slices 512x512 in {time.perf_counter() - started:.0f} s", flush=True)


# -- the servers --------------------------------------------------------------------------------------------------


@contextmanager
def pypacs_server(data_dir: Path) -> Iterator[str]:
    """`pypacs serve` on free loopback ports, CORS open for OHIF's origin; yields its HTTP URL."""
    http_port, dimse_port = free_port(), free_port()
    config = data_dir.parent / "viewer-bench.toml"
    config.write_text('cors_origins = ["*"]\nlog_level = "WARNING"\n')
    command = [sys.executable, "-m", "pypacs", "serve", "--config", str(config), "--data-dir", str(data_dir),
               "--http-port", str(http_port), "--dimse-port", str(dimse_port), "--dimse-processes", "1"]  # fmt: skip
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYPACS_")}
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{http_port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit("pypacs serve did not start")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def serve_ohif(port: int, dicomweb: str) -> None:
    """OHIF with its shipped settings but for the data source (tests/browser/ohif.py), and its worker, request and
    spacing settings as OHIF's own default app-config has them."""
    overrides = {"maxNumberOfWebWorkers": 3, "strictZSpacingForVolumeViewport": True,
                 "maxNumRequests": {"interaction": 100, "thumbnail": 5, "prefetch": 25}}  # fmt: skip
    ohif_http_server(port, dicomweb, **overrides).serve_forever()


@contextmanager
def ohif_server(dicomweb: str) -> Iterator[str]:
    """OHIF's static files from a separate process (not competing with this one for the GIL)."""
    port = free_port()
    process = multiprocessing.get_context("spawn").Process(target=serve_ohif, args=(port, dicomweb), daemon=True)
    process.start()
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{url}/app-config.js", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.join(10)


# -- measuring one viewer -----------------------------------------------------------------------------------------


@dataclass
class Figures:
    """One viewer's figures over the rounds."""

    cold_first: list[float] = field(default_factory=list)  # ms
    warm_first: list[float] = field(default_factory=list)  # ms
    timelines: list[dict[str, float | None]] = field(default_factory=list)  # warm: where the time went (probe)
    cached: list[float] = field(default_factory=list)  # ms from navigation start to the last frame received
    not_cached: list[str] = field(default_factory=list)  # "47 of 300 frames" when the viewer stopped asking
    walk: list[float] = field(default_factory=list)  # ms per image when walking through a series not prefetched
    scroll_fps: list[float] = field(default_factory=list)
    scroll_display_fps: list[float] = field(default_factory=list)
    scroll_input: list[float] = field(default_factory=list)  # wheel events per second
    window_fps: list[float] = field(default_factory=list)
    window_input: list[float] = field(default_factory=list)  # mouse moves per second
    memory_base: list[float] = field(default_factory=list)  # MB: the same browser with a blank page
    memory_end: list[float] = field(default_factory=list)  # MB
    memory_peak: list[float] = field(default_factory=list)
    memory_frames: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    canvas: str = ""


class Viewers:
    def __init__(self, pacs: str, ohif: str) -> None:
        self.pacs, self.ohif = pacs, ohif

    def url(self, viewer: str, study: Study) -> str:
        if viewer == "pypacs":
            return f"{self.pacs}/viewer?study={study.uid}"
        return f"{self.ohif}/viewer?StudyInstanceUIDs={study.uid}"


# OHIF shows a first-visit tour (an overlay that takes the mouse) some seconds after a study opens, until it has
# been seen once: the benchmark's reader has seen it.
OHIF_TOUR_SEEN = "localStorage.setItem('shownTours', JSON.stringify(['basicViewerTour']));"


@contextmanager
def new_page(browser: Any, viewer: str = "") -> Iterator[Any]:
    """A page in a new browser context (its own, empty, HTTP cache) with the probe."""
    context = browser.new_context(viewport=WINDOW)
    context.add_init_script(PROBE)
    if viewer == "OHIF":
        context.add_init_script(OHIF_TOUR_SEEN)
    try:
        yield context.new_page()
    finally:
        context.close()


@contextmanager
def new_browser(playwright: Any) -> Iterator[Any]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


def open_study(page: Any, url: str) -> dict[str, Any]:
    """Navigate and wait for the probe's first image; returns it ({at, width, height, x, y})."""
    page.goto(url, wait_until="commit")
    page.wait_for_function("window.__viewerBench && window.__viewerBench.firstImage", timeout=60_000, polling=50)
    first: dict[str, Any] = page.evaluate("window.__viewerBench.firstImage")
    return first


def wait_for_series(page: Any, study: Study, stall: float = 5.0, limit: float = 120.0) -> tuple[int, float | None]:
    """Frames received of the study's series and when the last came (ms from navigation start), once all came or
    none came for `stall` seconds."""
    started = last_change = time.monotonic()
    count = -1
    while True:
        seen = page.evaluate("([s, n]) => window.__viewerBench.framesOf(s, n)", [study.series_uid, study.slices])
        if seen["count"] != count:
            count, last_change = seen["count"], time.monotonic()
        if count >= study.slices or time.monotonic() - last_change > stall or time.monotonic() - started > limit:
            return count, seen["last"]
        time.sleep(0.1)


def walk_through(page: Any, first: dict[str, Any], slices: int) -> float:
    """One wheel step at a time from the image shown to the far end of the stack, each time waiting until the
    next image is on screen (a reader scrolling slowly), so that a viewer which does not prefetch has every
    image cached afterwards; returns ms per image."""
    page.mouse.move(first["x"], first["y"])
    index = page.evaluate("window.__viewerBench.shownIndex") or 0
    direction = 1 if index < slices / 2 else -1
    started, steps = time.perf_counter(), 0
    while 0 < index + direction < slices:
        page.mouse.wheel(0, 120 * direction)
        page.wait_for_function("(i) => window.__viewerBench.shownIndex !== i", arg=index, timeout=30_000, polling=10)
        index = page.evaluate("window.__viewerBench.shownIndex")
        steps += 1
    return (time.perf_counter() - started) * 1000 / max(steps, 1)


def drive(page: Any, kind: str, first: dict[str, Any], seconds: float, slices: int) -> dict[str, float]:
    """Scroll ("scroll") or drag the window ("window") over the viewport for `seconds` (the probe's `drive`: one
    input event per animation frame); per second: renders with a new image, with a new window, animation frames,
    input events."""
    args = [kind, first["x"], first["y"], seconds * 1000, slices]
    result: dict[str, float] = page.evaluate("(a) => window.__viewerBench.drive(...a)", args)
    return result


def measure_cold(playwright: Any, viewers: Viewers, viewer: str, figures: Figures) -> None:
    """The first image in a browser just started: nothing cached, no shader compiled."""
    with new_browser(playwright) as browser, new_page(browser, viewer) as page:
        figures.cold_first.append(open_study(page, viewers.url(viewer, MAIN))["at"])


def measure_warm(browser: Any, viewers: Viewers, viewer: str, figures: Figures, seconds: float) -> None:
    """The first image with the viewer's code cached (the small study shown first), then the series cached,
    scrolling and W/L on it."""
    with new_page(browser, viewer) as page:
        open_study(page, viewers.url(viewer, WARM_UP))
        wait_for_series(page, WARM_UP, stall=2)
        first = open_study(page, viewers.url(viewer, MAIN))
        figures.warm_first.append(first["at"])
        figures.canvas = f"{first['width']}x{first['height']}"
        count, last = wait_for_series(page, MAIN)
        figures.timelines.append(page.evaluate("(s) => window.__viewerBench.timeline(s)", MAIN.series_uid))
        if count >= MAIN.slices and last is not None:
            figures.cached.append(last)
        else:
            figures.not_cached.append(f"{count} of {MAIN.slices} frames")
            figures.walk.append(walk_through(page, first, MAIN.slices))
        page.mouse.move(first["x"], first["y"])
        scrolled = drive(page, "scroll", first, seconds, MAIN.slices)
        figures.scroll_fps.append(scrolled["newImages"])
        figures.scroll_display_fps.append(scrolled["display"])
        figures.scroll_input.append(scrolled["input"])
        dragged = drive(page, "window", first, seconds, MAIN.slices)
        figures.window_fps.append(dragged["newWindows"])
        figures.window_input.append(dragged["input"])


def attempt(name: str, figures: Figures, call: Callable[[], None]) -> None:
    """Run one measurement; a viewer that fails (a timeout: nothing shown) is reported, the run goes on."""
    from playwright.sync_api import Error as PlaywrightError

    started = time.perf_counter()
    try:
        call()
    except PlaywrightError as error:
        figures.failures.append(f"{name}: {str(error).splitlines()[0]}")
        print(f"  {name} FAILED: {str(error).splitlines()[0]}", flush=True)
        return
    print(f"  {name} ({time.perf_counter() - started:.0f} s)", flush=True)


# -- memory -------------------------------------------------------------------------------------------------------


def chromium_processes() -> list[int]:
    """Every Chromium process below this one (Playwright's driver starts them)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    mine = {os.getpid()}
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in mine and pid not in mine:
                mine.add(pid)
                changed = True
    found = []
    for pid in mine:
        try:
            if "chromium" in os.readlink(f"/proc/{pid}/exe"):
                found.append(pid)
        except OSError:
            continue
    return found


def chromium_pss_mb() -> float:
    total = 0
    for pid in chromium_processes():
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def measure_memory(playwright: Any, viewers: Viewers, viewer: str, figures: Figures) -> None:
    """A new browser shows the 1,000-slice series until every frame is in (walked through when the viewer does
    not prefetch); Chromium's PSS then, and its peak (sampled every 0.25 s)."""
    peak = [0.0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.25):
            peak[0] = max(peak[0], chromium_pss_mb())

    with new_browser(playwright) as browser, new_page(browser, viewer) as page:
        page.goto("about:blank")
        time.sleep(2)
        base = chromium_pss_mb()
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            first = open_study(page, viewers.url(viewer, LARGE))
            count, _ = wait_for_series(page, LARGE, limit=300)
            if count < LARGE.slices:
                walk_through(page, first, LARGE.slices)
                count = page.evaluate("([s, n]) => window.__viewerBench.framesOf(s, n).count",
                                      [LARGE.series_uid, LARGE.slices])
            time.sleep(2)
            end = chromium_pss_mb()
        finally:
            stop.set()
            sampler.join()
    figures.memory_base.append(base)
    figures.memory_end.append(end)
    figures.memory_peak.append(max(peak[0], end))
    figures.memory_frames.append(f"{count} of {LARGE.slices}")


# -- the run ------------------------------------------------------------------------------------------------------


def spread(values: list[float], unit: str, digits: int = 0) -> str:
    if not values:
        return "-"
    median = statistics.median(values)
    return f"{median:,.{digits}f} {unit} ({min(values):,.{digits}f}-{max(values):,.{digits}f})"


def ratio(ours: list[float], theirs: list[float], higher_is_better: bool) -> str:
    """> 1 means pypacs is better."""
    if not ours or not theirs:
        return "-"
    value = statistics.median(ours) / statistics.median(theirs)
    return f"{value if higher_is_better else 1 / value:.2f}"


TIMELINE = (
    ("metadata asked", "metadataAsked"),
    ("metadata received", "metadataReceived"),
    ("first frame asked", "frameAsked"),
    ("first frame received", "frameReceived"),
    ("series asked (one response)", "seriesAsked"),
    ("series received (one response)", "seriesReceived"),
    ("first image on screen", "shown"),
    ("viewer drew (Cornerstone)", "ready"),
)


def report(results: dict[str, Figures], machine: str) -> None:
    us, them = results.get("pypacs", Figures()), results.get("OHIF", Figures())
    growth = {name: [end - base for base, end in zip(f.memory_base, f.memory_end, strict=True)]
              for name, f in (("us", us), ("them", them))}  # fmt: skip
    rows: list[tuple[str, list[float], list[float], str, int, bool, str]] = [
        ("first image, cold (new browser)", us.cold_first, them.cold_first, "ms", 0, False, ""),
        ("first image, warm (viewer code cached)", us.warm_first, them.warm_first, "ms", 0, False, "< 300 ms"),
        (f"series cached: last of {MAIN.slices} frames received", us.cached, them.cached, "ms", 0, False,
         "< 2,000 ms"),
        ("scrolling: new images drawn per second", us.scroll_fps, them.scroll_fps, "/s", 1, True, ">= 60/s"),
        ("  display: animation frames per second", us.scroll_display_fps, them.scroll_display_fps, "/s", 1, True,
         ""),
        ("  wheel events per second (one a frame)", us.scroll_input, them.scroll_input, "/s", 0, True, ""),
        ("W/L drag: new windows drawn per second", us.window_fps, them.window_fps, "/s", 1, True, ">= 30/s"),
        ("  mouse moves per second (one a frame)", us.window_input, them.window_input, "/s", 0, True, ""),
        (f"memory, {LARGE.slices}-slice series, end (PSS)", us.memory_end, them.memory_end, "MB", 0, False,
         "< 1,536 MB"),
        (f"memory, {LARGE.slices}-slice series, peak (PSS)", us.memory_peak, them.memory_peak, "MB", 0, False, ""),
        ("  of which the series (end - blank page)", growth["us"], growth["them"], "MB", 0, False, ""),
    ]  # fmt: skip
    print(f"\n{machine}")
    print(f"{'':<46} {'pypacs: median (range)':<30} {'OHIF ' + OHIF_VERSION:<30} {'ratio':>6}  target")
    for name, ours, theirs, unit, digits, higher, target in rows:
        print(f"{name:<46} {spread(ours, unit, digits):<30} {spread(theirs, unit, digits):<30} "
              f"{ratio(ours, theirs, higher):>6}  {target}")  # fmt: skip
    print("ratio: > 1 means pypacs is better")
    print("\nfirst image, warm: where the time went (median ms from navigation start)")
    for label, key in TIMELINE:
        cells = []
        for figures in (us, them):
            values = [t[key] for t in figures.timelines if t.get(key) is not None]
            cells.append(f"{statistics.median(values):,.0f}" if values else "-")
        print(f"  {label:<28} {cells[0]:>10} {cells[1]:>10}")
    for viewer, figures in results.items():
        if figures.not_cached:
            print(f"{viewer}: the series was not all received: {', '.join(figures.not_cached)}; walked through one "
                  f"image at a time (to cache it): {spread(figures.walk, 'ms per image', 0)}")  # fmt: skip
        if figures.memory_frames:
            print(f"{viewer}: frames received of the {LARGE.slices}-slice series: {', '.join(figures.memory_frames)}")
        print(f"{viewer}: viewport canvas {figures.canvas} px")
        for failure in figures.failures:
            print(f"{viewer}: FAILED {failure}")


def describe_machine(browser: Any) -> str:
    """CPUs, load, Chromium and what draws its WebGL (SwiftShader: on the CPU)."""
    with new_page(browser) as page:
        page.goto("about:blank")
        renderer = page.evaluate("""() => {
            const gl = document.createElement("canvas").getContext("webgl2");
            const info = gl && gl.getExtension("WEBGL_debug_renderer_info");
            return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : "no WebGL";
        }""")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return f"{os.cpu_count()} CPUs, load average {load}; Chromium {browser.version}; WebGL: {renderer}"


def run(args: argparse.Namespace, data_dir: Path) -> None:
    from playwright.sync_api import sync_playwright

    prepare_archive(data_dir, [WARM_UP, MAIN, LARGE])
    chosen = [viewer for viewer in VIEWERS if viewer in args.only]
    results = {viewer: Figures() for viewer in chosen}
    with pypacs_server(data_dir) as pacs, ohif_server(f"{pacs}/dicom-web") as ohif, sync_playwright() as playwright:
        viewers = Viewers(pacs, ohif)
        prime_frames(pacs, [WARM_UP, MAIN, LARGE])
        with new_browser(playwright) as browser:
            machine = describe_machine(browser)
            print(machine, flush=True)
            for number in range(args.rounds):
                for viewer in chosen if number % 2 == 0 else chosen[::-1]:
                    figures = results[viewer]
                    attempt(f"round {number + 1}: {viewer}, cold", figures,
                            partial(measure_cold, playwright, viewers, viewer, figures))  # fmt: skip
                    attempt(f"round {number + 1}: {viewer}, warm", figures,
                            partial(measure_warm, browser, viewers, viewer, figures, args.seconds))  # fmt: skip
        for number in range(args.memory_rounds):
            for viewer in chosen if number % 2 == 0 else chosen[::-1]:
                attempt(f"memory {number + 1}: {viewer}", results[viewer],
                        partial(measure_memory, playwright, viewers, viewer, results[viewer]))  # fmt: skip
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    report(results, f"{machine}; load average at the end {load}")
    if args.json:
        args.json.write_text(json.dumps({name: asdict(figures) for name, figures in results.items()}, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds per viewer (default 5)")
    parser.add_argument("--memory-rounds", type=int, default=3, help="memory measurements per viewer (default 3)")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to scroll and to drag (default 3)")
    parser.add_argument("--data-dir", type=Path, help="keep the archive here and reuse it in later runs")
    parser.add_argument("--only", nargs="+", choices=VIEWERS, default=list(VIEWERS), help="measure only these")
    parser.add_argument("--json", type=Path, help="also write every measurement to this file")
    args = parser.parse_args()
    if "OHIF" in args.only and not (OHIF_DIST / "index.html").exists():
        raise SystemExit(f"the OHIF build is missing at {OHIF_DIST}: run `make system-deps` (scripts/fetch-ohif.sh)")
    if args.data_dir:
        run(args, args.data_dir)
        return
    with tempfile.TemporaryDirectory(prefix="pypacs-bench-viewer-") as tmp:
        run(args, Path(tmp) / "data")


if __name__ == "__main__":
    main()
