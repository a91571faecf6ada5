// A measurement's values from its points in image pixel coordinates: the length of a line, an angle, a region's
// area and statistics, in honest units (millimetres from Pixel Spacing; from Imager Pixel Spacing, said so; pixels
// when nothing is known) and the modality's units for pixel values. Where the image's scale and values come from
// (its metadata, Cornerstone's cached image) is here too; the arithmetic is in shapes.ts and region-statistics.ts.

import { cache, imageLoader, metaData, type Types } from "@cornerstonejs/core";
import { wadors } from "@cornerstonejs/dicom-image-loader";
import { Tag, numbers, type DicomJson } from "../../dicomweb/json";
import type { Point } from "../geometry";
import { modalityUnit } from "../overlay";
import { regionStatistics, type PixelValues, type RegionStatistics } from "./region-statistics";
import { PIXELS, angleAt, areaOf, ellipse, polygon, polylineLength, type Region, type Scale } from "./shapes";

export type MeasurementKind = "length" | "angle" | "ellipse" | "rectangle" | "freehand" | "arrow" | "text";

/** What the reader drew, where, and what it measures. */
export interface Measurement {
  uid: string;
  kind: MeasurementKind;
  imageId: string;
  /** The reader's label (a TID 1500 tracking identifier); for an arrow or a note, its text. */
  label: string;
  /** Image pixel coordinates, in the tool's order (rectangle: the corners around; freehand: its outline). */
  points: Point[];
  /** A freehand outline that closes on itself (a region), or an open one (a length). */
  closed: boolean;
  scale: Scale;
  length?: number;
  angle?: number;
  area?: number;
  statistics?: RegionStatistics;
  /** The unit of pixel values after the modality LUT ("HU"), "" when it has none. */
  valueUnit: string;
}

export function instanceOf(imageId: string): DicomJson | undefined {
  return wadors.metaDataManager.get(imageId) as unknown as DicomJson | undefined;
}

/** The image's scale: Pixel Spacing (per frame for enhanced objects, as Cornerstone reads it), else Imager Pixel
 * Spacing (sizes at the detector, not corrected for magnification), else pixels. */
export function scaleOf(imageId: string): Scale {
  const plane = metaData.get("imagePlaneModule", imageId) as { pixelSpacing?: number[] | null } | undefined;
  const spacing = plane?.pixelSpacing;
  if (spacing && spacing.length === 2 && spacing.every((value) => value > 0)) {
    return { row: spacing[0]!, column: spacing[1]!, calibration: "pixel spacing" };
  }
  const instance = instanceOf(imageId);
  const imager = instance ? numbers(instance, Tag.ImagerPixelSpacing) : [];
  if (imager.length === 2 && imager.every((value) => value > 0)) {
    return { row: imager[0]!, column: imager[1]!, calibration: "imager pixel spacing" };
  }
  return PIXELS;
}

/** The values of a greyscale image in modality units, from Cornerstone's cache (undefined when not loaded or colour). */
export function pixelValuesOf(image: Types.IImage | undefined): PixelValues | undefined {
  if (!image || image.color) return undefined;
  const data = image.voxelManager?.getScalarData?.() ?? image.getPixelData();
  const scaled = Boolean(image.preScale?.scaled);
  const slope = image.slope ?? 1;
  const intercept = image.intercept ?? 0;
  return {
    columns: image.columns,
    rows: image.rows,
    value: scaled ? (index) => data[index]! : (index) => data[index]! * slope + intercept,
  };
}

export function cachedPixelValues(imageId: string): PixelValues | undefined {
  return pixelValuesOf(cache.getImage(imageId) as Types.IImage | undefined);
}

/** The values of an image in modality units, loading it again when Cornerstone's cache no longer holds it. */
export async function loadedPixelValues(imageId: string): Promise<PixelValues | undefined> {
  return cachedPixelValues(imageId) ?? pixelValuesOf(await imageLoader.loadAndCacheImage(imageId));
}

/** The region a region measurement encloses, in image coordinates. */
export function regionOf(kind: MeasurementKind, points: Point[], closed: boolean): Region | undefined {
  if (kind === "ellipse" && points.length === 4) return ellipse(points);
  if ((kind === "rectangle" && points.length === 4) || (kind === "freehand" && closed && points.length >= 3)) return polygon(points);
  return undefined;
}

/** The values of a measurement (its points, kind and image given), with statistics when its pixels are at hand. */
export function measure(base: Omit<Measurement, "scale" | "valueUnit">, pixels: PixelValues | undefined): Measurement {
  const scale = scaleOf(base.imageId);
  const instance = instanceOf(base.imageId);
  const measurement: Measurement = { ...base, scale, valueUnit: instance ? modalityUnit(instance) : "" };
  switch (base.kind) {
    case "length":
      measurement.length = polylineLength(base.points, scale);
      break;
    case "angle":
      measurement.angle = angleAt(base.points, scale);
      break;
    case "freehand":
      if (!base.closed) measurement.length = polylineLength(base.points, scale);
      break;
    default:
      break;
  }
  const region = regionOf(base.kind, base.points, base.closed);
  if (region) {
    measurement.area = areaOf(region, scale);
    if (pixels) measurement.statistics = regionStatistics(pixels, region);
  }
  return measurement;
}
