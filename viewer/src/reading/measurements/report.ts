// Measurements to and from a TID 1500 report's JSON (docs/viewer-api.md): lengths and angles on polylines, regions
// as ELLIPSE (major axis first) or closed POLYLINE, points in image pixel coordinates as both sides keep them. What a
// report cannot hold (arrows and notes; sizes in pixels, as a report needs millimetres) is left out, and said.

import type { ImagePoint, MeasurementValue, RegionValue } from "../../api/measurements";
import type { Point } from "../geometry";
import { KIND_NAMES } from "../measurement-text";
import type { Measurement } from "./measure";
import { majorAxisFirst, samePoint } from "./shapes";

/** Where a measurement's image is, as the report names it. */
export interface ImageName {
  sopInstanceUID: string;
  frameNumber?: number;
}

export interface ReportContent {
  values: MeasurementValue[];
  /** What was left out and why, for the reader ("Arrow: not a measurement"). */
  leftOut: string[];
}

const LABEL_LENGTH = 64; // a Long String

function finite(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

function asPoints(points: Point[]): ImagePoint[] {
  return points.map(([column, row]) => [column, row]);
}

function closedRing(points: Point[]): ImagePoint[] {
  const ring = asPoints(points);
  if (ring.length && !samePoint(points[0]!, points[points.length - 1]!)) ring.push([...ring[0]!]);
  return ring;
}

function regionValue(measurement: Measurement, common: Omit<RegionValue, "kind" | "shape" | "points">): RegionValue | string {
  const { statistics, scale } = measurement;
  const calibrated = scale.calibration !== "none";
  const value: RegionValue = measurement.kind === "ellipse"
    ? { kind: "region", shape: "ELLIPSE", points: asPoints(majorAxisFirst(measurement.points, scale)), ...common }
    : { kind: "region", shape: "POLYLINE", points: closedRing(measurement.points), ...common };
  if (calibrated) value.area = finite(measurement.area);
  if (statistics) {
    Object.assign(value, { mean: statistics.mean, standardDeviation: statistics.standardDeviation, minimum: statistics.minimum, maximum: statistics.maximum });
  }
  if (value.area === undefined && !statistics) return "its area is in pixels (no Pixel Spacing) and its pixel values are unknown";
  return value;
}

/** One measurement as the report's JSON, or why it cannot be one. */
export function toValue(measurement: Measurement, image: ImageName): MeasurementValue | string {
  const common = { image: { ...image }, ...(measurement.label ? { label: measurement.label.slice(0, LABEL_LENGTH) } : {}) };
  const calibrated = measurement.scale.calibration !== "none";
  switch (measurement.kind) {
    case "arrow":
    case "text":
      return "not a measurement (a presentation state keeps arrows and notes)";
    case "angle": {
      const angle = finite(measurement.angle);
      return angle === undefined ? "no angle (two of its points coincide)" : { kind: "angle", points: asPoints(measurement.points), angle, ...common };
    }
    case "length":
      if (!calibrated) return "in pixels (the image has no Pixel Spacing); a report holds millimetres";
      return { kind: "length", points: asPoints(measurement.points), length: measurement.length ?? 0, ...common };
    case "freehand":
      if (!measurement.closed) {
        if (!calibrated) return "in pixels (the image has no Pixel Spacing); a report holds millimetres";
        return { kind: "length", points: asPoints(measurement.points), length: measurement.length ?? 0, ...common };
      }
      return regionValue(measurement, common);
    default:
      return regionValue(measurement, common);
  }
}

/** The report's content for some measurements; `imageOf` names each one's image (undefined: not found). */
export function toReport(measurements: Measurement[], imageOf: (imageId: string) => ImageName | undefined): ReportContent {
  const values: MeasurementValue[] = [];
  const leftOut: string[] = [];
  for (const measurement of measurements) {
    const image = imageOf(measurement.imageId);
    const value = image ? toValue(measurement, image) : "its image is not known";
    if (typeof value === "string") leftOut.push(`${measurement.label || KIND_NAMES[measurement.kind]}: ${value}`);
    else values.push(value);
  }
  return { values, leftOut };
}

/** How a stored measurement is drawn again: its tool, points (in that tool's terms) and label. */
export interface Redrawing {
  kind: Measurement["kind"];
  points: Point[];
  closed: boolean;
  label: string;
}

/** An ellipse's axis ends as the ellipse tool keeps them: the upright axis (top end first), then the level one. */
function ellipseAxes(points: Point[]): Point[] {
  const [a1, a2, b1, b2] = points as [Point, Point, Point, Point];
  const upright = (p: Point, q: Point) => Math.abs(q[1] - p[1]) >= Math.abs(q[0] - p[0]);
  const [vertical, level] = upright(a1, a2) ? [[a1, a2], [b1, b2]] : [[b1, b2], [a1, a2]];
  vertical.sort((p, q) => p[1] - q[1]);
  level.sort((p, q) => p[0] - q[0]);
  return [...vertical, ...level] as Point[];
}

/** A closed ring of four upright corners, as a rectangle's corners around it; undefined when it is another shape. */
function rectangleCorners(ring: Point[]): Point[] | undefined {
  const corners = ring.length === 5 && samePoint(ring[0]!, ring[4]!) ? ring.slice(0, 4) : undefined;
  if (!corners) return undefined;
  const xs = [...new Set(corners.map((point) => point[0]))];
  const ys = [...new Set(corners.map((point) => point[1]))];
  if (xs.length !== 2 || ys.length !== 2) return undefined;
  const [left, right] = xs.sort((a, b) => a - b) as [number, number];
  const [top, bottom] = ys.sort((a, b) => a - b) as [number, number];
  return [[left, top], [right, top], [right, bottom], [left, bottom]];
}

export function fromValue(value: MeasurementValue): Redrawing {
  const points = value.points.map(([column, row]) => [column, row] as Point);
  const label = value.label ?? "";
  if (value.kind === "angle") return { kind: "angle", points, closed: true, label };
  if (value.kind === "length") {
    return points.length === 2 ? { kind: "length", points, closed: true, label } : { kind: "freehand", points, closed: false, label };
  }
  if (value.shape === "ELLIPSE") return { kind: "ellipse", points: ellipseAxes(points), closed: true, label };
  if (value.shape === "CIRCLE") {
    const [[x, y], edge] = points as [Point, Point];
    const radius = Math.hypot(edge[0] - x, edge[1] - y);
    return { kind: "ellipse", points: [[x, y - radius], [x, y + radius], [x - radius, y], [x + radius, y]], closed: true, label };
  }
  const rectangle = rectangleCorners(points);
  if (rectangle) return { kind: "rectangle", points: rectangle, closed: true, label };
  return { kind: "freehand", points: samePoint(points[0]!, points[points.length - 1]!) ? points.slice(0, -1) : points, closed: true, label };
}
