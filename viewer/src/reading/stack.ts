// A series as a stack of frames to show: WADO-RS image IDs in instance-number order (a multi-frame object is a
// stack of its frames), with what the reader must be told about it (objects without pictures left out, images
// of different sizes). Pure but for handing each frame's metadata to the image loader.

import { wadors } from "@cornerstonejs/dicom-image-loader";
import { Tag, number, numbers, text, type DicomJson } from "../dicomweb/json";

export interface StackImage {
  imageId: string;
  study: string;
  series: string;
  sopInstanceUid: string;
  sopClassUid: string;
  /** 1-based frame of a multi-frame object; undefined for a single-frame one. */
  frame: number | undefined;
  instance: DicomJson;
  rows: number;
  columns: number;
}

export interface Stack {
  images: StackImage[];
  /** Objects of the series without pictures (no Rows): left out of the stack. */
  withoutPictures: number;
  /** "512×512", "256×256"… when the images are not all one size. */
  sizes: string[];
  /** Frames per second for cine: the object's own rate (multi-frame), else undefined. */
  frameRate: number | undefined;
  multiFrame: boolean;
}

/** The frame URL root of an instance as the image loader wants it ("wadors:" and the absolute URL). */
function instanceBase(root: string, study: string, series: string, sop: string): string {
  const base = new URL(root, location.href).href;
  return `wadors:${base}/studies/${encodeURIComponent(study)}/series/${encodeURIComponent(series)}/instances/${encodeURIComponent(sop)}`;
}

function byInstanceNumber(a: DicomJson, b: DicomJson): number {
  return (number(a, Tag.InstanceNumber) ?? 0) - (number(b, Tag.InstanceNumber) ?? 0);
}

/** The frames of some instances (any series of a study) as a stack, their metadata given to the loader. */
export function stackOf(root: string, instances: DicomJson[], ordered = true): Stack {
  const sorted = ordered ? [...instances].sort(byInstanceNumber) : instances;
  const images: StackImage[] = [];
  const sizes = new Set<string>();
  let withoutPictures = 0;
  let frameRate: number | undefined;
  let multiFrame = false;
  for (const instance of sorted) {
    const rows = number(instance, Tag.Rows) ?? 0;
    const columns = number(instance, Tag.Columns) ?? 0;
    if (!rows || !columns) {
      withoutPictures += 1;
      continue;
    }
    sizes.add(`${columns}×${rows}`);
    const study = text(instance, Tag.StudyInstanceUID);
    const series = text(instance, Tag.SeriesInstanceUID);
    const sop = text(instance, Tag.SOPInstanceUID);
    const base = instanceBase(root, study, series, sop);
    const frames = number(instance, Tag.NumberOfFrames) ?? 1;
    if (frames > 1) {
      multiFrame = true;
      frameRate ??= framesPerSecond(instance);
    }
    const loaderMetadata = forTheLoader(instance);
    for (let frame = 1; frame <= frames; frame += 1) {
      const imageId = `${base}/frames/${frame}`;
      wadors.metaDataManager.add(imageId, loaderMetadata as Parameters<typeof wadors.metaDataManager.add>[1]);
      images.push({
        imageId, study, series, sopInstanceUid: sop, sopClassUid: text(instance, Tag.SOPClassUID),
        frame: frames > 1 ? frame : undefined, instance, rows, columns,
      });
    }
  }
  return { images, withoutPictures, sizes: [...sizes], frameRate, multiFrame };
}

/** The metadata as the image loader needs it: its metadata provider fails on an image without Modality (a type 1
 * attribute some files lack), so one without it gets an empty value. The reader's copy stays as stored. */
function forTheLoader(instance: DicomJson): DicomJson {
  if (instance[Tag.Modality]?.Value?.length) return instance;
  return { ...instance, [Tag.Modality]: { vr: "CS", Value: [""] } };
}

/** A multi-frame object's own playing speed: Recommended Display Frame Rate, Cine Rate or 1000 / Frame Time. */
export function framesPerSecond(instance: DicomJson): number | undefined {
  const rate = number(instance, Tag.RecommendedDisplayFrameRate) ?? number(instance, Tag.CineRate);
  if (rate && rate > 0) return rate;
  const frameTime = number(instance, Tag.FrameTime);
  return frameTime && frameTime > 0 ? Math.round(1000 / frameTime) : undefined;
}

/** How the pixels of an image are calibrated, which decides the units of lengths and areas. */
export type Calibration = "pixel spacing" | "imager pixel spacing" | "none";

export function calibrationOf(instance: DicomJson): Calibration {
  if (numbers(instance, Tag.PixelSpacing).length === 2) return "pixel spacing";
  if (numbers(instance, Tag.ImagerPixelSpacing).length === 2) return "imager pixel spacing";
  return "none";
}

/** "Image 3", or "Frame 3" of a multi-frame object: what the reader calls it in messages. */
export function imageName(stack: Stack, index: number): string {
  return `${stack.multiFrame ? "Frame" : "Image"} ${index + 1}`;
}
