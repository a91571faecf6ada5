// What a viewport shows, as a presentation state to store: the annotation tools' drawings on the images of its
// series (lengths and angles as polylines, ellipses, rectangles and freehand outlines as closed polylines, arrows
// as a two-point polyline with their text anchored at the head, notes as anchored text, measurement text in a box
// where the tool drew it), the window when the reader changed it, the displayed area when zoomed or panned, and
// the rotation and flip. The drawings come from measurements/annotations.ts in image pixel coordinates; no requests.

import type { Types } from "@cornerstonejs/core";
import type { Annotation, DisplayedArea, Graphic, ImagePoint, Layer, PresentationState, PresentedImage, Text, VoiWindow } from "../../api/documents";
import { imagePlane, worldToImage, type ImagePlane, type Point } from "../geometry";
import { imageLines } from "../measurement-text";
import { annotationByUid, measurements, withStatistics } from "../measurements/annotations";
import type { Measurement, MeasurementKind } from "../measurements/measure";
import type { StackImage } from "../stack";
import { magnification } from "../view";
import type { ViewportCell } from "../viewport-cell";
import { currentWindow, storedWindow } from "../windowing";
import { transformOf, visibleArea } from "./spatial";

type Kind = "measurement" | "arrow" | "note";

const LAYERS: Record<Kind, Layer> = {
  measurement: { name: "MEASUREMENTS", order: 1, description: "lengths, angles and regions" },
  arrow: { name: "ARROWS", order: 2, description: "arrows" },
  note: { name: "TEXT", order: 3, description: "notes" },
};

export interface Capture {
  /** The series the state is stored with (the shown image's). */
  series: string;
  state: PresentationState;
  /** How many annotations of the series were left out (on images of another size). */
  leftOut: number;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Image pixels kept inside the image (a presentation state's pixel graphics may not leave it). */
function inside(image: StackImage, points: Point[]): ImagePoint[] {
  return points.map(([x, y]) => [round(Math.max(0, Math.min(image.columns, x))), round(Math.max(0, Math.min(image.rows, y)))]);
}

function closed(points: ImagePoint[]): ImagePoint[] {
  const [first, last] = [points[0], points[points.length - 1]];
  return first && last && (first[0] !== last[0] || first[1] !== last[1]) ? [...points, first] : points;
}

/** A measurement's shape as graphic objects (nothing for a note). */
function graphicsOf(kind: MeasurementKind, points: ImagePoint[], isClosed: boolean): Graphic[] {
  switch (kind) {
    case "length":
    case "angle":
      return points.length >= 2 ? [{ type: "POLYLINE", points }] : [];
    case "ellipse": {
      if (points.length !== 4) return [];
      const [bottom, top, left, right] = points as [ImagePoint, ImagePoint, ImagePoint, ImagePoint];
      const vertical = Math.hypot(top[0] - bottom[0], top[1] - bottom[1]);
      const horizontal = Math.hypot(right[0] - left[0], right[1] - left[1]);
      return [{ type: "ELLIPSE", points: vertical >= horizontal ? [top, bottom, left, right] : [left, right, top, bottom] }];
    }
    case "rectangle": // its corners around
      return points.length === 4 ? [{ type: "POLYLINE", points: closed(points) }] : [];
    case "freehand":
      return points.length >= 2 ? [{ type: "POLYLINE", points: isClosed ? closed(points) : points }] : [];
    case "arrow": // from the tail to the head (the tool's first point)
      return points.length === 2 ? [{ type: "POLYLINE", points: [points[1]!, points[0]!] }] : [];
    default:
      return [];
  }
}

/** Where the tool drew the measurement's text, as a box in image pixels (undefined when it has not drawn one). */
function textBoxOf(measurement: Measurement, image: StackImage, plane: ImagePlane): [number, number, number, number] | undefined {
  const box = annotationByUid(measurement.uid)?.data.handles?.textBox?.worldBoundingBox;
  if (!box) return undefined;
  const corners = inside(image, [box.topLeft, box.topRight, box.bottomLeft, box.bottomRight].map((world) => worldToImage(plane, world)));
  const xs = corners.map((corner) => corner[0]);
  const ys = corners.map((corner) => corner[1]);
  const [left, top, right, bottom] = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  return right - left > 0.5 && bottom - top > 0.5 ? [left, top, right, bottom] : undefined;
}

function kindOf(kind: MeasurementKind): Kind {
  return kind === "arrow" ? "arrow" : kind === "text" ? "note" : "measurement";
}

/** One measurement as a presentation state's annotation (graphics and texts on its image). */
function annotationOf(measurement: Measurement, image: StackImage): Annotation | undefined {
  const kind = kindOf(measurement.kind);
  const points = inside(image, measurement.points);
  const graphics = graphicsOf(measurement.kind, points, measurement.closed);
  const box = textBoxOf(measurement, image, imagePlane(image.imageId));
  const texts: Text[] = [];
  const label = measurement.label;
  if (kind === "note") {
    if (points[0] && label) texts.push({ text: label, anchor: points[0], anchorVisible: false });
  } else if (kind === "arrow") {
    const head = graphics[0]?.points[1];
    if (head && label) texts.push({ text: label, anchor: head, anchorVisible: true, ...(box ? { box, justification: "LEFT" as const } : {}) });
  } else {
    const text = imageLines(measurement).join("\n");
    const last = graphics[0]?.points.at(-1);
    if (text && box) texts.push({ text, box, justification: "LEFT" });
    else if (text && last) texts.push({ text, anchor: last, anchorVisible: false });
  }
  if (graphics.length === 0 && texts.length === 0) return undefined;
  const reference = { sopInstanceUID: image.sopInstanceUid, ...(image.frame ? { frameNumber: image.frame } : {}) };
  return { layer: LAYERS[kind].name, images: [reference], graphics, texts };
}

/** The reader's window, when it is not the image's own. */
function changedWindow(cell: ViewportCell): VoiWindow | undefined {
  const viewport = cell.viewport!;
  const shown = currentWindow(viewport);
  const own = storedWindow(viewport);
  if (!shown) return undefined;
  if (own && Math.abs(shown.width - own.width) < 0.5 && Math.abs(shown.level - own.level) < 0.5) return undefined;
  return { center: round(shown.level), width: round(Math.max(1, shown.width)) };
}

/** Whether the whole image is fitted and centred, from what the screen shows (Cornerstone's zoom and pan are
 * relative to the fitted camera with WebGL but absolute on its CPU path). */
function isFitted(viewport: Types.IStackViewport, plane: ImagePlane, image: StackImage, rotation: number): boolean {
  const canvas = viewport.getCanvas();
  const [width, height] = [canvas.clientWidth, canvas.clientHeight];
  if (!width || !height) return true;
  const turned = rotation % 180 !== 0;
  const imageWidth = turned ? image.rows * plane.rowSpacing : image.columns * plane.columnSpacing;
  const imageHeight = turned ? image.columns * plane.columnSpacing : image.rows * plane.rowSpacing;
  const fitted = (plane.columnSpacing / Math.max(imageWidth / width, imageHeight / height)) * (window.devicePixelRatio || 1);
  const [x, y] = worldToImage(plane, viewport.canvasToWorld([width / 2, height / 2]));
  return Math.abs(magnification(viewport, plane) / fitted - 1) < 1e-3 && Math.hypot(x - image.columns / 2, y - image.rows / 2) < 0.5;
}

/** The part of the image on the screen, unless the whole image is fitted (the default). */
function shownArea(cell: ViewportCell, image: StackImage): DisplayedArea | undefined {
  const viewport = cell.viewport!;
  const canvas = viewport.getCanvas();
  const [width, height] = [canvas.clientWidth, canvas.clientHeight];
  const plane = imagePlane(image.imageId);
  if (isFitted(viewport, plane, image, cell.orientation.rotation)) return undefined;
  const corners = ([[0, 0], [width, 0], [0, height], [width, height]] as const).map(([x, y]) => worldToImage(plane, viewport.canvasToWorld([x, y])));
  const area = visibleArea(corners);
  const zoom = magnification(viewport, plane);
  return Math.abs(zoom - 1) < 0.01 ? { ...area, sizeMode: "MAGNIFY", magnification: 1 } : area;
}

/** The presentation state of what the viewport shows (its shown image's series), or why there is none. */
export async function capture(cell: ViewportCell, label: string, description: string): Promise<Capture> {
  const current = cell.currentImage;
  if (!cell.viewport || !current) throw new Error("The active viewport shows no image.");
  const sameSeries = cell.images.filter((image) => image.series === current.series);
  const chosen = sameSeries.filter((image) => image.rows === current.rows && image.columns === current.columns);
  const byImageId = new Map(chosen.map((image) => [image.imageId, image]));
  const seriesImageIds = new Set(sameSeries.map((image) => image.imageId));
  const drawn = measurements().filter((measurement) => seriesImageIds.has(measurement.imageId));
  const kept = await withStatistics(drawn.filter((measurement) => byImageId.has(measurement.imageId)));
  const items = kept.flatMap((measurement) => annotationOf(measurement, byImageId.get(measurement.imageId)!) ?? []);
  const window = changedWindow(cell);
  const area = shownArea(cell, current);
  const images: PresentedImage[] = [...new Set(chosen.map((image) => image.sopInstanceUid))].map((sop) => ({
    sopInstanceUID: sop,
    ...(window ? { window } : {}),
    ...(area ? { displayedArea: area } : {}),
  }));
  const used = new Set(items.map((item) => item.layer));
  const layers = Object.values(LAYERS).filter((layer) => used.has(layer.name));
  const state: PresentationState = { label, images, layers, annotations: items, ...transformOf(cell.orientation) };
  if (description) state.description = description;
  return { series: current.series, state, leftOut: drawn.length - kept.length };
}
