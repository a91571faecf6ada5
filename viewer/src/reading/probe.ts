// The pixel under the cursor: its column and row, its value in the modality's units (HU for CT, after the
// rescale; RGB for colour) and where it is in the patient (LPS mm) when the image says where it is.

import type { Types } from "@cornerstonejs/core";
import { imagePlane, imageToPatient, worldToImage } from "./geometry";
import type { Probe } from "./overlay";

function pixelValues(image: Types.IImage, column: number, row: number): number[] {
  const data = image.voxelManager?.getScalarData?.() ?? image.getPixelData();
  const index = row * image.columns + column;
  if (image.color) {
    const samples = data.length / (image.rows * image.columns);
    return Array.from(data.subarray(index * samples, index * samples + 3));
  }
  const stored = data[index]!;
  if (image.preScale?.scaled) return [stored];
  return [stored * (image.slope ?? 1) + (image.intercept ?? 0)];
}

/** What is under a point of the viewport's canvas (CSS pixels), or undefined before an image is shown. */
export function probeAt(viewport: Types.IStackViewport, canvasPoint: Types.Point2, unit: string): Probe | undefined {
  const image = viewport.getCornerstoneImage() as Types.IImage | undefined;
  const imageId = viewport.getCurrentImageId();
  if (!image || !imageId) return undefined;
  const world = viewport.canvasToWorld(canvasPoint);
  const plane = imagePlane(imageId);
  const [x, y] = worldToImage(plane, world);
  const column = Math.floor(x);
  const row = Math.floor(y);
  const inside = column >= 0 && row >= 0 && column < image.columns && row < image.rows;
  return {
    column: x,
    row: y,
    value: inside ? pixelValues(image, column, row) : undefined,
    unit: image.color ? "" : unit,
    patient: plane.located ? Array.from(imageToPatient(plane, [x, y])) : undefined,
  };
}
