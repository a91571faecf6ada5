// A presentation state applied to one viewport: its rotation and flip, each image's window and displayed area as
// the reader scrolls, its annotations drawn (not editable) over the images they reference, and a badge naming it.
// Showing something else in the viewport, or "back to the images as stored", takes it off.

import { Enums, utilities, type Types } from "@cornerstonejs/core";
import type { Annotation, DisplayedArea, ImagePoint, PresentedImage, StoredPresentationState, VoiWindow } from "../../api/documents";
import { el, replace } from "../../ui/dom";
import { drawsOnCpu, resetProperties } from "../cpu-drawing";
import { imagePlane, imageToWorld, type ImagePlane, type Vector } from "../geometry";
import type { StackImage } from "../stack";
import { fit, UPRIGHT } from "../view";
import type { Content, ViewportCell } from "../viewport-cell";
import { drawAnnotations, svgLayer, type Placement } from "./graphics";
import { areaRectangle, cameraFor, orientationOf } from "./spatial";

function unit(a: ArrayLike<number>, b: ArrayLike<number>): Vector {
  const vector: Vector = [a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!];
  const length = Math.hypot(...vector) || 1;
  return vector.map((value) => value / length) as Vector;
}

/** Zoom and pan a viewport (its orientation already set) so that it shows the displayed area. */
export function showDisplayedArea(viewport: Types.IStackViewport, plane: ImagePlane, area: DisplayedArea): void {
  const canvas = viewport.getCanvas();
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (!width || !height) return;
  const origin = viewport.canvasToWorld([0, 0]);
  const screen = { right: unit(viewport.canvasToWorld([1, 0]), origin), down: unit(viewport.canvasToWorld([0, 1]), origin), width, height };
  const { centre, mmPerPixel } = cameraFor(area, plane, screen, window.devicePixelRatio || 1);
  const camera = viewport.getCamera();
  const focal = camera.focalPoint ?? [0, 0, 0];
  const position = camera.position ?? [0, 0, 1];
  const offset = [position[0] - focal[0], position[1] - focal[1], position[2] - focal[2]];
  viewport.setCamera({
    focalPoint: centre as Types.Point3,
    position: [centre[0] + offset[0]!, centre[1] + offset[1]!, centre[2] + offset[2]!] as Types.Point3,
    parallelScale: (mmPerPixel * height) / 2,
  });
  viewport.render();
}

export function setStateWindow(viewport: Types.IStackViewport, window: VoiWindow): void {
  const { lower, upper } = utilities.windowLevel.toLowHighRange(Math.max(1, window.width), window.center);
  const sigmoid = window.function === "SIGMOID";
  // Cornerstone's CPU path has no VOI LUT functions (it throws): there a sigmoid window is drawn as a linear one
  const VOILUTFunction = sigmoid ? Enums.VOILUTFunctionType.SAMPLED_SIGMOID : Enums.VOILUTFunctionType.LINEAR;
  viewport.setProperties(drawsOnCpu() ? { voiRange: { lower, upper } } : { voiRange: { lower, upper }, VOILUTFunction });
  viewport.render();
}

/** Whether an annotation is drawn on an image: it lists the image (and frame), or lists none (all the state's). */
function annotates(annotation: Annotation, image: StackImage, state: StoredPresentationState): boolean {
  const listed = annotation.images ?? [];
  if (listed.length === 0) return state.images.some((presented) => presented.sopInstanceUID === image.sopInstanceUid);
  return listed.some((reference) => reference.sopInstanceUID === image.sopInstanceUid && (!reference.frameNumber || !image.frame || reference.frameNumber === image.frame));
}

export class AppliedPresentation {
  state: StoredPresentationState | undefined;
  private content: Content | undefined;
  private areaShown = "";
  /** The camera zoom (parallel scale) this showed a displayed area with: still it, the area follows resizes. */
  private scaleShown: number | undefined;
  private readonly layer = svgLayer("presentation-layer");
  private readonly badge = el("div", { class: "presentation-badge", hidden: true });

  constructor(private readonly cell: ViewportCell, private readonly onRemoved: () => void) {
    cell.root.append(this.layer, this.badge);
    cell.host.addEventListener(Enums.Events.STACK_NEW_IMAGE, () => this.newImage());
    // a stack shown anew (another series, or the same once its viewport is switched on again): upright, own windows
    cell.host.addEventListener(Enums.Events.VIEWPORT_NEW_IMAGE_SET, () => this.remove(false));
    cell.host.addEventListener(Enums.Events.IMAGE_RENDERED, () => this.draw());
    cell.host.addEventListener(Enums.Events.CAMERA_MODIFIED, () => this.draw());
    new ResizeObserver(() => requestAnimationFrame(() => this.resized())).observe(cell.host);
  }

  /** Apply a state to the viewport (which shows its images): go to its first annotated image, turn, window, zoom. */
  async apply(state: StoredPresentationState): Promise<void> {
    this.state = state;
    this.content = this.cell.content;
    this.areaShown = "";
    this.cell.root.dataset.presentationState = state.sopInstanceUID;
    replace(this.badge, el("strong", {}, state.label), state.description ? ` · ${state.description}` : "");
    this.badge.hidden = false;
    const images = this.cell.images;
    const current = this.cell.currentImage;
    const annotated = (image: StackImage) => (state.annotations ?? []).some((annotation) => annotates(annotation, image, state));
    const referenced = (image: StackImage) => state.images.some((presented) => presented.sopInstanceUID === image.sopInstanceUid);
    if (current && !annotated(current)) {
      const target = images.findIndex(annotated);
      const fallback = referenced(current) ? -1 : images.findIndex(referenced);
      if (target >= 0 || fallback >= 0) await this.cell.goTo(target >= 0 ? target : fallback);
    }
    const viewport = this.cell.viewport;
    if (!viewport) return;
    this.cell.setOrientation(orientationOf(state));
    this.presentImage(viewport, true);
    this.cell.update();
  }

  /** Take the state off; with `restore`, show the images as stored (their own window, upright, fitted). */
  remove(restore: boolean): void {
    if (!this.state) return;
    this.state = undefined;
    this.content = undefined;
    this.scaleShown = undefined;
    delete this.cell.root.dataset.presentationState;
    this.badge.hidden = true;
    this.layer.replaceChildren();
    const viewport = this.cell.viewport;
    if (restore && viewport) {
      resetProperties(viewport);
      this.cell.orientation = UPRIGHT;
      fit(viewport, UPRIGHT);
      this.cell.update();
    }
    this.onRemoved();
  }

  private presented(image: StackImage | undefined): PresentedImage | undefined {
    return image && this.state?.images.find((presented) => presented.sopInstanceUID === image.sopInstanceUid);
  }

  /** The window and displayed area of the image shown (the area only when it differs from the one shown). */
  private presentImage(viewport: Types.IStackViewport, always: boolean): void {
    const presented = this.presented(this.cell.currentImage);
    if (!presented) return;
    if (presented.window) setStateWindow(viewport, presented.window);
    const area = presented.displayedArea;
    const key = area ? JSON.stringify(area) : "";
    if (!always && key === this.areaShown) return;
    this.areaShown = key;
    if (area) showDisplayedArea(viewport, imagePlane(viewport.getCurrentImageId()), area);
    else fit(viewport, this.cell.orientation);
    this.scaleShown = area ? viewport.getCamera().parallelScale : undefined;
  }

  /** The viewport changed size: a displayed area the reader has not zoomed away from is shown again (true size
   * stays true, an area still fills the viewport); the annotations are drawn again. */
  private resized(): void {
    const viewport = this.cell.viewport;
    if (!viewport || !this.state) return;
    const scale = viewport.getCamera().parallelScale ?? 0;
    if (this.scaleShown !== undefined && Math.abs(scale - this.scaleShown) <= 1e-6 * this.scaleShown) this.presentImage(viewport, true);
    this.draw(); // the canvas has another size: every point moved
  }

  private stillShown(): boolean {
    if (!this.state) return false;
    if (this.cell.content !== this.content || !this.cell.viewport) {
      this.remove(false);
      return false;
    }
    return true;
  }

  private newImage(): void {
    const viewport = this.cell.viewport;
    if (this.stillShown() && viewport) this.presentImage(viewport, false);
  }

  private draw(): void {
    if (!this.stillShown()) return;
    const viewport = this.cell.viewport!;
    const image = this.cell.currentImage;
    const state = this.state!;
    if (!image || viewport.getCurrentImageId() !== image.imageId) {
      this.layer.replaceChildren();
      return;
    }
    const annotations = (state.annotations ?? []).filter((annotation) => annotates(annotation, image, state));
    drawAnnotations(this.layer, annotations, this.placement(viewport, image));
  }

  /** Image pixels (PIXEL) or fractions of the displayed area on the screen (DISPLAY) to canvas pixels. */
  private placement(viewport: Types.IStackViewport, image: StackImage): Placement {
    const plane = imagePlane(image.imageId);
    const toCanvas = (point: ImagePoint): [number, number] => {
      const [x, y] = viewport.worldToCanvas(imageToWorld(plane, point));
      return [x, y];
    };
    const area = this.presented(image)?.displayedArea;
    const { left, top, right, bottom } = area ? areaRectangle(area) : { left: 0, top: 0, right: image.columns, bottom: image.rows };
    const corners = [toCanvas([left, top]), toCanvas([right, top]), toCanvas([left, bottom]), toCanvas([right, bottom])];
    const screenLeft = Math.min(...corners.map((corner) => corner[0]));
    const screenTop = Math.min(...corners.map((corner) => corner[1]));
    const screenWidth = Math.max(...corners.map((corner) => corner[0])) - screenLeft;
    const screenHeight = Math.max(...corners.map((corner) => corner[1])) - screenTop;
    return (point, units) => (units === "DISPLAY" ? [screenLeft + point[0] * screenWidth, screenTop + point[1] * screenHeight] : toCanvas(point));
  }
}
