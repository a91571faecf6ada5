// Window width and level of a stack viewport: read and set in DICOM's terms (PS3.3 C.11.2.1.2, linear), the
// presets file the server serves (GET /api/window-presets: CT presets with their ranges, "as stored", "full
// range"), and what "as stored" and "full range" mean for the image shown.

import { utilities, type Types } from "@cornerstonejs/core";
import { getJson } from "../api/client";

export interface Range {
  min: number;
  max: number;
  default: number;
}

export interface WindowPreset {
  key: string;
  id: string;
  name: string;
  kind: "preset" | "as stored" | "full range";
  modality: string | null;
  width: Range | null;
  level: Range | null;
}

export interface Window {
  width: number;
  level: number;
}

let presets: Promise<WindowPreset[]> | undefined;

/** The presets, asked for once; an empty list (and the error logged) when the server cannot say. */
export function windowPresets(): Promise<WindowPreset[]> {
  presets ??= getJson<{ presets: WindowPreset[] }>("window-presets").then(
    (document) => document.presets,
    (error: unknown) => {
      console.error("window presets unavailable", error);
      presets = undefined;
      return [];
    },
  );
  return presets;
}

/** The window a viewport shows, or undefined before it has an image. */
export function currentWindow(viewport: Types.IStackViewport): Window | undefined {
  const range = viewport.getProperties().voiRange;
  if (!range) return undefined;
  const { windowWidth, windowCenter } = utilities.windowLevel.toWindowLevel(range.lower, range.upper);
  return { width: windowWidth, level: windowCenter };
}

export function setWindow(viewport: Types.IStackViewport, { width, level }: Window): void {
  const { lower, upper } = utilities.windowLevel.toLowHighRange(Math.max(1, width), level);
  viewport.setProperties({ voiRange: { lower, upper } });
  viewport.render();
}

function first(value: number | number[] | undefined): number | undefined {
  const number = Array.isArray(value) ? value[0] : value;
  return typeof number === "number" && Number.isFinite(number) ? number : undefined;
}

/** The image's own window (Window Center/Width), else its value range. */
export function storedWindow(viewport: Types.IStackViewport): Window | undefined {
  const image = viewport.getCornerstoneImage();
  if (!image) return undefined;
  const width = first(image.windowWidth);
  const level = first(image.windowCenter);
  if (width !== undefined && level !== undefined && width > 0) return { width, level };
  return rangeWindow(viewport);
}

/** The frame's whole value range (in modality units). */
export function rangeWindow(viewport: Types.IStackViewport): Window | undefined {
  const image = viewport.getCornerstoneImage();
  if (!image) return undefined;
  const { minPixelValue: min, maxPixelValue: max } = image;
  const { windowWidth, windowCenter } = utilities.windowLevel.toWindowLevel(min, max);
  return { width: Math.max(1, windowWidth), level: windowCenter };
}

/** The window a preset gives this image (its default for a fixed preset). */
export function presetWindow(viewport: Types.IStackViewport, preset: WindowPreset): Window | undefined {
  if (preset.kind === "as stored") return storedWindow(viewport);
  if (preset.kind === "full range") return rangeWindow(viewport);
  if (!preset.width || !preset.level) return undefined;
  return { width: preset.width.default, level: preset.level.default };
}

/** "W 80–100 · L 30–40" */
export function presetRange(preset: WindowPreset): string {
  if (!preset.width || !preset.level) return preset.kind === "as stored" ? "the image's own window" : "the frame's values";
  return `W ${preset.width.min}–${preset.width.max} · L ${preset.level.min}–${preset.level.max}`;
}

/** "80/40": width/level, rounded to what a reader types. */
export function windowText(window: Window): string {
  const round = (value: number) => (Math.abs(value) >= 10 ? String(Math.round(value)) : String(Math.round(value * 10) / 10));
  return `${round(window.width)}/${round(window.level)}`;
}
