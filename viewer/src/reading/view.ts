// How an image sits on the screen: zoom (fit, 1:1 image to screen pixels), rotation in quarter turns, flips and
// inversion of a stack viewport, and what the screen's edges and a screen pixel are in the patient (orientation
// markers, scale bar, zoom factor). Rotation and flip are kept here in Cornerstone's order: the flip first, then a
// clockwise turn; DICOM turns first and flips after (PS3.3 C.10.6), presentation/spatial.ts converts.

import type { Types } from "@cornerstonejs/core";
import { difference, directionLetters, imagePlane, imageToWorld, opposite, type ImagePlane } from "./geometry";

export interface Orientation {
  /** Clockwise quarter turns in degrees: 0, 90, 180, 270. */
  rotation: number;
  /** Mirrored left to right, before the rotation. */
  flipHorizontal: boolean;
}

export const UPRIGHT: Orientation = { rotation: 0, flipHorizontal: false };

export function rotated(orientation: Orientation, degrees: number): Orientation {
  return { ...orientation, rotation: (((orientation.rotation + degrees) % 360) + 360) % 360 };
}

/** Flipped left to right as the reader sees it: the screen's horizontal flip. */
export function flippedHorizontally(orientation: Orientation): Orientation {
  // a screen flip after a rotation r equals a flip before a rotation -r
  return { flipHorizontal: !orientation.flipHorizontal, rotation: (360 - orientation.rotation) % 360 };
}

/** Flipped top to bottom as the reader sees it: a horizontal flip and a half turn. */
export function flippedVertically(orientation: Orientation): Orientation {
  return rotated(flippedHorizontally(orientation), 180);
}

/** Put an orientation on a viewport: Cornerstone, too, flips the image and then turns it clockwise on screen. Flips
 * go through the camera: its CPU path takes them there, while its view presentation flips only the WebGL camera. */
export function applyOrientation(viewport: Types.IStackViewport, orientation: Orientation): void {
  viewport.setCamera({ flipHorizontal: false, flipVertical: false });
  viewport.setViewPresentation({ rotation: 0 });
  viewport.setCamera({ flipHorizontal: orientation.flipHorizontal });
  viewport.setViewPresentation({ rotation: orientation.rotation });
}

/** Whether the viewport has drawn (or is drawing) an image: on Cornerstone's CPU path its image is announced
 * (STACK_NEW_IMAGE) before the viewport has taken in its geometry, when canvas and world cannot be converted yet. */
export function isDrawn(viewport: Types.IStackViewport): boolean {
  return Boolean(viewport.getCornerstoneImage() && viewport.getImageData());
}

/** The whole image in the viewport, centred, keeping the orientation. */
export function fit(viewport: Types.IStackViewport, orientation: Orientation): void {
  viewport.resetCamera({ resetPan: true, resetZoom: true, resetToCenter: true });
  applyOrientation(viewport, orientation);
  viewport.render();
}

/** Screen (device) pixels per image pixel along a row: the displayed magnification. */
export function magnification(viewport: Types.IStackViewport, plane: ImagePlane = planeOf(viewport)): number {
  const a = viewport.worldToCanvas(imageToWorld(plane, [0, 0]));
  const b = viewport.worldToCanvas(imageToWorld(plane, [1, 0]));
  return Math.hypot(b[0] - a[0], b[1] - a[1]) * (window.devicePixelRatio || 1);
}

/** One image pixel to one screen pixel, around the centre of the viewport. */
export function actualPixels(viewport: Types.IStackViewport): void {
  const now = magnification(viewport);
  if (!now || !Number.isFinite(now)) return;
  viewport.setZoom(viewport.getZoom() / now);
  viewport.render();
}

export function zoomBy(viewport: Types.IStackViewport, factor: number): void {
  viewport.setZoom(viewport.getZoom() * factor);
  viewport.render();
}

export function planeOf(viewport: Types.IStackViewport): ImagePlane {
  return imagePlane(viewport.getCurrentImageId());
}

export interface ScreenDirections {
  top: string;
  bottom: string;
  left: string;
  right: string;
}

/** The patient directions of the screen's edges (from the camera: rotation, flips, tilt included). */
export function screenDirections(viewport: Types.IStackViewport): ScreenDirections | undefined {
  const canvas = viewport.getCanvas();
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (!width || !height) return undefined;
  const rightward = difference(viewport.canvasToWorld([width, height / 2]), viewport.canvasToWorld([0, height / 2]));
  const downward = difference(viewport.canvasToWorld([width / 2, height]), viewport.canvasToWorld([width / 2, 0]));
  return {
    right: directionLetters(rightward),
    left: directionLetters(opposite(rightward)),
    bottom: directionLetters(downward),
    top: directionLetters(opposite(downward)),
  };
}

/** Millimetres per CSS pixel across the screen (for the scale bar). */
export function millimetresPerScreenPixel(viewport: Types.IStackViewport): number {
  const canvas = viewport.getCanvas();
  const y = canvas.clientHeight / 2;
  const a = viewport.canvasToWorld([0, y]);
  const b = viewport.canvasToWorld([100, y]);
  return Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2]) / 100;
}

/** A round length for a scale bar about `target` screen pixels long: 1, 2 or 5 × 10ⁿ mm. */
export function scaleBarLength(mmPerPixel: number, target = 120): { millimetres: number; pixels: number } {
  const wanted = mmPerPixel * target;
  const power = 10 ** Math.floor(Math.log10(wanted));
  const step = [1, 2, 5, 10].map((factor) => factor * power).filter((length) => length <= wanted).pop() ?? power;
  return { millimetres: step, pixels: step / mmPerPixel };
}

export function lengthText(millimetres: number): string {
  return millimetres >= 10 && millimetres % 10 === 0 ? `${millimetres / 10} cm` : `${millimetres} mm`;
}
