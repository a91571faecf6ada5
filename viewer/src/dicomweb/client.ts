// Requests to pypacs's own DICOMweb (same origin): QIDO-RS searches and WADO-RS metadata, and the errors they
// can end in, as messages a person can act on.

import type { DicomJson } from "./json";

/** A request that did not succeed: the server's problem+json title and detail, or what went wrong on the way. */
export class RequestFailed extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "RequestFailed";
  }
}

export interface SearchAnswer {
  documents: DicomJson[];
  /** How many more results the server has after these (its Warning header), 0 when none. */
  remaining: number;
}

const MORE_RESULTS = /There are (\d+) additional results/;

export class DicomWebClient {
  constructor(readonly root: string) {}

  /** A QIDO-RS search: `path` under the root (e.g. "studies"), with query parameters. */
  async search(path: string, parameters: URLSearchParams = new URLSearchParams(), signal?: AbortSignal): Promise<SearchAnswer> {
    const query = parameters.toString();
    const response = await request(`${this.root}/${path}${query ? `?${query}` : ""}`, "application/dicom+json", signal);
    const documents = (await response.json()) as DicomJson[];
    const warning = MORE_RESULTS.exec(response.headers.get("Warning") ?? "");
    return { documents, remaining: warning ? Number(warning[1]) : 0 };
  }

  /** WADO-RS metadata of a series: one DICOM JSON data set per instance. */
  async seriesMetadata(study: string, series: string, signal?: AbortSignal): Promise<DicomJson[]> {
    const url = `${this.root}/studies/${encodeURIComponent(study)}/series/${encodeURIComponent(series)}/metadata`;
    return (await (await request(url, "application/dicom+json", signal)).json()) as DicomJson[];
  }

  seriesThumbnailUrl(study: string, series: string): string {
    return `${this.root}/studies/${encodeURIComponent(study)}/series/${encodeURIComponent(series)}/thumbnail`;
  }
}

/** GET a resource; anything but a 2xx answer becomes a RequestFailed with the server's explanation. */
export async function request(url: string, accept: string, signal?: AbortSignal): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { Accept: accept }, signal: signal ?? null });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new RequestFailed(`The server cannot be reached (${(error as Error).message}). Is pypacs running?`, 0);
  }
  if (!response.ok) {
    throw new RequestFailed(await explanation(response), response.status);
  }
  return response;
}

async function explanation(response: Response): Promise<string> {
  const status = `${response.status} ${response.statusText}`.trim();
  try {
    const type = response.headers.get("Content-Type") ?? "";
    if (type.includes("json")) {
      const problem = (await response.json()) as { title?: string; detail?: string };
      if (problem.detail) return `${problem.title ?? status}: ${problem.detail}`;
    }
  } catch {
    // not the JSON it said it was: the status line is all there is to say
  }
  return `The server answered ${status}.`;
}
