// The study browser's search: what the form holds, how it sits in the page's URL (so reload, back and shared
// links show the same list), and the QIDO-RS query it becomes. Pure functions, no DOM.

import { dicomDate } from "../dicom/format";

export interface Criteria {
  name: string;
  id: string;
  accession: string;
  from: string; // yyyy-mm-dd, as a date input holds it
  to: string;
  modality: string;
  description: string;
}

// Columns the server can order by (indexed attributes; the description is a scan, ~0.1-0.2 s over 100,000).
export type SortColumn = "name" | "id" | "date" | "accession" | "description";

export interface Sort {
  column: SortColumn;
  descending: boolean;
}

export interface SearchState {
  criteria: Criteria;
  sort: Sort;
  offset: number;
  limit: number;
}

export const PAGE_SIZES = [25, 50, 100, 200] as const;
export const DEFAULT_SORT: Sort = { column: "date", descending: true };
const DEFAULT_LIMIT = 50;

/** The QIDO-RS `orderby` keys of each sortable column (pypacs's extension, after dcm4chee's). */
const ORDER_KEYS: Record<SortColumn, string[]> = {
  name: ["PatientName"],
  id: ["PatientID"],
  date: ["StudyDate", "StudyTime"],
  accession: ["AccessionNumber"],
  description: ["StudyDescription"],
};

const CRITERIA_KEYS: (keyof Criteria)[] = ["name", "id", "accession", "from", "to", "modality", "description"];

export function emptyCriteria(): Criteria {
  return { name: "", id: "", accession: "", from: "", to: "", modality: "", description: "" };
}

/** The search a page URL's query names; missing or malformed parts take their defaults. */
export function stateFromUrl(parameters: URLSearchParams): SearchState {
  const criteria = emptyCriteria();
  for (const key of CRITERIA_KEYS) criteria[key] = (parameters.get(key) ?? "").trim();
  for (const key of ["from", "to"] as const) {
    if (criteria[key] && !/^\d{4}-\d{2}-\d{2}$/.test(criteria[key])) criteria[key] = "";
  }
  const sortText = parameters.get("sort") ?? "";
  const column = sortText.replace(/^-/, "") as SortColumn;
  const sort = column in ORDER_KEYS ? { column, descending: sortText.startsWith("-") } : DEFAULT_SORT;
  const limit = Number(parameters.get("limit"));
  const offset = Number(parameters.get("offset"));
  return {
    criteria,
    sort,
    limit: (PAGE_SIZES as readonly number[]).includes(limit) ? limit : DEFAULT_LIMIT,
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
}

/** The page URL's query for a search: only what differs from the defaults. */
export function stateToUrl(state: SearchState): URLSearchParams {
  const parameters = new URLSearchParams();
  for (const key of CRITERIA_KEYS) {
    if (state.criteria[key]) parameters.set(key, state.criteria[key]);
  }
  if (state.sort.column !== DEFAULT_SORT.column || state.sort.descending !== DEFAULT_SORT.descending) {
    parameters.set("sort", `${state.sort.descending ? "-" : ""}${state.sort.column}`);
  }
  if (state.limit !== DEFAULT_LIMIT) parameters.set("limit", String(state.limit));
  if (state.offset) parameters.set("offset", String(state.offset));
  return parameters;
}

const WILDCARD = /[*?]/;

/** A patient name as typed, as a QIDO PN key: "doe, jo" → "doe^jo*", "m*ller" → "m*ller*" (names match as
 * prefixes: a key matches a whole name, given names and all). */
export function patientNameKey(typed: string): string {
  const name = typed.trim().replace(/\s*,\s*/g, "^");
  if (!name) return "";
  return name.endsWith("*") ? name : `${name}*`;
}

/** A description as typed, as the values of a QIDO key (any may match): words anywhere in it unless wildcards
 * are given, in the case typed, in capitals, in small letters and capitalised, since DICOM matches text
 * case-sensitively ("chest" finds "CT CHEST", "brain" finds "Brain"). */
export function descriptionKeys(typed: string): string[] {
  const words = typed.trim();
  if (!words) return [];
  const pattern = WILDCARD.test(words) ? words : `*${words}*`;
  const capitalised = pattern.toLowerCase().replace(/(^|[\s*?])(\p{L})/gu, (_, before: string, letter: string) => before + letter.toUpperCase());
  return [...new Set([pattern, pattern.toUpperCase(), pattern.toLowerCase(), capitalised])];
}

/** A date range key: "20240101-20240131", "20240101-", "-20240131", or one day. */
export function dateRangeKey(from: string, to: string): string {
  const [low, high] = [dicomDate(from), dicomDate(to)];
  if (!low && !high) return "";
  if (low && low === high) return low;
  return `${low}-${high}`;
}

/** The QIDO-RS query of a search. */
export function qidoParameters(state: SearchState): URLSearchParams {
  const { criteria } = state;
  const keys: [string, string][] = [
    ["PatientName", patientNameKey(criteria.name)],
    ["PatientID", criteria.id.trim()],
    ["AccessionNumber", criteria.accession.trim()],
    ["StudyDate", dateRangeKey(criteria.from, criteria.to)],
    ["ModalitiesInStudy", criteria.modality.trim()],
    ...descriptionKeys(criteria.description).map((value): [string, string] => ["StudyDescription", value]),
  ];
  const parameters = new URLSearchParams(keys.filter(([, value]) => value !== ""));
  parameters.set("orderby", orderby(state.sort));
  parameters.set("limit", String(state.limit));
  if (state.offset) parameters.set("offset", String(state.offset));
  return parameters;
}

export function orderby(sort: Sort): string {
  return ORDER_KEYS[sort.column].map((key) => `${sort.descending ? "-" : ""}${key}`).join(",");
}

/** Whether any criterion is set. */
export function hasCriteria(criteria: Criteria): boolean {
  return CRITERIA_KEYS.some((key) => criteria[key] !== "");
}
