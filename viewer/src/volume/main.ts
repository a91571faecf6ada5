// The 3D page (/viewer/3d?study=…&series=…): a series as a volume, rendered by the server. Layouts: MPR (axial,
// coronal, sagittal through one point, a crosshair linked across them, wheel to move along a plane's normal,
// shift-drag to turn the other two planes about one's normal) with
// a 3D view (volume rendering, surface, MIP; drag to turn it, quick drafts while dragging); CPR (click a path on
// the planes: straightened CPR turning about it, a cross-section moving along it); endoscopy (a camera flying
// along the path). Window presets apply to the planes, the MIP and the CPR.

import { getJson } from "../api/client";
import { apiRoot, viewerUrl } from "../config";
import { el, errorText, replace, required, showMessage } from "../ui/dom";
import { add, cross, dot, normalOf, placeOf, pointAt, scale, text, type Vec3 } from "./geometry";
import { PictureView } from "./picture-view";

interface VolumeInfo {
  shape: [number, number, number];
  spacing: [number, number, number];
  affine: number[][];
  bounds: { min: Vec3; max: Vec3 };
  centre: Vec3;
  window: [number, number] | null;
  notes: string[];
}

type Layout = "mpr" | "cpr" | "endoscopy";
type Rendering = "vr" | "ssd" | "mip";
const PLANES = ["axial", "coronal", "sagittal"] as const;
type PlaneName = (typeof PLANES)[number];
/** Each plane's right and down directions (LPS): radiologists' views at first, turned by shift-dragging. */
const STANDARD: Record<PlaneName, [Vec3, Vec3]> = {
  axial: [[1, 0, 0], [0, 1, 0]],
  coronal: [[1, 0, 0], [0, 0, -1]],
  sagittal: [[0, 1, 0], [0, 0, -1]],
};
const frames: Record<PlaneName, [Vec3, Vec3]> = { axial: STANDARD.axial, coronal: STANDARD.coronal, sagittal: STANDARD.sagittal };

/** `vector` turned `angle` radians about the unit `axis` (Rodrigues). */
function turned(vector: Vec3, axis: Vec3, angle: number): Vec3 {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  return add(add(scale(vector, cos), scale(cross(axis, vector), sin)), scale(axis, dot(axis, vector) * (1 - cos)));
}

/** The `plane=` parameters of a plane: its name while it is as radiologists see it, else oblique with its frame. */
function planeParameters(plane: PlaneName): Record<string, string> {
  const [right, down] = frames[plane];
  const [standardRight, standardDown] = STANDARD[plane];
  if (text(right) === text(standardRight) && text(down) === text(standardDown)) return { plane };
  return { plane: "oblique", right: right.map((v) => v.toFixed(5)).join(","), down: down.map((v) => v.toFixed(5)).join(",") };
}

const parameters = new URLSearchParams(location.search);
const study = parameters.get("study") ?? "";
const series = parameters.get("series") ?? "";
const base = `${apiRoot()}/studies/${encodeURIComponent(study)}/series/${encodeURIComponent(series)}`;
const message = required("message");
const viewsArea = required("views");
const toolbar = required("toolbar");

const state = {
  layout: "mpr" as Layout,
  point: [0, 0, 0] as Vec3,
  window: "",
  slab: 0,
  slabMode: "mip",
  rendering: "vr" as Rendering,
  preset: "ct-bone",
  azimuth: 0,
  elevation: 0,
  angle: 0,
  path: [] as Vec3[],
  at: 0,
  yaw: 0,
  pitch: 0,
  zoom: 1,
  pan: [0, 0] as [number, number],
  clip: "",
  cine: 0 as number, // the cine's interval, while it turns the 3D view
  cprKind: "straightened",
  activePlane: "axial" as PlaneName,
};
let info: VolumeInfo;
let dragging = false;

const fail = (text: string) => showMessage(message, "error", text);
const views = {
  axial: new PictureView("axial", "Axial", fail),
  coronal: new PictureView("coronal", "Coronal", fail),
  sagittal: new PictureView("sagittal", "Sagittal", fail),
  rendering: new PictureView("rendering", "3D", fail),
  cpr: new PictureView("cpr", "CPR", fail),
  section: new PictureView("section", "Cross-section", fail),
  endoscopy: new PictureView("endoscopy", "Endoscopy", fail),
};
const LAYOUT_VIEWS: Record<Layout, (keyof typeof views)[]> = {
  mpr: ["axial", "coronal", "sagittal", "rendering"],
  cpr: ["axial", "coronal", "cpr", "section"],
  endoscopy: ["axial", "coronal", "sagittal", "endoscopy"],
};

function size(view: PictureView): string {
  const box = view.root.getBoundingClientRect();
  return `${Math.max(64, Math.round(box.width))},${Math.max(64, Math.round(box.height))}`;
}

function query(values: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value !== undefined && value !== "") search.set(name, String(value));
  return search.toString();
}

function pathText(): string {
  return state.path.map(text).join(";");
}

/** Where the endoscope is: `at` mm along the path (straight segments). */
function pathPoint(at: number): Vec3 | undefined {
  let left = at;
  for (let index = 1; index < state.path.length; index += 1) {
    const a = state.path[index - 1]!;
    const b = state.path[index]!;
    const length = Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2]);
    if (left <= length || index === state.path.length - 1) return add(a, scale([b[0] - a[0], b[1] - a[1], b[2] - a[2]], Math.min(left, length) / (length || 1)));
    left -= length;
  }
  return state.path[0];
}

function refresh(): void {
  const shown = LAYOUT_VIEWS[state.layout];
  replace(viewsArea, ...shown.map((name) => views[name].root));
  Object.assign(viewsArea.dataset, {
    layout: state.layout, point: text(state.point), preset: state.preset, rendering: state.rendering,
    azimuth: String(Math.round(state.azimuth)), elevation: String(Math.round(state.elevation)), zoom: state.zoom.toFixed(2),
    clip: state.clip, cine: state.cine ? "on" : "off", pathPoints: String(state.path.length), at: String(state.at),
  });
  requestAnimationFrame(() => {
    const planeOptions = { window: state.window, slab: state.slab || undefined, mode: state.slab ? state.slabMode : undefined };
    for (const plane of PLANES) {
      if (!shown.includes(plane)) continue;
      const view = views[plane];
      view.show(`${base}/mpr?${query({ ...planeParameters(plane), point: text(state.point), viewport: size(view), ...planeOptions })}`);
    }
    if (shown.includes("rendering")) {
      const view = views.rendering;
      const path = state.rendering === "mip" ? "mip" : state.rendering;
      view.show(`${base}/${path}?${query({
        azimuth: Math.round(state.azimuth), elevation: Math.round(state.elevation), zoom: state.zoom.toFixed(2), viewport: size(view),
        draft: dragging || state.cine ? "true" : undefined, clip: state.clip, pan: state.pan[0] || state.pan[1] ? state.pan.map((v) => v.toFixed(1)).join(",") : undefined,
        preset: state.rendering === "vr" ? state.preset : undefined, window: state.rendering === "mip" ? state.window : undefined,
      })}`);
    }
    if (state.path.length >= 2) {
      if (shown.includes("cpr")) views.cpr.show(`${base}/cpr?${query({ path: pathText(), kind: state.cprKind, angle: Math.round(state.angle), window: state.window, viewport: size(views.cpr) })}`);
      if (shown.includes("section")) views.section.show(`${base}/cross-section?${query({ path: pathText(), at: state.at, window: state.window, viewport: size(views.section) })}`);
      if (shown.includes("endoscopy")) {
        views.endoscopy.show(`${base}/endoscopy?${query({ path: pathText(), at: state.at, yaw: Math.round(state.yaw), pitch: Math.round(state.pitch), viewport: size(views.endoscopy), draft: dragging ? "true" : undefined })}`);
      }
    } else if (state.layout !== "mpr") {
      showMessage(message, "info", "Click points along a vessel, airway or the spine on the planes to draw a path (two at least).");
    }
    drawMarks();
  });
}

function drawMarks(): void {
  for (const plane of PLANES) {
    const view = views[plane];
    if (!view.place) continue;
    view.drawMarks(placeOf(view.place, state.point), state.path.map((point) => placeOf(view.place!, point)));
  }
}

function bindPlane(plane: PlaneName, step: number): void {
  const view = views[plane];
  view.picture.addEventListener("shown", drawMarks);
  view.root.addEventListener("click", (event) => {
    if (event.shiftKey) return; // the end of a turn
    const at = view.place && view.fractionAt(event);
    if (!at || !view.place) return;
    state.point = pointAt(view.place, at.across, at.along);
    state.activePlane = plane;
    if (state.layout !== "mpr") {
      state.path.push(state.point);
      showMessage(message, "info", null);
    }
    refresh();
  });
  let turning: number | undefined;
  view.root.addEventListener("pointerdown", (event) => {
    turning = event.shiftKey ? event.clientX : undefined;
  });
  view.root.addEventListener("pointermove", (event) => {
    if (turning !== undefined && event.buttons & 1 && view.place) {
      // shift-drag: the other two planes turn about this plane's normal, through the point
      const axis = normalOf(view.place);
      const angle = ((event.clientX - turning) * Math.PI) / 360;
      turning = event.clientX;
      for (const other of PLANES) {
        if (other === plane) continue;
        const [right, down] = frames[other];
        frames[other] = [turned(right, axis, angle), turned(down, axis, angle)];
      }
      viewsArea.dataset.turned = "true";
      refresh();
      return;
    }
    // dragging the crosshair (MPR layout; in the others a click adds a point to the path)
    if (!(event.buttons & 1) || state.layout !== "mpr" || !view.place) return;
    const at = view.fractionAt(event);
    if (!at) return;
    state.point = pointAt(view.place, at.across, at.along);
    refresh();
  });
  view.root.addEventListener("wheel", (event) => {
    event.preventDefault();
    if (!view.place) return;
    state.point = add(state.point, scale(normalOf(view.place), Math.sign(event.deltaY) * step));
    state.activePlane = plane;
    refresh();
  }, { passive: false });
}

function bindDrag(view: PictureView, turn: (dx: number, dy: number) => void): void {
  let last: { x: number; y: number } | undefined;
  view.root.addEventListener("pointerdown", (event) => {
    last = { x: event.clientX, y: event.clientY };
    view.root.setPointerCapture(event.pointerId);
    dragging = true;
  });
  view.root.addEventListener("pointermove", (event) => {
    if (!last) return;
    turn(event.clientX - last.x, event.clientY - last.y);
    last = { x: event.clientX, y: event.clientY };
    refresh();
  });
  const end = () => {
    if (!last) return;
    last = undefined;
    dragging = false;
    refresh(); // the full-quality picture once the mouse stops
  };
  view.root.addEventListener("pointerup", end);
  view.root.addEventListener("pointercancel", end);
}

/** Store what the page shows as a new series (docs/3d.md, "Saved as a new series"), and say where it went. */
async function save(kind: "mpr" | "rendering" | "cpr"): Promise<void> {
  let path: string;
  let values: Record<string, string | number | undefined>;
  if (kind === "mpr") {
    path = "mpr/series";
    values = { ...planeParameters(state.activePlane), point: text(state.point), slab: state.slab || undefined, mode: state.slab ? state.slabMode : undefined,
      count: 20, step: Math.max(state.slab, 3), description: `${state.activePlane} reformats` };
  } else if (kind === "rendering") {
    path = `${state.rendering}/series`;
    values = { count: 36, elevation: Math.round(state.elevation), zoom: state.zoom.toFixed(2), preset: state.rendering === "vr" ? state.preset : undefined,
      window: state.rendering === "mip" ? state.window : undefined, viewport: "512,512" };
  } else {
    if (state.path.length < 2) {
      showMessage(message, "info", "Draw a path first: click two points at least on the planes.");
      return;
    }
    path = "cpr/series";
    values = { path: pathText(), kind: state.cprKind, angle: Math.round(state.angle), window: state.window, count: 1 };
  }
  showMessage(message, "info", "Saving…");
  try {
    const response = await fetch(`${base}/${path}?${query(values)}`, { method: "POST", headers: { Accept: "application/json" } });
    const body = (await response.json()) as { instances?: number; seriesInstanceUID?: string; detail?: string };
    if (!response.ok) throw new Error(body.detail ?? `${response.status} ${response.statusText}`);
    viewsArea.dataset.saved = body.seriesInstanceUID ?? "";
    showMessage(message, "info", `Saved as a new series of ${body.instances} image${body.instances === 1 ? "" : "s"}: the study's series list shows it.`);
  } catch (error) {
    fail(`Could not save. ${errorText(error)}`);
  }
}

function select(name: string, label: string, options: [string, string][], value: string, changed: (value: string) => void): HTMLElement {
  const control = el("select", { name, "aria-label": label }, ...options.map(([id, title]) => el("option", { value: id }, title)));
  control.value = value;
  control.addEventListener("change", () => changed(control.value));
  return el("label", { class: "tool-group" }, `${label} `, control);
}

function button(id: string, label: string, run: () => void, title = label): HTMLButtonElement {
  const item = el("button", { type: "button", id, title }, label);
  item.addEventListener("click", run);
  return item;
}

/** Clipping boxes that keep one half of the volume, named by the patient side each voxel axis runs towards. */
function clipChoices(): [string, string][] {
  const names: Record<string, [string, string]> = { x: ["right", "left"], y: ["front", "back"], z: ["feet", "head"] };
  const choices: [string, string][] = [["", "none"]];
  for (let axis = 0; axis < 3; axis += 1) {
    const direction = [0, 1, 2].map((row) => info.affine[row]![axis]!);
    const along = direction.map(Math.abs).indexOf(Math.max(...direction.map(Math.abs)));
    const [low, high] = names["xyz"[along]!]!;
    const [first, second] = direction[along]! >= 0 ? [low, high] : [high, low];
    const box = (from: number, to: number) => [0, 1, 2].flatMap((a) => (a === axis ? [from, to] : [0, 1])).join(",");
    choices.push([box(0, 0.5), `${first} half`], [box(0.5, 1), `${second} half`]);
  }
  return choices;
}

function toggleCine(button: HTMLButtonElement): void {
  if (state.cine) {
    clearInterval(state.cine);
    state.cine = 0;
  } else {
    state.cine = window.setInterval(() => {
      state.azimuth = (state.azimuth + 6) % 360;
      refresh();
    }, 150);
  }
  button.setAttribute("aria-pressed", String(Boolean(state.cine)));
  refresh();
}

async function buildToolbar(): Promise<void> {
  const [windows, presets] = await Promise.all([
    getJson<{ presets: { id: string; name: string; kind: string }[] }>("window-presets"),
    getJson<{ id: string; name: string }[]>("volume-presets"),
  ]);
  const layouts = el("div", { class: "tool-group", role: "group", "aria-label": "Layout" },
    ...(["mpr", "cpr", "endoscopy"] as Layout[]).map((layout) => {
      const item = button(`layout-${layout}`, { mpr: "MPR + 3D", cpr: "CPR", endoscopy: "Endoscopy" }[layout], () => {
        state.layout = layout;
        for (const other of layouts.querySelectorAll("button")) other.setAttribute("aria-pressed", String(other === item));
        refresh();
      });
      item.setAttribute("aria-pressed", String(layout === state.layout));
      return item;
    }));
  const cineButton: HTMLButtonElement = button("cine", "Cine", () => toggleCine(cineButton), "Turn the 3D view round and round (a rotating MIP with the MIP mode)");
  cineButton.setAttribute("aria-pressed", "false");
  const slab = el("input", { type: "number", name: "slab", min: "0", max: "200", step: "1", value: "0", "aria-label": "Slab thickness (mm)" });
  slab.addEventListener("change", () => {
    state.slab = Math.max(0, Number(slab.value) || 0);
    refresh();
  });
  replace(toolbar,
    layouts,
    select("window", "Window", [["", "as stored"], ...windows.presets.map((preset): [string, string] => [preset.id, preset.name])], "", (value) => {
      state.window = value;
      refresh();
    }),
    el("label", { class: "tool-group" }, "Slab ", slab, " mm"),
    select("slab-mode", "Slab", [["mip", "MIP"], ["minip", "MinIP"], ["average", "Average"]], "mip", (value) => {
      state.slabMode = value;
      refresh();
    }),
    select("rendering", "3D", [["vr", "Volume rendering"], ["ssd", "Surface"], ["mip", "MIP"]], "vr", (value) => {
      state.rendering = value as Rendering;
      refresh();
    }),
    select("preset", "Preset", presets.map((preset): [string, string] => [preset.id, preset.name]), state.preset, (value) => {
      state.preset = value;
      refresh();
    }),
    select("clip", "Clip", clipChoices(), "", (value) => {
      state.clip = value;
      refresh();
    }),
    cineButton,
    el("div", { class: "tool-group", role: "group", "aria-label": "Path" },
      button("path-back", "◀", () => { state.at = Math.max(0, state.at - 5); refresh(); }, "Back 5 mm along the path"),
      button("path-forward", "▶", () => { state.at += 5; refresh(); }, "Forward 5 mm along the path"),
      button("path-clear", "Clear path", () => { state.path = []; state.at = 0; refresh(); })),
    select("cpr-kind", "CPR", [["straightened", "Straightened"], ["stretched", "Stretched"]], state.cprKind, (value) => {
      state.cprKind = value;
      refresh();
    }),
    el("div", { class: "tool-group", role: "group", "aria-label": "Save" },
      button("save-planes", "Save planes", () => void save("mpr"), "Save 20 reformats of the last plane used, 3 mm (or a slab) apart, as a new series"),
      button("save-rendering", "Save 3D turn", () => void save("rendering"), "Save 36 views of the 3D view turning about the head-foot axis as a new series"),
      button("save-cpr", "Save CPR", () => void save("cpr"), "Save the CPR as a new series")),
  );
}

async function start(): Promise<void> {
  if (!study || !series) {
    fail("Open the 3D page from the reading page: it needs a study and a series.");
    return;
  }
  required<HTMLAnchorElement>("back").href = viewerUrl(study, series);
  try {
    info = await getJson<VolumeInfo>(`studies/${encodeURIComponent(study)}/series/${encodeURIComponent(series)}/volume`);
  } catch (error) {
    fail(`This series cannot be shown in 3D. ${errorText(error)}`);
    return;
  }
  state.point = info.centre;
  const notes = required("notes");
  notes.hidden = info.notes.length === 0;
  notes.textContent = info.notes.join(" · ");
  bindPlane("axial", info.spacing[2]);
  bindPlane("coronal", info.spacing[1]);
  bindPlane("sagittal", info.spacing[0]);
  let panning = false;
  views.rendering.root.addEventListener("pointerdown", (event) => {
    panning = event.shiftKey;
  });
  bindDrag(views.rendering, (dx, dy) => {
    if (panning) {
      // shift-drag: the picture follows the mouse (mm per screen pixel from the volume's size and the zoom)
      const box = views.rendering.root.getBoundingClientRect();
      const diagonal = Math.hypot(...[0, 1, 2].map((axis) => info.bounds.max[axis]! - info.bounds.min[axis]!));
      const perPixel = diagonal / state.zoom / Math.max(box.width, box.height, 1);
      state.pan = [state.pan[0] + dx * perPixel, state.pan[1] - dy * perPixel];
      return;
    }
    state.azimuth += dx * 0.5;
    state.elevation = Math.max(-89, Math.min(89, state.elevation - dy * 0.5));
  });
  views.rendering.root.addEventListener("wheel", (event) => {
    event.preventDefault();
    state.zoom = Math.max(0.2, Math.min(20, state.zoom * (event.deltaY > 0 ? 1 / 1.1 : 1.1)));
    refresh();
  }, { passive: false });
  bindDrag(views.endoscopy, (dx, dy) => {
    state.yaw += dx * 0.3;
    state.pitch = Math.max(-80, Math.min(80, state.pitch - dy * 0.3));
  });
  bindDrag(views.cpr, (dx) => {
    state.angle += dx;
  });
  views.endoscopy.picture.addEventListener("shown", () => {
    const camera = pathPoint(state.at);
    if (camera) state.point = camera; // the camera shown on the planes
    drawMarks();
  });
  await buildToolbar().catch((error: unknown) => fail(`The presets could not be loaded. ${errorText(error)}`));
  refresh();
  addEventListener("resize", refresh);
}

void start();
