// Requests to pypacs's JSON API (/api, same origin; docs/viewer-api.md): window presets, presentation states,
// measurement reports and key images, read and stored. Failures are RequestFailed errors with the server's words.

import { apiRoot } from "../config";
import { RequestFailed, request } from "../dicomweb/client";

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await (await request(`${apiRoot()}/${path}`, "application/json", signal)).json()) as T;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${apiRoot()}/${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new RequestFailed(`The server cannot be reached (${(error as Error).message}). Is pypacs running?`, 0);
  }
  if (!response.ok) {
    let detail = `The server answered ${response.status} ${response.statusText}.`;
    try {
      const problem = (await response.json()) as { title?: string; detail?: unknown };
      if (problem.detail) detail = `${problem.title ?? response.status}: ${typeof problem.detail === "string" ? problem.detail : JSON.stringify(problem.detail)}`;
    } catch {
      // no problem+json: the status line says it
    }
    throw new RequestFailed(detail, response.status);
  }
  return (await response.json()) as T;
}

export const studyPath = (study: string): string => `studies/${encodeURIComponent(study)}`;
