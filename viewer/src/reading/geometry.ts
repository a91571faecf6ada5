// Where an image's pixels are: image pixel coordinates in the DICOM convention ([0, 0] the top left corner of the
// top left pixel, [Columns, Rows] the bottom right corner of the bottom right one, PS3.3 C.10.5.1.2) to the
// viewer's world (patient LPS mm when the image says where it is) and back, and the edges of the screen in
// patient directions. Pure arithmetic over the image plane Cornerstone uses (its defaults when attributes are
// missing: no position is [0, 0, 0], no orientation is rows along x, no spacing is 1).

import { metaData, type Types } from "@cornerstonejs/core";

export type Vector = [number, number, number];
export type Point = [number, number];

export interface ImagePlane {
  origin: Vector; // centre of the top left pixel
  row: Vector; // direction along a row (increasing column)
  column: Vector; // direction down a column (increasing row)
  columnSpacing: number; // mm between columns
  rowSpacing: number; // mm between rows
  /** Whether the image says where it is (Image Position and Orientation (Patient)). */
  located: boolean;
}

interface PlaneModule {
  imagePositionPatient?: number[] | null;
  rowCosines?: number[] | null;
  columnCosines?: number[] | null;
  rowPixelSpacing?: number | null;
  columnPixelSpacing?: number | null;
}

export function imagePlane(imageId: string): ImagePlane {
  const module = (metaData.get("imagePlaneModule", imageId) ?? {}) as PlaneModule;
  const vector = (value: number[] | null | undefined, fallback: Vector): Vector =>
    value && value.length === 3 && value.every(Number.isFinite) ? [value[0]!, value[1]!, value[2]!] : fallback;
  return {
    origin: vector(module.imagePositionPatient, [0, 0, 0]),
    row: vector(module.rowCosines, [1, 0, 0]),
    column: vector(module.columnCosines, [0, 1, 0]),
    // Cornerstone's "row pixel spacing" is Pixel Spacing's first value: the distance between rows
    columnSpacing: module.columnPixelSpacing || 1,
    rowSpacing: module.rowPixelSpacing || 1,
    located: Boolean(module.imagePositionPatient && module.rowCosines && module.columnCosines),
  };
}

/** Image pixel coordinates (DICOM convention) to world coordinates on the image's plane. */
export function imageToWorld(plane: ImagePlane, [x, y]: Point): Types.Point3 {
  const along = (x - 0.5) * plane.columnSpacing;
  const down = (y - 0.5) * plane.rowSpacing;
  return [0, 1, 2].map((axis) => plane.origin[axis]! + plane.row[axis]! * along + plane.column[axis]! * down) as Types.Point3;
}

/** World coordinates to image pixel coordinates (DICOM convention), projected onto the image's plane. */
export function worldToImage(plane: ImagePlane, world: ArrayLike<number>): Point {
  const offset = [0, 1, 2].map((axis) => world[axis]! - plane.origin[axis]!);
  const along = dot(offset, plane.row) / plane.columnSpacing;
  const down = dot(offset, plane.column) / plane.rowSpacing;
  return [along + 0.5, down + 0.5];
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
}

function normalised(vector: Vector): Vector {
  const length = Math.hypot(...vector);
  return length ? (vector.map((value) => value / length) as Vector) : vector;
}

/** The patient directions of a world vector, strongest first ("L", "LP", "HPR"…): LPS, S shown as H, I as F. */
export function directionLetters(vector: Vector, threshold = 0.25): string {
  const unit = normalised(vector);
  const letters: [number, string][] = [
    [unit[0], unit[0] > 0 ? "L" : "R"],
    [unit[1], unit[1] > 0 ? "P" : "A"],
    [unit[2], unit[2] > 0 ? "H" : "F"],
  ];
  return letters
    .filter(([value]) => Math.abs(value) > threshold)
    .sort((a, b) => Math.abs(b[0]) - Math.abs(a[0]))
    .map(([, letter]) => letter)
    .join("");
}

export function opposite(vector: Vector): Vector {
  return vector.map((value) => -value) as Vector;
}

export function difference(a: ArrayLike<number>, b: ArrayLike<number>): Vector {
  return [a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!];
}
