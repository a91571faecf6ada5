// The series of a study as the pages list them: number, modality, description, instance count, and whether
// they hold pictures (a thumbnail) or are reports, presentation states, key objects, documents (a kind).

import type { DicomWebClient } from "../dicomweb/client";
import { Tag, number, text, type DicomJson } from "../dicomweb/json";
import { nonImageKind, sopClassName } from "../dicom/sop-classes";

export interface SeriesSummary {
  study: string;
  uid: string;
  number: number | undefined;
  modality: string;
  description: string;
  instances: number;
  sopClassUid: string;
  /** Whether its objects are pictures (they have Rows): only those get a thumbnail. */
  hasPictures: boolean;
  /** What a series without pictures holds, in words ("Key Object Selection"); "" for pictures. */
  kind: string;
  /** Frames of its first instance (a multi-frame object), 1 otherwise. */
  frames: number;
}

export interface StudySummary {
  uid: string;
  patientName: string;
  patientId: string;
  birthDate: string;
  sex: string;
  date: string;
  time: string;
  accession: string;
  description: string;
  modalities: string[];
  series: number;
  instances: number;
}

export function studySummary(document: DicomJson): StudySummary {
  return {
    uid: text(document, Tag.StudyInstanceUID),
    patientName: text(document, Tag.PatientName),
    patientId: text(document, Tag.PatientID),
    birthDate: text(document, Tag.PatientBirthDate),
    sex: text(document, Tag.PatientSex),
    date: text(document, Tag.StudyDate),
    time: text(document, Tag.StudyTime),
    accession: text(document, Tag.AccessionNumber),
    description: text(document, Tag.StudyDescription),
    modalities: (document[Tag.ModalitiesInStudy]?.Value ?? []).map(String),
    series: number(document, Tag.NumberOfStudyRelatedSeries) ?? 0,
    instances: number(document, Tag.NumberOfStudyRelatedInstances) ?? 0,
  };
}

/** One study by its UID, or undefined when the archive has none. */
export async function findStudy(client: DicomWebClient, uid: string, signal?: AbortSignal): Promise<StudySummary | undefined> {
  const parameters = new URLSearchParams({ StudyInstanceUID: uid, limit: "1" });
  const { documents } = await client.search("studies", parameters, signal);
  return documents[0] ? studySummary(documents[0]) : undefined;
}

/** The series of a study in series-number order, each classified by its first instance. */
export async function studySeries(client: DicomWebClient, study: string, signal?: AbortSignal): Promise<SeriesSummary[]> {
  const { documents } = await client.search(`studies/${encodeURIComponent(study)}/series`, undefined, signal);
  const series = await Promise.all(documents.map((document) => summarise(client, study, document, signal)));
  return series.sort(
    (a, b) => (a.number ?? Number.MAX_SAFE_INTEGER) - (b.number ?? Number.MAX_SAFE_INTEGER) || a.description.localeCompare(b.description),
  );
}

async function summarise(client: DicomWebClient, study: string, document: DicomJson, signal?: AbortSignal): Promise<SeriesSummary> {
  const uid = text(document, Tag.SeriesInstanceUID);
  const modality = text(document, Tag.Modality);
  const path = `studies/${encodeURIComponent(study)}/series/${encodeURIComponent(uid)}/instances`;
  const { documents } = await client.search(path, new URLSearchParams({ limit: "1" }), signal);
  const first = documents[0] ?? {};
  const sopClassUid = text(first, Tag.SOPClassUID);
  const hasPictures = (number(first, Tag.Rows) ?? 0) > 0;
  return {
    study,
    uid,
    number: number(document, Tag.SeriesNumber),
    modality,
    description: text(document, Tag.SeriesDescription),
    instances: number(document, Tag.NumberOfSeriesRelatedInstances) ?? 0,
    sopClassUid,
    hasPictures,
    kind: hasPictures ? "" : nonImageKind(sopClassUid, modality),
    frames: number(first, Tag.NumberOfFrames) ?? 1,
  };
}

/** "Series 3 · CT", or the SOP class name when there is no modality. */
export function seriesTitle(series: SeriesSummary): string {
  const label = series.number === undefined ? "Series" : `Series ${series.number}`;
  const modality = series.modality || sopClassName(series.sopClassUid);
  return modality ? `${label} · ${modality}` : label;
}

/** "28 images", "1 image, 96 frames", "1 object". */
export function seriesCount(series: SeriesSummary): string {
  const noun = series.hasPictures ? "image" : "object";
  const counted = `${series.instances} ${noun}${series.instances === 1 ? "" : "s"}`;
  return series.hasPictures && series.instances === 1 && series.frames > 1 ? `${counted}, ${series.frames} frames` : counted;
}
