// What the server tells a page about itself, in <meta> elements it fills in when it serves the page.

import { DicomWebClient } from "./dicomweb/client";

function meta(name: string, fallback: string): string {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content || fallback;
}

/** The DICOMweb root of the server that served the page (same origin), e.g. "/dicom-web". */
export function dicomWebRoot(): string {
  return meta("pypacs-dicomweb-root", "/dicom-web").replace(/\/+$/, "");
}

/** The REST API root, e.g. "/api". */
export function apiRoot(): string {
  return meta("pypacs-api-root", "/api").replace(/\/+$/, "");
}

export function dicomWebClient(): DicomWebClient {
  return new DicomWebClient(dicomWebRoot());
}

/** The page that shows a study for reading. */
export function viewerUrl(study: string, series?: string): string {
  const parameters = new URLSearchParams({ study });
  if (series) parameters.set("series", series);
  return `/viewer?${parameters.toString()}`;
}

/** The zip of a study's DICOM files. */
export function studyArchiveUrl(study: string): string {
  return `${apiRoot()}/studies/${encodeURIComponent(study)}/archive`;
}
