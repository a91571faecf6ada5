// The studies table: sortable column headers, a row per study, and a study's series opened under its row.

import { studyArchiveUrl, viewerUrl } from "../config";
import { date, personName, time } from "../dicom/format";
import type { StudySummary } from "../series/series";
import { el, replace } from "../ui/dom";
import type { Sort, SortColumn } from "./search";

interface Column {
  label: string;
  sort?: SortColumn;
  className?: string;
  cell: (study: StudySummary) => string | Node;
}

const COLUMNS: Column[] = [
  { label: "Patient name", sort: "name", className: "name", cell: (s) => personName(s.patientName) },
  { label: "Patient ID", sort: "id", cell: (s) => s.patientId },
  { label: "Birth date", cell: (s) => [date(s.birthDate), s.sex].filter(Boolean).join(" · ") },
  { label: "Study date", sort: "date", className: "nowrap", cell: (s) => [date(s.date), time(s.time)].filter(Boolean).join(" ") },
  { label: "Accession", sort: "accession", cell: (s) => s.accession },
  { label: "Description", sort: "description", className: "description", cell: (s) => s.description },
  { label: "Modalities", cell: (s) => s.modalities.join(", ") },
  { label: "Series", className: "number", cell: (s) => `${s.series}` },
  { label: "Objects", className: "number", cell: (s) => `${s.instances}` },
  { label: "", className: "actions", cell: actions },
];

function actions(study: StudySummary): Node {
  const open = el("a", { href: viewerUrl(study.uid), class: "button", title: "Open the study in the viewer" }, "Open");
  const zip = el(
    "a",
    { href: studyArchiveUrl(study.uid), class: "button", download: "", title: "Download the study's DICOM files as a zip" },
    "Download",
  );
  for (const link of [open, zip]) link.addEventListener("click", (event) => event.stopPropagation());
  return el("span", { class: "row-actions" }, open, zip);
}

export interface StudyTableEvents {
  onSort: (sort: Sort) => void;
  /** A study's row was opened: fill `container` with its series. */
  onExpand: (study: StudySummary, container: HTMLElement) => void;
}

export class StudyTable {
  private expanded: { uid: string; row: HTMLTableRowElement } | undefined;

  constructor(
    readonly table: HTMLTableElement,
    private readonly events: StudyTableEvents,
  ) {}

  /** Draw the header for the current sort. */
  header(sort: Sort): void {
    const cells = COLUMNS.map((column) => {
      if (!column.sort) return el("th", { scope: "col", class: column.className }, column.label);
      const active = column.sort === sort.column;
      const direction = active ? (sort.descending ? "descending" : "ascending") : undefined;
      const button = el("button", { type: "button", class: "sort", "data-sort": column.sort }, column.label, el("span", { class: "sort-mark", "aria-hidden": "true" }, active ? (sort.descending ? "▼" : "▲") : ""));
      button.addEventListener("click", () => {
        // A new column sorts ascending (dates: newest first); the active one flips.
        const descending = active ? !sort.descending : column.sort === "date";
        this.events.onSort({ column: column.sort!, descending });
      });
      return el("th", { scope: "col", class: column.className, "aria-sort": direction ?? "none" }, button);
    });
    replace(this.table.tHead ?? this.table.createTHead(), el("tr", {}, ...cells));
  }

  /** Show these studies (an empty list shows `emptyText`). */
  rows(studies: StudySummary[], emptyText: string): void {
    const body = this.table.tBodies[0] ?? this.table.createTBody();
    this.expanded = undefined;
    if (studies.length === 0) {
      replace(body, el("tr", { class: "empty" }, el("td", { colspan: COLUMNS.length }, emptyText)));
      return;
    }
    replace(body, ...studies.map((study) => this.row(study)));
  }

  private row(study: StudySummary): HTMLTableRowElement {
    const row = el(
      "tr",
      { class: "study", tabindex: 0, "aria-expanded": "false", "data-study-uid": study.uid },
      ...COLUMNS.map((column) => el("td", { class: column.className }, column.cell(study))),
    );
    row.addEventListener("click", () => this.toggle(study, row));
    row.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        this.toggle(study, row);
      }
    });
    return row;
  }

  private toggle(study: StudySummary, row: HTMLTableRowElement): void {
    const wasOpen = this.expanded?.uid === study.uid;
    this.collapse();
    if (wasOpen) return;
    const container = el("div", { class: "series-panel", "aria-live": "polite" });
    const detail = el("tr", { class: "detail" }, el("td", { colspan: COLUMNS.length }, container));
    row.after(detail);
    row.setAttribute("aria-expanded", "true");
    this.expanded = { uid: study.uid, row };
    this.events.onExpand(study, container);
  }

  private collapse(): void {
    if (!this.expanded) return;
    this.expanded.row.setAttribute("aria-expanded", "false");
    const next = this.expanded.row.nextElementSibling;
    if (next?.classList.contains("detail")) next.remove();
    this.expanded = undefined;
  }
}
