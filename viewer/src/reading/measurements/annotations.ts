// The reader's measurements as Cornerstone3D keeps them (annotations of the measuring tools, each on one image):
// found, read into image pixel coordinates, selected, relabelled, removed, and drawn from a stored report. Every
// other part of the viewer goes through this module, never through Cornerstone's annotation state.

import { eventTarget, metaData, type Types } from "@cornerstonejs/core";
import {
  AngleTool,
  ArrowAnnotateTool,
  EllipticalROITool,
  Enums as ToolEnums,
  LabelTool,
  LengthTool,
  PlanarFreehandROITool,
  RectangleROITool,
  annotation as annotations,
  utilities as toolUtilities,
  type Types as ToolTypes,
} from "@cornerstonejs/tools";
import { imagePlane, imageToWorld, worldToImage, type Point } from "../geometry";
import { cachedPixelValues, loadedPixelValues, measure, regionOf, type Measurement, type MeasurementKind } from "./measure";

type Annotation = ToolTypes.Annotation;

export const TOOL_OF_KIND: Record<MeasurementKind, string> = {
  length: LengthTool.toolName,
  angle: AngleTool.toolName,
  ellipse: EllipticalROITool.toolName,
  rectangle: RectangleROITool.toolName,
  freehand: PlanarFreehandROITool.toolName,
  arrow: ArrowAnnotateTool.toolName,
  text: LabelTool.toolName,
};

const KIND_OF_TOOL = new Map(Object.entries(TOOL_OF_KIND).map(([kind, tool]) => [tool, kind as MeasurementKind]));

export function kindOf(annotation: Annotation): MeasurementKind | undefined {
  return KIND_OF_TOOL.get(annotation.metadata?.toolName ?? "");
}

/** Every measurement annotation, in the order drawn. */
export function measurementAnnotations(): Annotation[] {
  return (annotations.state.getAllAnnotations() ?? []).filter(
    (item) => kindOf(item) !== undefined && Boolean(item.metadata?.referencedImageId) && Boolean(item.annotationUID),
  );
}

/** The world points of an annotation in an order that describes its shape (a rectangle's corners around it). */
function worldPoints(annotation: Annotation, kind: MeasurementKind): Types.Point3[] {
  const points = (annotation.data.handles?.points ?? []) as Types.Point3[];
  if (kind === "freehand") return (annotation.data.contour?.polyline ?? []) as Types.Point3[];
  // Cornerstone keeps a rectangle as two opposite corners (0, 3) and the other two (1, 2)
  if (kind === "rectangle" && points.length === 4) return [points[0]!, points[1]!, points[3]!, points[2]!];
  return points;
}

const memory = new Map<string, { key: string; measurement: Measurement }>();

/** What an annotation measures; region statistics only when its image's pixels are in Cornerstone's cache. */
export function measurementOf(annotation: Annotation): Measurement | undefined {
  const kind = kindOf(annotation);
  const imageId = annotation.metadata?.referencedImageId;
  const uid = annotation.annotationUID;
  if (!kind || !imageId || !uid) return undefined;
  const plane = imagePlane(imageId);
  const points = worldPoints(annotation, kind).map((world) => worldToImage(plane, world));
  const closed = kind !== "freehand" || Boolean(annotation.data.contour?.closed);
  const label = String(annotation.data.label ?? "");
  const pixels = cachedPixelValues(imageId);
  const key = JSON.stringify([points, closed, label, Boolean(pixels)]);
  const known = memory.get(uid);
  if (known?.key === key) return known.measurement;
  const measurement = measure({ uid, kind, imageId, label, points, closed }, pixels);
  memory.set(uid, { key, measurement });
  return measurement;
}

export function measurements(): Measurement[] {
  return measurementAnnotations().flatMap((item) => measurementOf(item) ?? []);
}

/** These measurements with their region statistics, the images no longer in Cornerstone's cache loaded again. */
export async function withStatistics(some: Measurement[]): Promise<Measurement[]> {
  const complete: Measurement[] = [];
  for (const measurement of some) {
    const annotation = annotationByUid(measurement.uid);
    if (annotation && !measurement.statistics && regionOf(measurement.kind, measurement.points, measurement.closed)) {
      await loadedPixelValues(measurement.imageId);
    }
    complete.push((annotation && measurementOf(annotation)) ?? measurement);
  }
  return complete;
}

/** The measurement whose annotation holds this data (Cornerstone's text callbacks are given the data only). */
export function measurementOfData(data: unknown): Measurement | undefined {
  const found = measurementAnnotations().find((item) => item.data === data);
  return found && measurementOf(found);
}

export function annotationByUid(uid: string): Annotation | undefined {
  return annotations.state.getAnnotation(uid);
}

export function removeMeasurement(uid: string): void {
  annotations.selection.setAnnotationSelected(uid, false);
  annotations.state.removeAnnotation(uid);
  memory.delete(uid);
}

export function selectMeasurement(uid: string | undefined): void {
  if (uid) annotations.selection.setAnnotationSelected(uid, true, false);
  else for (const selected of selectedMeasurementUids()) annotations.selection.setAnnotationSelected(selected, false);
}

export function selectedMeasurementUids(): string[] {
  return annotations.selection.getAnnotationsSelected() ?? [];
}

/** Change a measurement's label (an arrow's or a note's text); `element` is a viewport showing it, if any. */
export function relabel(uid: string, label: string, element: HTMLDivElement | undefined): void {
  const annotation = annotationByUid(uid);
  if (!annotation) return;
  if (element) toolUtilities.setAnnotationLabel(annotation, element, label);
  else annotation.data.label = label;
  annotation.invalidated = true;
}

/** Redraw the annotations of these viewports. */
export function redraw(viewportIds: string[]): void {
  if (viewportIds.length) toolUtilities.triggerAnnotationRenderForViewportIds(viewportIds);
}

const CHANGES = [
  ToolEnums.Events.ANNOTATION_ADDED,
  ToolEnums.Events.ANNOTATION_COMPLETED,
  ToolEnums.Events.ANNOTATION_MODIFIED,
  ToolEnums.Events.ANNOTATION_REMOVED,
  ToolEnums.Events.ANNOTATION_SELECTION_CHANGE,
];

/** Call `listener` (at most once a frame) whenever a measurement is added, changed, removed, selected. */
export function onMeasurementsChanged(listener: () => void): void {
  let pending = 0;
  const later = () => {
    if (!pending) pending = requestAnimationFrame(() => {
      pending = 0;
      listener();
    });
  };
  for (const name of CHANGES) eventTarget.addEventListener(name, later);
}

/** A measurement to draw: its kind, image and points in image pixel coordinates. */
export interface Drawing {
  kind: MeasurementKind;
  imageId: string;
  points: Point[];
  label: string;
  closed?: boolean;
}

function frameOfReferenceOf(imageId: string): string | undefined {
  return (metaData.get("imagePlaneModule", imageId) as { frameOfReferenceUID?: string } | undefined)?.frameOfReferenceUID || undefined;
}

function cross(a: ArrayLike<number>, b: ArrayLike<number>): Types.Point3 {
  return [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
}

/** Add a measurement as an annotation of its tool. Cornerstone keeps annotations by Frame of Reference: `element`
 * is a viewport showing the image's series (its group whatever the image says), else the image's Frame of
 * Reference UID is the group. Returns the annotation's UID, or undefined when the image has neither. */
export function draw(drawing: Drawing, element: HTMLDivElement | undefined): string | undefined {
  const frameOfReference = frameOfReferenceOf(drawing.imageId);
  const group = element ?? frameOfReference;
  if (!group) return undefined;
  const plane = imagePlane(drawing.imageId);
  const world = drawing.points.map((point) => imageToWorld(plane, point));
  const data: ToolTypes.Annotation["data"] = { handles: { points: world, activeHandleIndex: null }, label: drawing.label, cachedStats: {} };
  // Cornerstone keeps a rectangle as two opposite corners (0, 3) and the other two (1, 2)
  if (drawing.kind === "rectangle" && world.length === 4) data.handles!.points = [world[0]!, world[1]!, world[3]!, world[2]!];
  if (drawing.kind === "freehand") {
    data.handles!.points = [];
    data.contour = { polyline: world, closed: drawing.closed ?? true };
  }
  const annotation: Annotation = {
    highlighted: false,
    invalidated: true,
    isLocked: false,
    isVisible: true,
    autoGenerated: false,
    metadata: {
      toolName: TOOL_OF_KIND[drawing.kind],
      referencedImageId: drawing.imageId,
      FrameOfReferenceUID: frameOfReference ?? "",
      // as a stack viewport's camera looks at an image: along column × row, the top of the image up
      viewPlaneNormal: cross(plane.column, plane.row),
      viewUp: [-plane.column[0], -plane.column[1], -plane.column[2]],
    },
    data,
  };
  if (drawing.kind === "freehand") annotation.interpolationUID = "";
  return annotations.state.addAnnotation(annotation, group);
}
