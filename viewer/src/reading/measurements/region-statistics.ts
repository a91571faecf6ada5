// The statistics of the pixels in a region: every pixel whose centre lies inside it counts once, its value in the
// modality's units (after Rescale Slope and Intercept: HU for CT). Pure: pixel values in, numbers out.

import type { Region } from "./shapes";

export interface RegionStatistics {
  /** How many pixels were counted. */
  count: number;
  mean: number;
  /** Population standard deviation (of the pixels counted, not an estimate for a larger population). */
  standardDeviation: number;
  minimum: number;
  maximum: number;
}

/** A greyscale frame's values: value(index) for index = row × columns + column. */
export interface PixelValues {
  columns: number;
  rows: number;
  value(index: number): number;
}

export function regionStatistics(pixels: PixelValues, region: Region): RegionStatistics | undefined {
  const [left, top, right, bottom] = region.bounds;
  const firstColumn = Math.max(0, Math.floor(left));
  const lastColumn = Math.min(pixels.columns - 1, Math.ceil(right));
  const firstRow = Math.max(0, Math.floor(top));
  const lastRow = Math.min(pixels.rows - 1, Math.ceil(bottom));
  let count = 0;
  let sum = 0;
  let minimum = Number.POSITIVE_INFINITY;
  let maximum = Number.NEGATIVE_INFINITY;
  const values: number[] = [];
  for (let row = firstRow; row <= lastRow; row += 1) {
    for (let column = firstColumn; column <= lastColumn; column += 1) {
      if (!region.contains(column + 0.5, row + 0.5)) continue;
      const value = pixels.value(row * pixels.columns + column);
      values.push(value);
      count += 1;
      sum += value;
      if (value < minimum) minimum = value;
      if (value > maximum) maximum = value;
    }
  }
  if (!count) return undefined;
  const mean = sum / count;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  return { count, mean, standardDeviation: Math.sqrt(squares / count), minimum, maximum };
}
