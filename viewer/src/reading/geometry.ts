// Where an image's pixels are: image pixel coordinates in the DICOM convention ([0, 0] the top left corner of the
// top left pixel, [Columns, Rows] the bottom right corner of the bottom right one, PS3.3 C.10.5.1.2) to the
// viewer's world (patient LPS mm when the image says where it is) and back, and the edges of the screen in
// patient directions. Pure arithmetic over the image plane Cornerstone uses (its defaults when attributes are
// missing: no position is [0, 0, 0], no orientation is rows along x, no spacing is 1).

import { metaData, type Types } from "@cornerstonejs/core";
import { drawsOnCpu } from "./cpu-drawing";

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
  /** The image pixel coordinate (along rows and columns) the viewport's world puts at `origin`: 0.5, the top left
   * pixel's centre as DICOM says, on Cornerstone's WebGL path; 0, that pixel's corner, on its CPU path, whose world
   * is half a pixel off the patient's (its canvas-to-world conversions count from the corner). */
  worldOrigin: number;
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
    worldOrigin: drawsOnCpu() ? 0 : 0.5,
  };
}

/** Image pixel coordinates (DICOM convention) to the viewport's world coordinates on the image's plane. */
export function imageToWorld(plane: ImagePlane, point: Point): Types.Point3 {
  return planePoint(plane, point, plane.worldOrigin);
}

/** Image pixel coordinates (DICOM convention) to the patient's coordinates (LPS mm), whatever draws the image. */
export function imageToPatient(plane: ImagePlane, point: Point): Types.Point3 {
  return planePoint(plane, point, 0.5);
}

function planePoint(plane: ImagePlane, [x, y]: Point, originAt: number): Types.Point3 {
  const along = (x - originAt) * plane.columnSpacing;
  const down = (y - originAt) * plane.rowSpacing;
  return [0, 1, 2].map((axis) => plane.origin[axis]! + plane.row[axis]! * along + plane.column[axis]! * down) as Types.Point3;
}

/** The viewport's world coordinates to image pixel coordinates (DICOM convention), projected onto the image's plane. */
export function worldToImage(plane: ImagePlane, world: ArrayLike<number>): Point {
  const offset = [0, 1, 2].map((axis) => world[axis]! - plane.origin[axis]!);
  const along = dot(offset, plane.row) / plane.columnSpacing;
  const down = dot(offset, plane.column) / plane.rowSpacing;
  return [along + plane.worldOrigin, down + plane.worldOrigin];
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
