// The text in a viewport's corners, as reading rooms expect it: who and what (patient, study, series) at the top,
// where and how (image n/N, slice location and thickness, window, zoom) at the bottom left, the pixel under the
// cursor at the bottom right. Built from the shown image's DICOM JSON and the view; each line has a data-field
// for tests and styling. DICOM text is always text, never markup.

import { Tag, number, numbers, text, type DicomJson } from "../dicomweb/json";
import { date, personName, time } from "../dicom/format";
import { el, replace, replaceIfChanged } from "../ui/dom";

export interface OverlayState {
  instance: DicomJson;
  index: number;
  total: number;
  multiFrame: boolean;
  window: string | undefined; // "80/40"
  zoom: number | undefined; // screen pixels per image pixel
  inverted: boolean;
  keyImage: boolean;
  notes: string[];
}

function line(field: string, content: string): HTMLElement | null {
  return content ? el("div", { "data-field": field }, content) : null;
}

function millimetres(value: number | undefined): string {
  return value === undefined ? "" : `${Math.round(value * 100) / 100} mm`;
}

function sexAndAge(instance: DicomJson): string {
  return [text(instance, Tag.PatientSex), text(instance, Tag.PatientAge)].filter(Boolean).join(" ");
}

export function patientLines(instance: DicomJson): (HTMLElement | null)[] {
  const birth = text(instance, Tag.PatientBirthDate);
  return [
    line("patient", personName(text(instance, Tag.PatientName)) || "(no name)"),
    line("patient-id", text(instance, Tag.PatientID) && `ID ${text(instance, Tag.PatientID)}`),
    line("birth", [birth && `Born ${date(birth)}`, sexAndAge(instance)].filter(Boolean).join(" · ")),
  ];
}

export function studyLines(instance: DicomJson): (HTMLElement | null)[] {
  const seriesNumber = number(instance, Tag.SeriesNumber);
  const series = [seriesNumber === undefined ? "" : `Se ${seriesNumber}`, text(instance, Tag.SeriesDescription)];
  return [
    line("study", text(instance, Tag.StudyDescription)),
    line("study-date", [date(text(instance, Tag.StudyDate)), time(text(instance, Tag.StudyTime))].filter(Boolean).join(" ")),
    line("series", [text(instance, Tag.Modality), ...series].filter(Boolean).join(" · ")),
    line("institution", text(instance, Tag.InstitutionName)),
  ];
}

export function positionLines(state: OverlayState): (HTMLElement | null)[] {
  const { instance } = state;
  const location = number(instance, Tag.SliceLocation);
  const thickness = number(instance, Tag.SliceThickness);
  const place = [location === undefined ? "" : `Loc ${millimetres(location)}`, thickness === undefined ? "" : `Thick ${millimetres(thickness)}`];
  const noun = state.multiFrame ? "Frame" : "Image";
  return [
    line("image", `${noun} ${state.index + 1}/${state.total}`),
    line("slice", place.filter(Boolean).join(" · ")),
    line("window", state.window ? `W/L ${state.window}${state.inverted ? " · inverted" : ""}` : ""),
    line("zoom", state.zoom ? `Zoom ${state.zoom.toFixed(2)}×` : ""),
  ];
}

export function noteLines(state: OverlayState): (HTMLElement | null)[] {
  return [line("key-image", state.keyImage ? "★ Key image" : ""), ...state.notes.map((note) => line("note", note))];
}

/** Whether an instance says it is CT (its values after the rescale are Hounsfield units). */
export function modalityUnit(instance: DicomJson): string {
  const type = text(instance, Tag.RescaleType);
  if (type && type !== "US") return type;
  return text(instance, Tag.Modality) === "CT" ? "HU" : "";
}

export interface Probe {
  column: number;
  row: number;
  value: number[] | undefined;
  unit: string;
  patient: number[] | undefined; // LPS mm
}

export function probeText(probe: Probe): string[] {
  const where = `x ${Math.floor(probe.column)} y ${Math.floor(probe.row)}`;
  const value = probe.value === undefined ? "outside the image" : probe.value.length === 1
    ? `${formatValue(probe.value[0]!)}${probe.unit ? ` ${probe.unit}` : ""}`
    : `RGB ${probe.value.map((v) => Math.round(v)).join(", ")}`;
  const lines = [`${where} · ${value}`];
  if (probe.patient) lines.push(`Patient ${probe.patient.map((v) => v.toFixed(1)).join(", ")} mm (LPS)`);
  return lines;
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

export function showProbe(area: HTMLElement, probe: Probe | undefined): void {
  replace(area, ...(probe ? probeText(probe).map((content, index) => line(index ? "probe-patient" : "probe", content)) : []));
}

export function renderOverlay(corners: Record<"topLeft" | "topRight" | "bottomLeft" | "notes", HTMLElement>, state: OverlayState): void {
  replaceIfChanged(corners.topLeft, ...patientLines(state.instance));
  replaceIfChanged(corners.topRight, ...studyLines(state.instance));
  replaceIfChanged(corners.bottomLeft, ...positionLines(state));
  replaceIfChanged(corners.notes, ...noteLines(state));
}

/** The pixel spacing an image is measured with, for the reader: "0.49 × 0.49 mm", or why there is none. */
export function spacingNote(instance: DicomJson): string {
  if (numbers(instance, Tag.PixelSpacing).length === 2) return "";
  if (numbers(instance, Tag.ImagerPixelSpacing).length === 2) return "Sizes at the detector (Imager Pixel Spacing)";
  return "No pixel spacing: sizes in pixels";
}
