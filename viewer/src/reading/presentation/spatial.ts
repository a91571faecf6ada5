// A presentation state's spatial part in the viewer's terms, pure arithmetic: DICOM's rotation and flip (PS3.3
// C.10.6: the image is turned clockwise first, then flipped left to right) to and from the viewer's orientation
// (view.ts: flipped first, then turned), and a displayed area (PS3.3 C.10.4) to the camera that shows it: the
// world point at the viewport's centre and the millimetres per screen pixel.

import type { DisplayedArea, ImagePoint } from "../../api/documents";
import { dot, imageToWorld, type ImagePlane, type Vector } from "../geometry";
import type { Orientation } from "../view";

/** A CSS pixel is 1/96 inch: what "true size" means on a screen that does not say its pixel pitch. */
export const MM_PER_CSS_PIXEL = 25.4 / 96;

export interface DicomTransform {
  rotation: 0 | 90 | 180 | 270;
  flip: boolean;
}

/** DICOM's "turn R, then flip" is the viewer's "flip, then turn −R" (a flip reverses the sense of a turn). */
export function orientationOf({ rotation, flip }: DicomTransform): Orientation {
  return { flipHorizontal: flip, rotation: flip ? (360 - rotation) % 360 : rotation };
}

export function transformOf({ rotation, flipHorizontal }: Orientation): DicomTransform {
  return { rotation: (flipHorizontal ? (360 - rotation) % 360 : rotation) as DicomTransform["rotation"], flip: flipHorizontal };
}

/** The displayed area as a rectangle in image pixel coordinates (DICOM's corners are pixels counted from 1). */
export function areaRectangle(area: DisplayedArea): { left: number; top: number; right: number; bottom: number } {
  return { left: area.topLeft[0] - 1, top: area.topLeft[1] - 1, right: area.bottomRight[0], bottom: area.bottomRight[1] };
}

/** The screen as the camera sees it now: unit world vectors along its x and y, and its size in CSS pixels. */
export interface Screen {
  right: Vector;
  down: Vector;
  width: number;
  height: number;
}

export interface CameraPlan {
  /** The world point to put at the viewport's centre. */
  centre: Vector;
  /** World millimetres per CSS pixel. */
  mmPerPixel: number;
}

/**
 * The camera showing a displayed area: centred on it, scaled so it fills the viewport (SCALE TO FIT), or with one
 * image pixel as large as Presentation Pixel Spacing says on a 96 dpi screen (TRUE SIZE), or as many device pixels
 * as the magnification (MAGNIFY).
 */
export function cameraFor(area: DisplayedArea, plane: ImagePlane, screen: Screen, devicePixelRatio = 1): CameraPlan {
  const { left, top, right, bottom } = areaRectangle(area);
  const corners: ImagePoint[] = [[left, top], [right, top], [left, bottom], [right, bottom]];
  const world = corners.map((corner) => imageToWorld(plane, corner));
  const centre = imageToWorld(plane, [(left + right) / 2, (top + bottom) / 2]);
  const extent = (axis: Vector) => {
    const along = world.map((point) => dot([point[0] - centre[0], point[1] - centre[1], point[2] - centre[2]], axis));
    return Math.max(...along) - Math.min(...along);
  };
  let mmPerPixel: number;
  if (area.sizeMode === "TRUE SIZE" && area.pixelSpacing) {
    // one image pixel (columnSpacing world mm) shown as Presentation Pixel Spacing physical mm
    mmPerPixel = (plane.columnSpacing * MM_PER_CSS_PIXEL) / area.pixelSpacing[1];
  } else if (area.sizeMode === "MAGNIFY" && area.magnification) {
    mmPerPixel = (plane.columnSpacing * devicePixelRatio) / area.magnification;
  } else {
    mmPerPixel = Math.max(extent(screen.right) / screen.width, extent(screen.down) / screen.height);
  }
  return { centre: [centre[0], centre[1], centre[2]], mmPerPixel };
}

/** The displayed area a screen shows: the image pixels under its corners, rounded outwards. */
export function visibleArea(corners: ImagePoint[]): DisplayedArea {
  const xs = corners.map((point) => point[0]);
  const ys = corners.map((point) => point[1]);
  return {
    topLeft: [Math.floor(Math.min(...xs)) + 1, Math.floor(Math.min(...ys)) + 1],
    bottomRight: [Math.max(Math.ceil(Math.max(...xs)), Math.floor(Math.min(...xs)) + 2), Math.max(Math.ceil(Math.max(...ys)), Math.floor(Math.min(...ys)) + 2)],
    sizeMode: "SCALE TO FIT",
  };
}
