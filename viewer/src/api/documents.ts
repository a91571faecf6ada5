// The study documents the reading page reads and stores through /api (docs/viewer-api.md): presentation states
// (GSPS) and key object selections (KO), in the server's JSON shapes. Requests only; no DOM, no Cornerstone.

import { getJson, postJson, studyPath } from "./client";

/** [column, row] in image pixels, [0, 0] the top left corner of the top left pixel (PS3.3 C.10.5.1.2). */
export type ImagePoint = [number, number];
export type Units = "PIXEL" | "DISPLAY";

export interface ImageReference {
  studyInstanceUID?: string | null;
  seriesInstanceUID?: string | null;
  sopInstanceUID: string;
  sopClassUID?: string | null;
  frameNumber?: number | null;
}

export interface Graphic {
  type: "POINT" | "POLYLINE" | "INTERPOLATED" | "CIRCLE" | "ELLIPSE";
  points: ImagePoint[];
  filled?: boolean;
  units?: Units;
}

export interface Text {
  text: string;
  anchor?: ImagePoint | null;
  anchorVisible?: boolean;
  /** [left, top, right, bottom] */
  box?: [number, number, number, number] | null;
  justification?: "LEFT" | "RIGHT" | "CENTER";
  units?: Units;
}

export interface Annotation {
  layer: string;
  images?: ImageReference[];
  graphics?: Graphic[];
  texts?: Text[];
}

export interface VoiWindow {
  center: number;
  width: number;
  function?: "LINEAR" | "LINEAR_EXACT" | "SIGMOID";
  explanation?: string | null;
}

export interface DisplayedArea {
  /** [column, row] of the first pixel shown, from [1, 1]; may lie outside the image. */
  topLeft: [number, number];
  bottomRight: [number, number];
  sizeMode: "SCALE TO FIT" | "TRUE SIZE" | "MAGNIFY";
  /** [row, column] mm, for TRUE SIZE */
  pixelSpacing?: [number, number] | null;
  pixelAspectRatio?: [number, number] | null;
  magnification?: number | null;
}

export interface PresentedImage {
  seriesInstanceUID?: string | null;
  sopInstanceUID: string;
  window?: VoiWindow | null;
  displayedArea?: DisplayedArea | null;
}

export interface Layer {
  name: string;
  order: number;
  description?: string | null;
}

/** A presentation state as the server takes it (POST) and gives it (GET, with its UIDs). Rotation and flip are
 * DICOM's: the image is turned clockwise first, then flipped left to right (PS3.3 C.10.6). */
export interface PresentationState {
  label: string;
  description?: string | null;
  creator?: string | null;
  images: PresentedImage[];
  layers?: Layer[];
  annotations?: Annotation[];
  rotation: 0 | 90 | 180 | 270;
  flip: boolean;
}

export interface StoredObject {
  studyInstanceUID: string;
  seriesInstanceUID: string;
  sopInstanceUID: string;
  sopClassUID: string;
}

export interface StoredPresentationState extends PresentationState, StoredObject {
  created?: string | null;
}

export interface PresentationStateSummary {
  studyInstanceUID: string;
  seriesInstanceUID: string;
  sopInstanceUID: string;
  label: string;
  description?: string | null;
  creator?: string | null;
  created?: string | null;
  referencedSeries: string[];
}

export interface Code {
  value: string;
  scheme: string;
  meaning: string;
}

export interface KeyImageSelection {
  title?: Code;
  description?: string | null;
  observer?: string | null;
  images: ImageReference[];
}

export interface StoredKeyImages extends KeyImageSelection, StoredObject {
  title: Code;
  created?: string | null;
}

/** Document titles of CID 7010 a reader chooses from (DCM codes); the first is the default. */
export const KEY_IMAGE_TITLES: Code[] = [
  { value: "113000", scheme: "DCM", meaning: "Of Interest" },
  { value: "113004", scheme: "DCM", meaning: "For Teaching" },
  { value: "113010", scheme: "DCM", meaning: "Quality Issue" },
  { value: "113002", scheme: "DCM", meaning: "For Referring Provider" },
  { value: "113003", scheme: "DCM", meaning: "For Surgery" },
  { value: "113005", scheme: "DCM", meaning: "For Conference" },
  { value: "113006", scheme: "DCM", meaning: "For Therapy" },
  { value: "113007", scheme: "DCM", meaning: "For Patient" },
  { value: "113008", scheme: "DCM", meaning: "For Peer Review" },
  { value: "113009", scheme: "DCM", meaning: "For Research" },
  { value: "113013", scheme: "DCM", meaning: "Best In Set" },
  { value: "113018", scheme: "DCM", meaning: "For Printing" },
  { value: "113020", scheme: "DCM", meaning: "For Report Attachment" },
];

export function listPresentationStates(study: string): Promise<PresentationStateSummary[]> {
  return getJson(`${studyPath(study)}/presentation-states`);
}

export function readPresentationState(study: string, sop: string): Promise<StoredPresentationState> {
  return getJson(`${studyPath(study)}/presentation-states/${encodeURIComponent(sop)}`);
}

export function savePresentationState(study: string, series: string, state: PresentationState): Promise<StoredObject> {
  return postJson(`${studyPath(study)}/series/${encodeURIComponent(series)}/presentation-states`, state);
}

export function listKeyImages(study: string): Promise<StoredKeyImages[]> {
  return getJson(`${studyPath(study)}/key-images`);
}

export function saveKeyImages(study: string, selection: KeyImageSelection): Promise<StoredObject> {
  return postJson(`${studyPath(study)}/key-images`, selection);
}
