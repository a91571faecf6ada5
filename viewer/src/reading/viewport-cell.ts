// One viewport of the layout: a Cornerstone3D stack viewport with its overlay (corner text, orientation
// markers, scale bar, pixel probe), a slider through the stack, cine, and a message area for what cannot be
// shown. Every other part of the page reaches a viewport through this class.

import { Enums, eventTarget, type Types } from "@cornerstonejs/core";
import { utilities as toolUtilities } from "@cornerstonejs/tools";
import { el, replace, replaceIfChanged, setDataIfChanged, setValueIfChanged } from "../ui/dom";
import { renderingEngine } from "./cornerstone";
import { keepWindowOnCpu } from "./cpu-drawing";
import { retireFirstImage } from "./first-image";
import { reason, serverDecodedBecause } from "./frame-fallback";
import { modalityUnit, renderOverlay, showProbe, spacingNote } from "./overlay";
import { probeAt } from "./probe";
import { bulkStore } from "./series-bulk";
import { imageName, type Stack, type StackImage } from "./stack";
import { addViewport, removeViewport } from "./tools";
import {
  UPRIGHT,
  applyOrientation,
  fit,
  isDrawn,
  lengthText,
  magnification,
  millimetresPerScreenPixel,
  scaleBarLength,
  screenDirections,
  type Orientation,
  type ScreenDirections,
} from "./view";
import { currentWindow, windowText } from "./windowing";

export const SERIES_DRAG_TYPE = "application/x-pypacs-series";

/** The orientation markers and scale bar of the image shown. */
interface Marks {
  directions: ScreenDirections | undefined;
  mmPerPixel: number;
}

export interface CellHooks {
  activate(cell: ViewportCell): void;
  drop(cell: ViewportCell, seriesUid: string): void;
  /** The image, window or view changed (panels that follow the active viewport update). */
  changed(cell: ViewportCell): void;
  isKeyImage(image: StackImage): boolean;
}

/** What a viewport shows: a series, or a selection (key images) named by its title. */
export interface Content {
  title: string;
  seriesUid: string | undefined;
  stack: Stack;
}

export class ViewportCell {
  readonly root: HTMLElement;
  readonly host: HTMLDivElement;
  readonly viewportId: string;
  content: Content | undefined;
  orientation: Orientation = UPRIGHT;
  cineFps = 0; // 0: not playing
  private enabled = false;
  private readonly failures = new Map<string, string>();
  private readonly corners;
  private readonly markers;
  private readonly scaleBar: HTMLElement;
  private readonly probe: HTMLElement;
  private readonly message: HTMLElement;
  private readonly slider: HTMLInputElement;
  private loading = 0;
  private pendingUpdate = 0; // the animation frame that will update the overlay (updateSoon)
  /** The image shown before this one: which way the reader goes. */
  private shownBefore = 0;

  constructor(readonly index: number, private readonly hooks: CellHooks) {
    this.viewportId = `viewport-${index}`;
    this.host = el("div", { class: "viewport-canvas" }) as HTMLDivElement;
    const corner = (name: string) => el("div", { class: `overlay overlay-${name}` });
    this.corners = { topLeft: corner("top-left"), topRight: corner("top-right"), bottomLeft: corner("bottom-left"), notes: el("div", { class: "overlay-notes" }) };
    const marker = (side: string) => el("div", { class: `orientation-marker marker-${side}`, "data-side": side });
    this.markers = { top: marker("top"), bottom: marker("bottom"), left: marker("left"), right: marker("right") };
    this.scaleBar = el("div", { class: "scale-bar", hidden: true });
    this.probe = el("div", { class: "overlay-probe" });
    this.message = el("div", { class: "viewport-message", hidden: true });
    this.slider = el("input", { class: "stack-slider", type: "range", min: 1, max: 1, step: 1, value: 1, "aria-label": "Image in the stack", hidden: true });
    this.root = el(
      "div",
      { class: "viewport-cell", "data-index": index, tabindex: -1 },
      this.host,
      this.corners.topLeft,
      this.corners.topRight,
      this.corners.bottomLeft,
      el("div", { class: "overlay overlay-bottom-right" }, this.corners.notes, this.scaleBar, this.probe),
      ...Object.values(this.markers),
      this.slider,
      this.message,
    );
    this.listen();
  }

  get viewport(): Types.IStackViewport | undefined {
    if (!this.enabled) return undefined;
    return renderingEngine().getViewport(this.viewportId) as Types.IStackViewport | undefined;
  }

  get images(): StackImage[] {
    return this.content?.stack.images ?? [];
  }

  /** The index of the image shown (or being loaded), from 0. */
  get imageIndex(): number {
    return this.viewport?.getTargetImageIdIndex() ?? 0;
  }

  get currentImage(): StackImage | undefined {
    return this.images[this.imageIndex];
  }

  enable(): void {
    if (this.enabled) return;
    renderingEngine().enableElement({
      viewportId: this.viewportId,
      type: Enums.ViewportType.STACK,
      element: this.host,
      defaultOptions: { background: [0, 0, 0] },
    });
    addViewport(this.viewportId);
    this.enabled = true;
    if (this.content) void this.show(this.content);
  }

  disable(): void {
    if (!this.enabled) return;
    this.stopCine();
    removeViewport(this.viewportId);
    renderingEngine().disableElement(this.viewportId);
    this.enabled = false;
    delete this.root.dataset.rendered;
  }

  /** Show a stack from its first image (or the one given); messages say what is left out or odd about it. */
  async show(content: Content, startAt = 0): Promise<void> {
    this.content = content;
    const turn = ++this.loading;
    this.stopCine();
    this.failures.clear();
    this.orientation = UPRIGHT;
    this.root.dataset.seriesUid = content.seriesUid ?? "";
    delete this.root.dataset.rendered;
    const { stack } = content;
    this.slider.max = String(Math.max(1, stack.images.length));
    this.slider.hidden = stack.images.length < 2;
    if (stack.images.length === 0) {
      this.say("info", stack.withoutPictures ? `${content.title}: this series holds no pictures.` : `${content.title} has no images.`);
      this.clearOverlay();
      return;
    }
    this.say(null);
    const viewport = this.viewport;
    if (!viewport) return;
    try {
      await viewport.setStack(stack.images.map((image) => image.imageId), Math.min(startAt, stack.images.length - 1));
    } catch (error) {
      if (turn === this.loading) this.imageFailed(this.imageIndex, reason(error));
    }
    if (turn !== this.loading) return;
    // The frames of a series received as bulk data are built into images by the store (series-bulk.ts); the
    // prefetch, which plans its requests again at each image shown, starts once the store is done with them.
    const first = stack.images[0]!.imageId;
    bulkStore.afterSeries(first, () => {
      if (turn === this.loading) toolUtilities.stackContextPrefetch.enable(this.host);
    });
    fit(viewport, this.orientation);
    this.update();
  }

  /** Show nothing, with a message (a series without pictures). */
  clear(text: string): void {
    this.content = undefined;
    this.loading += 1;
    this.stopCine();
    this.viewport?.setStack([]).catch(() => undefined);
    this.slider.hidden = true;
    this.clearOverlay();
    this.say("info", text);
  }

  async goTo(index: number): Promise<void> {
    const viewport = this.viewport;
    if (!viewport || this.images.length === 0) return;
    const target = Math.max(0, Math.min(this.images.length - 1, index));
    try {
      await viewport.setImageIdIndex(target);
    } catch (error) {
      this.imageFailed(target, reason(error));
    }
  }

  /** The bulk data store builds the next images in the direction the reader goes first (series-bulk.ts). */
  private preferAhead(): void {
    const index = this.imageIndex;
    const step = index >= this.shownBefore ? 1 : -1;
    this.shownBefore = index;
    const ahead: string[] = [];
    for (let next = index + step; ahead.length < 12 && next >= 0 && next < this.images.length; next += step) {
      ahead.push(this.images[next]!.imageId);
    }
    bulkStore.prefer(ahead);
  }

  scroll(delta: number): Promise<void> {
    return this.goTo(this.imageIndex + delta);
  }

  setOrientation(orientation: Orientation): void {
    const viewport = this.viewport;
    if (!viewport) return;
    this.orientation = orientation;
    applyOrientation(viewport, orientation);
    viewport.render();
  }

  playCine(fps: number): void {
    if (!this.viewport || this.images.length < 2) return;
    this.cineFps = Math.max(1, Math.min(120, fps));
    toolUtilities.cine.playClip(this.host, { framesPerSecond: this.cineFps, loop: true });
    this.root.dataset.cine = String(this.cineFps);
  }

  stopCine(): void {
    if (this.cineFps && this.enabled) toolUtilities.cine.stopClip(this.host);
    this.cineFps = 0;
    delete this.root.dataset.cine;
  }

  /** A message over the viewport (info: what it holds; error: what failed), or none. */
  say(kind: "info" | "error" | null, text = ""): void {
    this.message.hidden = kind === null;
    this.message.className = `viewport-message${kind === "error" ? " viewport-error" : ""}`;
    this.message.setAttribute("role", kind === "error" ? "alert" : "status");
    replace(this.message, text);
  }

  private imageFailed(index: number, why: string): void {
    retireFirstImage();
    const image = this.images[index];
    if (!image || !this.content) return;
    this.failures.set(image.imageId, why);
    if (index === this.imageIndex) this.update();
  }

  private listen(): void {
    this.root.addEventListener("pointerdown", () => this.hooks.activate(this), { capture: true });
    this.root.addEventListener("contextmenu", (event) => event.preventDefault());
    this.root.addEventListener("dragover", (event) => {
      if (event.dataTransfer?.types.includes(SERIES_DRAG_TYPE)) {
        event.preventDefault();
        this.root.classList.add("drop-target");
      }
    });
    this.root.addEventListener("dragleave", () => this.root.classList.remove("drop-target"));
    this.root.addEventListener("drop", (event) => {
      this.root.classList.remove("drop-target");
      const uid = event.dataTransfer?.getData(SERIES_DRAG_TYPE);
      if (!uid) return;
      event.preventDefault();
      this.hooks.activate(this);
      this.hooks.drop(this, uid);
    });
    this.slider.addEventListener("input", () => void this.goTo(Number(this.slider.value) - 1));
    this.host.addEventListener(Enums.Events.IMAGE_RENDERED, () => {
      // an enabled viewport renders its empty background too: "rendered" means an image of the content is shown
      if (this.content && this.viewport?.getCornerstoneImage()) {
        this.root.dataset.rendered = "true";
        retireFirstImage(); // the server's picture of the first image, shown while the viewer started
      }
      this.updateSoon();
    });
    this.host.addEventListener(Enums.Events.STACK_NEW_IMAGE, () => {
      this.preferAhead();
      this.updateSoon();
    });
    this.host.addEventListener(Enums.Events.VOI_MODIFIED, () => this.updateSoon());
    keepWindowOnCpu(this.host, () => this.viewport);
    this.host.addEventListener("mousemove", (event) => this.showProbe(event));
    this.host.addEventListener("mouseleave", () => showProbe(this.probe, undefined));
    const failed = (event: Event) => {
      const detail = (event as CustomEvent<{ imageId?: string; error?: unknown }>).detail;
      const index = this.images.findIndex((image) => image.imageId === detail?.imageId);
      if (index >= 0) this.imageFailed(index, reason(detail.error));
    };
    eventTarget.addEventListener(Enums.Events.IMAGE_LOAD_ERROR, failed);
    eventTarget.addEventListener(Enums.Events.IMAGE_LOAD_FAILED, failed);
  }

  private showProbe(event: MouseEvent): void {
    const viewport = this.viewport;
    const image = this.currentImage;
    if (!viewport || !image || this.failures.has(image.imageId)) return;
    const bounds = this.host.getBoundingClientRect();
    showProbe(this.probe, probeAt(viewport, [event.clientX - bounds.left, event.clientY - bounds.top], modalityUnit(image.instance)));
  }

  private clearOverlay(): void {
    for (const corner of Object.values(this.corners)) replace(corner);
    for (const marker of Object.values(this.markers)) replace(marker);
    showProbe(this.probe, undefined);
    this.scaleBar.hidden = true;
    this.root.dataset.imageIndex = "";
    this.host.style.visibility = "hidden";
  }

  /** update() once in the next animation frame, however many events ask for it before (scrolling and W/L drags
   * bring a new image or window, a render and more every frame). */
  private updateSoon(): void {
    if (this.pendingUpdate) return;
    this.pendingUpdate = requestAnimationFrame(() => {
      this.pendingUpdate = 0;
      this.update();
    });
  }

  /** Bring the overlay, markers, scale bar, slider and data attributes up to date with the viewport. */
  update(): void {
    const viewport = this.viewport;
    const image = this.currentImage;
    if (!viewport || !image || !this.content) return;
    const index = this.imageIndex;
    const failure = this.failures.get(image.imageId);
    const shown = !failure && viewport.getCurrentImageIdIndex() === index && isDrawn(viewport);
    this.host.style.visibility = failure ? "hidden" : "visible";
    if (failure) {
      const browser = serverDecodedBecause(image.imageId);
      const why = browser && browser !== failure ? `${failure} (the browser's decoder: ${browser})` : failure;
      this.say("error", `${imageName(this.content.stack, index)} could not be shown: ${why}. The other images can still be read.`);
    } else if (this.message.classList.contains("viewport-error")) {
      this.say(null);
    }
    const window = shown ? currentWindow(viewport) : undefined;
    const zoom = shown ? magnification(viewport) : undefined;
    // Everything read from the page's layout is read before anything is written: a read after a write makes the
    // browser lay the page out again, in the middle of each frame while scrolling.
    const marks = shown ? this.marksOf(viewport, image) : undefined;
    renderOverlay(this.corners, {
      instance: image.instance,
      index,
      total: this.images.length,
      multiFrame: this.content.stack.multiFrame,
      window: window && windowText(window),
      zoom,
      inverted: Boolean(viewport.getProperties().invert),
      keyImage: this.hooks.isKeyImage(image),
      notes: this.notes(image),
    });
    setValueIfChanged(this.slider, String(index + 1));
    setDataIfChanged(this.root, { imageIndex: String(index), sopInstanceUid: image.sopInstanceUid, window: window ? windowText(window) : "", zoom: zoom?.toFixed(3) ?? "" });
    if (marks) this.showMarks(marks);
    this.hooks.changed(this);
  }

  private notes(image: StackImage): string[] {
    const notes: string[] = [];
    const { stack } = this.content!;
    const spacing = spacingNote(image.instance);
    if (spacing) notes.push(spacing);
    if (stack.withoutPictures) notes.push(`${stack.withoutPictures} object${stack.withoutPictures === 1 ? "" : "s"} without pictures left out`);
    if (stack.sizes.length > 1) notes.push(`Images of different sizes (${stack.sizes.join(", ")}): each fitted on its own`);
    const server = serverDecodedBecause(image.imageId);
    if (server) notes.push("Decoded by the server (the browser could not)");
    if (this.cineFps) notes.push(`Cine ${this.cineFps} fps`);
    return notes;
  }

  private marksOf(viewport: Types.IStackViewport, image: StackImage): Marks {
    const located = Boolean(image.instance["00200037"]?.Value?.length);
    const spacing = spacingNote(image.instance) === "" || spacingNote(image.instance).startsWith("Sizes at the detector");
    return {
      directions: located ? screenDirections(viewport) : undefined,
      mmPerPixel: spacing ? millimetresPerScreenPixel(viewport) : 0,
    };
  }

  private showMarks({ directions, mmPerPixel }: Marks): void {
    for (const [side, marker] of Object.entries(this.markers)) {
      replaceIfChanged(marker, directions?.[side as keyof typeof directions] ?? "");
    }
    this.scaleBar.hidden = !(mmPerPixel > 0 && Number.isFinite(mmPerPixel));
    if (!this.scaleBar.hidden) {
      const { millimetres, pixels } = scaleBarLength(mmPerPixel);
      this.scaleBar.style.width = `${pixels}px`;
      replaceIfChanged(this.scaleBar, lengthText(millimetres));
      this.scaleBar.dataset.millimetres = String(millimetres);
    }
  }
}
