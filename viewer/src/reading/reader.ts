// The reading page once a study is known: its series in viewports (layout, drag and drop, click to show),
// the toolbar and the keyboard acting on the active viewport, the window controls, synchronised scrolling and
// reference lines, and the side panels (measurements, presentation states, key images, tags, help).

import type { DicomWebClient } from "../dicomweb/client";
import type { DicomJson } from "../dicomweb/json";
import { seriesTitle, type SeriesSummary, type StudySummary } from "../series/series";
import { errorText, showMessage } from "../ui/dom";
import { renderingEngine } from "./cornerstone";
import { resetProperties } from "./cpu-drawing";
import { cacheBulkFrames } from "./frame-fallback";
import { LAYOUTS, Layout, type LayoutName } from "./layout";
import { withPaletteTables } from "./palette";
import { bindKeys, type Action } from "./shortcuts";
import { stackOf, type Stack, type StackImage } from "./stack";
import { syncState, synchronise } from "./sync";
import { Toolbar } from "./toolbar";
import { TOOLS, activeTool, chooseTool, type ToolKey } from "./tools";
import { actualPixels, fit, flippedHorizontally, flippedVertically, rotated, UPRIGHT, zoomBy } from "./view";
import type { ViewportCell } from "./viewport-cell";
import { WindowPanel } from "./window-panel";

export interface ReaderElements {
  message: HTMLElement;
  toolbar: HTMLElement;
  viewports: HTMLElement;
  seriesColumn: HTMLElement;
  sidePanel: HTMLElement;
}

/** Something that adds to the reader: its own actions, and what to do when the active viewport changes. */
export interface ReaderPart {
  actions(): Action[];
  changed?(cell: ViewportCell): void;
  /** Show a series without pictures its own way (a key object selection: its images); false if not this part's. */
  showDocument?(cell: ViewportCell, series: SeriesSummary): boolean;
}

export class Reader {
  readonly layout: Layout;
  readonly toolbar: Toolbar;
  readonly windowPanel: WindowPanel;
  private readonly metadata = new Map<string, Promise<DicomJson[]>>();
  private readonly parts: ReaderPart[] = [];
  /** Images marked with "k" and not saved yet, by SOP Instance UID. */
  private readonly keyImages = new Map<string, StackImage>();
  /** SOP Instance UIDs of key images already in a stored key object selection. */
  readonly savedKeyImages = new Set<string>();
  private pendingChange = 0;

  constructor(
    readonly client: DicomWebClient,
    readonly study: StudySummary,
    public series: SeriesSummary[],
    readonly elements: ReaderElements,
  ) {
    renderingEngine();
    this.layout = new Layout(
      elements.viewports,
      {
        drop: (cell, uid) => void this.showSeriesUid(cell, uid),
        changed: (cell) => this.cellChanged(cell),
        isKeyImage: (image) => this.isKeyImage(image),
      },
      (cell) => this.activated(cell),
    );
    this.toolbar = new Toolbar(elements.toolbar);
    this.windowPanel = new WindowPanel(() => this.active);
    this.buildToolbar();
    bindKeys(() => this.actions());
  }

  get active(): ViewportCell {
    return this.layout.active;
  }

  /** Add a part (measurements, documents…): its actions join the keyboard and the help. */
  add(part: ReaderPart): void {
    this.parts.push(part);
  }

  start(layout: LayoutName, first: SeriesSummary | undefined): void {
    this.layout.set(layout);
    if (first) void this.showSeries(this.active, first);
  }

  notify(kind: "info" | "error", text: string): void {
    showMessage(this.elements.message, kind, text);
  }

  // -- what the viewports show -------------------------------------------------------------------------------

  /** A series' metadata asked for before the reader started (while the viewer's code loaded). */
  prime(uid: string, answer: Promise<DicomJson[]>): void {
    this.metadata.set(uid, answer);
    answer.catch(() => this.metadata.delete(uid));
  }

  seriesMetadata(series: { study: string; uid: string }): Promise<DicomJson[]> {
    let answer = this.metadata.get(series.uid);
    if (!answer) {
      answer = this.client.seriesMetadata(series.study, series.uid).then(withPaletteTables);
      this.metadata.set(series.uid, answer);
      answer.catch(() => this.metadata.delete(series.uid));
    }
    return answer;
  }

  async showSeriesUid(cell: ViewportCell, uid: string): Promise<void> {
    const series = this.series.find((item) => item.uid === uid);
    if (series) await this.showSeries(cell, series);
  }

  async showSeries(cell: ViewportCell, series: SeriesSummary): Promise<void> {
    this.markChosen(series.uid);
    if (cell === this.active) this.rememberInUrl(series.uid);
    if (!series.hasPictures) {
      if (this.parts.some((part) => part.showDocument?.(cell, series))) {
        this.resync();
        return;
      }
      cell.clear(`${series.kind}: this series holds no pictures. Showing its contents comes in a later version.`);
      this.resync();
      return;
    }
    cell.say("info", "Loading the images…");
    let stack: Stack;
    try {
      stack = stackOf(this.client.root, await this.seriesMetadata(series));
      cacheBulkFrames(); // the frames of the series' bulk data response can be built into images now
    } catch (error) {
      cell.say("error", `The series could not be loaded. ${errorText(error)}`);
      return;
    }
    await cell.show({ title: seriesTitle(series), seriesUid: series.uid, stack });
    this.resync();
  }

  /** Show any stack (key images) in a viewport. */
  async showStack(cell: ViewportCell, title: string, stack: Stack): Promise<void> {
    this.markChosen(undefined);
    await cell.show({ title, seriesUid: undefined, stack });
    this.resync();
  }

  markChosen(uid: string | undefined): void {
    for (const card of this.elements.seriesColumn.querySelectorAll("[data-series-uid]")) {
      card.setAttribute("aria-pressed", String(card.getAttribute("data-series-uid") === uid));
    }
  }

  private rememberInUrl(uid: string): void {
    const url = new URL(location.href);
    url.searchParams.set("series", uid);
    history.replaceState(null, "", url);
  }

  resync(): void {
    synchronise(this.layout.visible, this.active);
  }

  // -- key images ----------------------------------------------------------------------------------------------

  keyOf(image: StackImage): string {
    return image.frame ? `${image.sopInstanceUid}#${image.frame}` : image.sopInstanceUid;
  }

  isKeyImage(image: StackImage): boolean {
    const sop = image.sopInstanceUid;
    return this.keyImages.has(sop) || this.keyImages.has(this.keyOf(image)) || this.savedKeyImages.has(sop);
  }

  toggleKeyImage(): void {
    const image = this.active.currentImage;
    if (!image) return;
    const key = image.sopInstanceUid; // a KO selects whole instances
    if (this.savedKeyImages.has(key) && !this.keyImages.has(key)) {
      this.notify("info", "This image is a key image of a saved key object selection already.");
      return;
    }
    if (this.keyImages.has(key)) this.keyImages.delete(key);
    else this.keyImages.set(key, image);
    this.active.update();
  }

  get keyImageUids(): string[] {
    return [...this.keyImages.keys()];
  }

  get markedKeyImages(): StackImage[] {
    return [...this.keyImages.values()];
  }

  /** Marked images now stored in a key object selection: saved, no longer waiting to be. */
  keyImagesSaved(uids: string[]): void {
    for (const uid of uids) {
      this.keyImages.delete(uid);
      this.savedKeyImages.add(uid);
    }
    for (const cell of this.layout.visible) cell.update();
  }

  // -- events --------------------------------------------------------------------------------------------------

  private activated(cell: ViewportCell): void {
    const uid = cell.content?.seriesUid;
    if (uid) {
      this.markChosen(uid);
      this.rememberInUrl(uid);
    }
    this.resync();
    this.cellChanged(cell);
  }

  private cellChanged(cell: ViewportCell): void {
    if (cell !== this.active || this.pendingChange) return;
    this.pendingChange = requestAnimationFrame(() => {
      this.pendingChange = 0;
      this.windowPanel.follow(this.active);
      for (const part of this.parts) part.changed?.(this.active);
      this.toolbar.refresh();
    });
  }

  // -- actions -------------------------------------------------------------------------------------------------

  private onViewport(run: (cell: ViewportCell) => void): () => void {
    return () => {
      if (this.active.viewport && this.active.currentImage) run(this.active);
    };
  }

  private viewActions(): Action[] {
    const view = "View";
    return [
      { keys: ["f"], label: "Fit the image to the viewport", group: view, run: this.onViewport((cell) => fit(cell.viewport!, cell.orientation)) },
      { keys: ["o"], label: "One image pixel to one screen pixel (1:1)", group: view, run: this.onViewport((cell) => actualPixels(cell.viewport!)) },
      { keys: ["+"], label: "Zoom in", group: view, run: this.onViewport((cell) => zoomBy(cell.viewport!, 1.25)) },
      { keys: ["_"], label: "Zoom out", group: view, run: this.onViewport((cell) => zoomBy(cell.viewport!, 0.8)) },
      { keys: ["i"], label: "Invert (negative)", group: view, run: this.onViewport((cell) => {
        const viewport = cell.viewport!;
        viewport.setProperties({ invert: !viewport.getProperties().invert });
        viewport.render();
      }) },
      { keys: ["r"], label: "Rotate 90° clockwise", group: view, run: this.onViewport((cell) => cell.setOrientation(rotated(cell.orientation, 90))) },
      { keys: ["R"], label: "Rotate 90° anticlockwise", group: view, run: this.onViewport((cell) => cell.setOrientation(rotated(cell.orientation, -90))) },
      { keys: ["h"], label: "Flip horizontally (left–right)", group: view, run: this.onViewport((cell) => cell.setOrientation(flippedHorizontally(cell.orientation))) },
      { keys: ["v"], label: "Flip vertically (top–bottom)", group: view, run: this.onViewport((cell) => cell.setOrientation(flippedVertically(cell.orientation))) },
      { keys: ["x"], label: "Reset the view (zoom, pan, rotation, flips, window, inversion)", group: view, run: this.onViewport((cell) => {
        const viewport = cell.viewport!;
        resetProperties(viewport);
        cell.orientation = UPRIGHT;
        fit(viewport, UPRIGHT);
      }) },
    ];
  }

  private stackActions(): Action[] {
    const stack = "Stack";
    return [
      { keys: ["ArrowUp", "ArrowLeft"], label: "Previous image", group: stack, run: this.onViewport((cell) => void cell.scroll(-1)) },
      { keys: ["ArrowDown", "ArrowRight"], label: "Next image", group: stack, run: this.onViewport((cell) => void cell.scroll(1)) },
      { keys: ["PageUp"], label: "10 images back", group: stack, run: this.onViewport((cell) => void cell.scroll(-10)) },
      { keys: ["PageDown"], label: "10 images on", group: stack, run: this.onViewport((cell) => void cell.scroll(10)) },
      { keys: ["Home"], label: "First image", group: stack, run: this.onViewport((cell) => void cell.goTo(0)) },
      { keys: ["End"], label: "Last image", group: stack, run: this.onViewport((cell) => void cell.goTo(cell.images.length - 1)) },
      { keys: ["c", " "], label: "Play or stop cine", group: stack, run: this.onViewport((cell) => this.toggleCine(cell)) },
      { keys: ["]"], label: "Cine faster", group: stack, run: this.onViewport((cell) => this.changeFps(cell, 1)) },
      { keys: ["["], label: "Cine slower", group: stack, run: this.onViewport((cell) => this.changeFps(cell, -1)) },
      { keys: ["s"], label: "Synchronised scrolling on or off (same Frame of Reference)", group: stack, run: () => {
        syncState.scrolling = !syncState.scrolling;
        this.resync();
      } },
      { keys: ["y"], label: "Reference lines on or off", group: stack, run: () => {
        syncState.referenceLines = !syncState.referenceLines;
        this.resync();
      } },
      { keys: ["k"], label: "Mark or unmark the image as a key image", group: stack, run: () => this.toggleKeyImage() },
    ];
  }

  private toolActions(): Action[] {
    const keys: Record<ToolKey, string> = { window: "w", pan: "p", zoom: "z", length: "l", angle: "n", ellipse: "e", rectangle: "b", freehand: "d", arrow: "a", text: "t" };
    return (Object.keys(TOOLS) as ToolKey[]).map((key) => ({
      keys: [keys[key]],
      label: `Left button: ${TOOLS[key].label.toLowerCase()}`,
      group: "Tools",
      run: () => chooseTool(key),
    }));
  }

  private windowActions(): Action[] {
    return this.windowPanel.loaded.map((preset) => ({
      keys: [preset.key],
      label: `Window: ${preset.name}`,
      group: "Window",
      run: () => this.windowPanel.applyPreset(preset),
    }));
  }

  actions(): Action[] {
    return [
      ...this.stackActions(),
      ...this.windowActions(),
      ...this.viewActions(),
      ...this.toolActions(),
      ...this.parts.flatMap((part) => part.actions()),
    ];
  }

  /** The reader's chosen speed, else the object's own (multi-frame), else 10 frames a second. */
  private cineFps(cell: ViewportCell): number {
    return this.chosenFps ?? cell.content?.stack.frameRate ?? 10;
  }

  private toggleCine(cell: ViewportCell): void {
    if (cell.cineFps) cell.stopCine();
    else cell.playCine(this.cineFps(cell));
    this.fpsInput.value = String(this.cineFps(cell));
    cell.update();
  }

  private changeFps(cell: ViewportCell, step: number): void {
    const now = this.cineFps(cell);
    this.setFps(cell, now + step * (now >= 20 ? 5 : 1));
  }

  private setFps(cell: ViewportCell, fps: number): void {
    this.chosenFps = Math.max(1, Math.min(120, Math.round(fps)));
    this.fpsInput.value = String(this.chosenFps);
    if (cell.cineFps) cell.playCine(this.chosenFps);
    cell.update();
  }

  private chosenFps: number | undefined;
  private fpsInput!: HTMLInputElement;

  /** The 3D page (volume/main.ts) for the active viewport's series. */
  private openIn3d(): void {
    const uid = this.active.content?.seriesUid;
    if (!uid) {
      this.notify("info", "Show a series in the active viewport first: the 3D page shows it as a volume.");
      return;
    }
    location.href = `/viewer/3d?${new URLSearchParams({ study: this.study.uid, series: uid }).toString()}`;
  }

  private buildToolbar(): void {
    const bar = this.toolbar;
    const action = (key: string) => this.actions().find((candidate) => candidate.keys.includes(key))!;
    const viewButton = (id: string, label: string, key: string, title: string) => ({ id, label, title, keys: [key], run: () => action(key).run() });
    bar.group("Layout", (Object.keys(LAYOUTS) as LayoutName[]).map((name) => ({
      id: `layout-${name}`, label: name.replace("x", "×"), title: `Layout ${name.replace("x", " × ")} (columns × rows)`,
      run: () => {
        this.layout.set(name);
        this.resync();
      },
      pressed: () => this.layout.name === name,
    })));
    const toolKeys = this.toolActions();
    bar.group("Tools", (Object.keys(TOOLS) as ToolKey[]).map((key, index) => ({
      id: `tool-${key}`, label: TOOLS[key].label, title: `Left button: ${TOOLS[key].label.toLowerCase()}`, keys: toolKeys[index]!.keys,
      run: () => chooseTool(key), pressed: () => activeTool() === key,
    })));
    bar.group("View", [
      viewButton("fit", "Fit", "f", "Fit the image to the viewport"),
      viewButton("actual-pixels", "1:1", "o", "One image pixel to one screen pixel"),
      viewButton("invert", "Invert", "i", "Invert"),
      viewButton("rotate", "Rotate", "r", "Rotate 90° clockwise"),
      viewButton("flip-horizontal", "Flip H", "h", "Flip horizontally"),
      viewButton("flip-vertical", "Flip V", "v", "Flip vertically"),
      viewButton("reset", "Reset", "x", "Reset the view"),
      { id: "three-d", label: "3D", title: "The active series in 3D: MPR, volume rendering, CPR, endoscopy (rendered by the server)", run: () => this.openIn3d() },
    ]);
    this.toolbar.element.append(this.windowPanel.element);
    this.fpsInput = Object.assign(document.createElement("input"), { type: "number", min: "1", max: "120", value: "10", name: "fps", title: "Cine frames per second" });
    this.fpsInput.setAttribute("aria-label", "Cine frames per second");
    this.fpsInput.addEventListener("change", () => this.setFps(this.active, Number(this.fpsInput.value) || 10));
    bar.group("Cine", [{ id: "cine", label: "Cine", title: "Play or stop cine", keys: ["c"], run: () => action("c").run(), pressed: () => Boolean(this.active.cineFps) }], [
      this.fpsInput, Object.assign(document.createElement("span"), { textContent: "fps", className: "unit" }),
    ]);
    bar.group("Synchronisation", [
      { id: "sync", label: "Sync", title: "Synchronised scrolling (same Frame of Reference)", keys: ["s"], run: () => action("s").run(), pressed: () => syncState.scrolling },
      { id: "reference-lines", label: "Ref lines", title: "Reference lines", keys: ["y"], run: () => action("y").run(), pressed: () => syncState.referenceLines },
    ]);
  }
}
