// What a measurement says, in honest units: millimetres from Pixel Spacing, "mm (Imager Pixel Spacing)" when only
// the detector's spacing is known (not corrected for magnification), pixels when nothing is; region statistics
// in the modality's units (HU for CT after the rescale). Used on the image and in the measurement list.

import { wadors } from "@cornerstonejs/dicom-image-loader";
import type { DicomJson } from "../dicomweb/json";
import { calibrationOf } from "./stack";

/** The statistics Cornerstone's tools keep for an image ("imageId:<id>" → values). */
export interface MeasurementStats {
  length?: number | null;
  unit?: string | null;
  angle?: number | string | null;
  area?: number | null;
  areaUnit?: string | null;
  mean?: number | null;
  stdDev?: number | null;
  min?: number | null;
  max?: number | null;
  modalityUnit?: string | null;
}

export function imageIdOfTarget(targetId: string): string {
  return targetId.startsWith("imageId:") ? targetId.slice("imageId:".length) : targetId;
}

function instanceOf(imageId: string): DicomJson | undefined {
  return wadors.metaDataManager.get(imageId) as unknown as DicomJson | undefined;
}

/** "mm", "mm (Imager Pixel Spacing)" or "px": the length unit of an image, given the unit Cornerstone measured in. */
export function lengthUnit(measuredUnit: string | null | undefined, imageId: string): string {
  if (!measuredUnit || measuredUnit.startsWith("px")) return "px";
  const instance = instanceOf(imageId);
  if (instance && calibrationOf(instance) === "imager pixel spacing") return "mm (Imager Pixel Spacing)";
  return "mm";
}

export function areaUnit(measuredUnit: string | null | undefined, imageId: string): string {
  const unit = lengthUnit(measuredUnit?.replace("²", ""), imageId);
  return unit.replace(/^(mm|px)/, "$1²");
}

/** Whether a measurement's sizes are in millimetres (which a TID 1500 report needs). */
export function inMillimetres(stats: MeasurementStats): boolean {
  return Boolean(stats.unit?.startsWith("mm") || stats.areaUnit?.startsWith("mm"));
}

export function rounded(value: number, digits = 1): string {
  return value.toFixed(Math.abs(value) >= 100 ? Math.max(0, digits - 1) : digits);
}

function modality(stats: MeasurementStats): string {
  return stats.modalityUnit ? ` ${stats.modalityUnit}` : "";
}

export function lengthLines(stats: MeasurementStats | undefined, imageId: string): string[] {
  if (!stats || typeof stats.length !== "number" || Number.isNaN(stats.length)) return [];
  return [`${rounded(stats.length)} ${lengthUnit(stats.unit, imageId)}`];
}

export function angleLines(stats: MeasurementStats | undefined): string[] {
  return stats && typeof stats.angle === "number" ? [`${rounded(stats.angle)}°`] : [];
}

export function regionLines(stats: MeasurementStats | undefined, imageId: string): string[] {
  if (!stats) return [];
  const lines: string[] = [];
  if (typeof stats.area === "number") lines.push(`Area ${rounded(stats.area)} ${areaUnit(stats.areaUnit, imageId)}`);
  if (typeof stats.mean === "number") {
    const deviation = typeof stats.stdDev === "number" ? ` ± ${rounded(stats.stdDev)}` : "";
    lines.push(`Mean ${rounded(stats.mean)}${deviation}${modality(stats)}`);
  }
  if (typeof stats.min === "number" && typeof stats.max === "number") {
    lines.push(`Min ${rounded(stats.min)} Max ${rounded(stats.max)}${modality(stats)}`);
  }
  return lines;
}

/** The tools name the image they measure with a target ID; the rectangle tool gives a list of them. */
type Lines = (data: { cachedStats?: Record<string, MeasurementStats> }, target: string | string[]) => string[];

function first(target: string | string[]): string {
  return (Array.isArray(target) ? target[0] : target) ?? "";
}

export const textLines: Record<"length" | "angle" | "region", Lines> = {
  length: (data, target) => lengthLines(data.cachedStats?.[first(target)], imageIdOfTarget(first(target))),
  angle: (data, target) => angleLines(data.cachedStats?.[first(target)]),
  region: (data, target) => regionLines(data.cachedStats?.[first(target)], imageIdOfTarget(first(target))),
};
