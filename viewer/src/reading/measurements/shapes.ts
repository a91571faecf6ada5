// What a measurement's points amount to, in image pixel coordinates ([0, 0] the top left corner of the top left
// pixel) and the image's calibration: lengths along polylines, angles, and regions (ellipse, polygon) with their
// area and which pixel centres they hold. Pure arithmetic: no Cornerstone, no DOM.

import type { Point } from "../geometry";

/** How the distance between pixels is known: it decides the units, and what a reader must be told. */
export type Calibration = "pixel spacing" | "imager pixel spacing" | "none";

/** Millimetres between columns (along a row) and between rows; 1 and 1 (pixels) when uncalibrated. */
export interface Scale {
  column: number;
  row: number;
  calibration: Calibration;
}

export const PIXELS: Scale = { column: 1, row: 1, calibration: "none" };

/** The physical step of a move in image coordinates. */
function step(scale: Scale, from: Point, to: Point): [number, number] {
  return [(to[0] - from[0]) * scale.column, (to[1] - from[1]) * scale.row];
}

/** The length of a polyline (millimetres, or pixels when uncalibrated). */
export function polylineLength(points: Point[], scale: Scale): number {
  let total = 0;
  for (let index = 1; index < points.length; index += 1) total += Math.hypot(...step(scale, points[index - 1]!, points[index]!));
  return total;
}

/** The angle at the middle point of three, in degrees (0–180), in physical space. */
export function angleAt(points: Point[], scale: Scale): number {
  const [first, vertex, last] = points;
  if (!first || !vertex || !last) return Number.NaN;
  const a = step(scale, vertex, first);
  const b = step(scale, vertex, last);
  const lengths = Math.hypot(...a) * Math.hypot(...b);
  if (!lengths) return Number.NaN;
  const cosine = Math.max(-1, Math.min(1, (a[0] * b[0] + a[1] * b[1]) / lengths));
  return (Math.acos(cosine) * 180) / Math.PI;
}

/** A closed region of the image. */
export interface Region {
  /** Area in square pixels (image coordinates). */
  pixelArea: number;
  /** Whether a point (a pixel centre) is inside. */
  contains(x: number, y: number): boolean;
  /** [left, top, right, bottom] in image coordinates. */
  bounds: [number, number, number, number];
}

/** The region's area in mm² (or pixels² when uncalibrated). */
export function areaOf(region: Region, scale: Scale): number {
  return region.pixelArea * scale.column * scale.row;
}

/** An ellipse from the ends of its two axes, [a1, a2, b1, b2] (any order of the pairs; axes need not be upright). */
export function ellipse(points: Point[]): Region {
  const [a1, a2, b1, b2] = points as [Point, Point, Point, Point];
  const centre: Point = [(a1[0] + a2[0] + b1[0] + b2[0]) / 4, (a1[1] + a2[1] + b1[1] + b2[1]) / 4];
  const u: Point = [(a2[0] - a1[0]) / 2, (a2[1] - a1[1]) / 2];
  const v: Point = [(b2[0] - b1[0]) / 2, (b2[1] - b1[1]) / 2];
  const determinant = u[0] * v[1] - u[1] * v[0];
  const reachX = Math.hypot(u[0], v[0]);
  const reachY = Math.hypot(u[1], v[1]);
  return {
    pixelArea: Math.PI * Math.abs(determinant),
    contains(x, y) {
      if (!determinant) return false;
      const dx = x - centre[0];
      const dy = y - centre[1];
      // (dx, dy) = α u + β v, inside when α² + β² ≤ 1
      const alpha = (dx * v[1] - dy * v[0]) / determinant;
      const beta = (u[0] * dy - u[1] * dx) / determinant;
      return alpha * alpha + beta * beta <= 1;
    },
    bounds: [centre[0] - reachX, centre[1] - reachY, centre[0] + reachX, centre[1] + reachY],
  };
}

/** A polygon (its first point need not be repeated last); crossing edges count by the even–odd rule. */
export function polygon(points: Point[]): Region {
  const corners = points.length > 1 && samePoint(points[0]!, points[points.length - 1]!) ? points.slice(0, -1) : points;
  let twiceArea = 0;
  for (let index = 0; index < corners.length; index += 1) {
    const [x1, y1] = corners[index]!;
    const [x2, y2] = corners[(index + 1) % corners.length]!;
    twiceArea += x1 * y2 - x2 * y1;
  }
  const xs = corners.map((point) => point[0]);
  const ys = corners.map((point) => point[1]);
  return {
    pixelArea: Math.abs(twiceArea) / 2,
    contains(x, y) {
      let inside = false;
      for (let index = 0, previous = corners.length - 1; index < corners.length; previous = index, index += 1) {
        const [xi, yi] = corners[index]!;
        const [xj, yj] = corners[previous]!;
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
      }
      return inside;
    },
    bounds: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
  };
}

export function samePoint(a: Point, b: Point, tolerance = 1e-6): boolean {
  return Math.abs(a[0] - b[0]) <= tolerance && Math.abs(a[1] - b[1]) <= tolerance;
}

/** An ellipse's axis ends ordered major first, as DICOM's ELLIPSE graphic wants them. */
export function majorAxisFirst(points: Point[], scale: Scale): Point[] {
  const [a1, a2, b1, b2] = points as [Point, Point, Point, Point];
  const a = polylineLength([a1, a2], scale);
  const b = polylineLength([b1, b2], scale);
  return a >= b ? [a1, a2, b1, b2] : [b1, b2, a1, a2];
}
