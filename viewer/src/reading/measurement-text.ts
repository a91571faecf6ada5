// What a measurement says, in honest units: millimetres from Pixel Spacing; millimetres "calibrated by Imager
// Pixel Spacing" when only the detector's spacing is known (not corrected for magnification); pixels when nothing
// is; region statistics in the modality's units (HU for CT after the rescale). Used on the image (the tools' text
// boxes) and in the measurement list.

import type { Measurement, MeasurementKind } from "./measurements/measure";
import type { Scale } from "./measurements/shapes";

export const KIND_NAMES: Record<MeasurementKind, string> = {
  length: "Length",
  angle: "Angle",
  ellipse: "Ellipse",
  rectangle: "Rectangle",
  freehand: "Freehand",
  arrow: "Arrow",
  text: "Text",
};

export const IMAGER_NOTE = "calibrated by Imager Pixel Spacing";

export function rounded(value: number, digits = 1): string {
  return value.toFixed(Math.abs(value) >= 1000 ? Math.max(0, digits - 1) : digits);
}

export function lengthUnit(scale: Scale): string {
  return scale.calibration === "none" ? "px" : "mm";
}

export function areaUnit(scale: Scale): string {
  return `${lengthUnit(scale)}²`;
}

/** "" for Pixel Spacing and pixels (the unit says it), the Imager Pixel Spacing caveat otherwise. */
export function calibrationNote(scale: Scale): string {
  return scale.calibration === "imager pixel spacing" ? IMAGER_NOTE : "";
}

function withUnit(value: string, unit: string): string {
  return unit ? `${value} ${unit}` : value;
}

/** The values of a measurement, one per line, without the label or caveats ("50.0 mm"; "Area …", "Mean …"). */
export function valueLines(measurement: Measurement): string[] {
  const { scale, statistics, valueUnit } = measurement;
  const lines: string[] = [];
  if (measurement.length !== undefined) lines.push(`${rounded(measurement.length)} ${lengthUnit(scale)}`);
  if (measurement.angle !== undefined) lines.push(Number.isNaN(measurement.angle) ? "—" : `${rounded(measurement.angle)}°`);
  if (measurement.area !== undefined) lines.push(`Area ${rounded(measurement.area)} ${areaUnit(scale)}`);
  if (statistics) {
    lines.push(withUnit(`Mean ${rounded(statistics.mean)} ± ${rounded(statistics.standardDeviation)}`, valueUnit));
    lines.push(withUnit(`Min ${rounded(statistics.minimum)} Max ${rounded(statistics.maximum)}`, valueUnit));
  }
  return lines;
}

/** The text box of a measurement on the image: its label, values and calibration caveat. */
export function imageLines(measurement: Measurement): string[] {
  const note = calibrationNote(measurement.scale);
  const sized = measurement.length !== undefined || measurement.area !== undefined;
  return [measurement.label, ...valueLines(measurement), sized ? note : ""].filter(Boolean);
}

/** One line for the measurement list: "50.0 mm", "Area 78.5 mm² · Mean 60.0 ± 0.0 HU", an arrow's text. */
export function summary(measurement: Measurement): string {
  if (measurement.kind === "arrow" || measurement.kind === "text") return measurement.label || "(no text)";
  const lines = valueLines(measurement).filter((line) => !line.startsWith("Min"));
  const note = calibrationNote(measurement.scale);
  const sized = measurement.length !== undefined || measurement.area !== undefined;
  return [lines.join(" · ") || "—", sized && note ? `(${note})` : ""].filter(Boolean).join(" ");
}
