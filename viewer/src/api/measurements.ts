// The measurement reports of pypacs's JSON API (docs/viewer-api.md, "Measurements"): the shapes sent and read back,
// and the requests that store one (a TID 1500 SR through the archive's ingest) and list a study's.

import { getJson, postJson, studyPath } from "./client";

/** [column, row] in image pixel coordinates, [0, 0] the top left corner of the top left pixel. */
export type ImagePoint = [number, number];

export interface ImageReference {
  studyInstanceUID?: string;
  seriesInstanceUID?: string;
  sopInstanceUID: string;
  sopClassUID?: string;
  frameNumber?: number;
}

interface Common {
  label?: string;
  image: ImageReference;
  points: ImagePoint[];
}

export interface LengthValue extends Common {
  kind: "length";
  length: number; // mm
}

export interface AngleValue extends Common {
  kind: "angle";
  angle: number; // degrees
}

export interface RegionValue extends Common {
  kind: "region";
  shape: "ELLIPSE" | "CIRCLE" | "POLYLINE";
  area?: number; // mm²
  mean?: number;
  standardDeviation?: number;
  minimum?: number;
  maximum?: number;
  unit?: string; // UCUM
}

export type MeasurementValue = LengthValue | AngleValue | RegionValue;

export interface MeasurementReport {
  observer?: string;
  measurements: MeasurementValue[];
}

export interface StoredObject {
  studyInstanceUID: string;
  seriesInstanceUID: string;
  sopInstanceUID: string;
  sopClassUID: string;
}

export interface StoredMeasurementReport extends MeasurementReport, StoredObject {
  created?: string | null;
}

export function storeMeasurementReport(study: string, series: string, report: MeasurementReport): Promise<StoredObject> {
  return postJson<StoredObject>(`${studyPath(study)}/series/${encodeURIComponent(series)}/measurements`, report);
}

export function measurementReports(study: string, signal?: AbortSignal): Promise<StoredMeasurementReport[]> {
  return getJson<StoredMeasurementReport[]>(`${studyPath(study)}/measurements`, signal);
}
