// The "Measurements" tab of the side panel: the measurements drawn (kind, value, image; click to go to one, a
// button to relabel or delete it), "Save measurements" with what happened, and the study's stored measurement
// reports, each with Load. Only the DOM: what the buttons do is given by the caller (measurement-part.ts).

import type { StoredMeasurementReport } from "../../api/measurements";
import { el, replace } from "../../ui/dom";
import { KIND_NAMES, summary } from "../measurement-text";
import type { Measurement } from "./measure";

/** Where a measurement is, for the list: the series it belongs to and the image's number in it. */
export interface Place {
  seriesTitle: string;
  /** "Image 2", "Frame 5". */
  image: string;
  index: number;
}

export interface PanelActions {
  go(uid: string): void;
  relabel(uid: string): void;
  remove(uid: string): void;
  save(): void;
  load(report: StoredMeasurementReport): void;
}

function numberAttributes(measurement: Measurement): Record<string, string | undefined> {
  const text = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? undefined : String(value));
  return {
    "data-length": text(measurement.length),
    "data-angle": text(measurement.angle),
    "data-area": text(measurement.area),
    "data-mean": text(measurement.statistics?.mean),
    "data-sd": text(measurement.statistics?.standardDeviation),
    "data-unit": measurement.scale.calibration === "none" ? "px" : "mm",
    "data-calibration": measurement.scale.calibration,
  };
}

export class MeasurementPanel {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private readonly status: HTMLElement;
  private readonly reports: HTMLElement;
  readonly saveButton: HTMLButtonElement;

  constructor(private readonly actions: PanelActions) {
    this.list = el("div", { class: "measurement-list", "aria-label": "Measurements drawn" });
    this.saveButton = el("button", { type: "button", class: "primary", "data-action": "save-measurements", title: "Store the measurements of the active viewport's series as a measurement report (DICOM SR)" }, "Save measurements");
    this.saveButton.addEventListener("click", () => actions.save());
    this.status = el("div", { class: "panel-status", hidden: true });
    this.reports = el("div", { class: "report-list", "aria-label": "Stored measurement reports" }, el("p", { class: "muted" }, "Looking for stored reports…"));
    this.element = el(
      "section",
      { class: "measurements-panel" },
      this.list,
      el("div", { class: "side-actions" }, this.saveButton),
      this.status,
      el("h3", {}, "Stored measurement reports"),
      this.reports,
    );
  }

  /** Show the measurements, grouped by series, the selected ones marked. */
  showMeasurements(items: { measurement: Measurement; place: Place | undefined }[], selected: Set<string>): void {
    if (!items.length) {
      replace(this.list, el("p", { class: "muted" }, "No measurements yet: choose a tool (Length, Angle, Ellipse…) and draw on an image."));
      return;
    }
    const groups = new Map<string, typeof items>();
    for (const item of items) {
      const title = item.place?.seriesTitle ?? "Other images";
      groups.set(title, [...(groups.get(title) ?? []), item]);
    }
    replace(
      this.list,
      ...[...groups].flatMap(([title, members]) => [
        groups.size > 1 ? el("h3", {}, title) : null,
        el("ul", { class: "measurements" }, ...members.map((item) => this.item(item.measurement, item.place, selected.has(item.measurement.uid)))),
      ]),
    );
  }

  private item(measurement: Measurement, place: Place | undefined, selected: boolean): HTMLElement {
    const { uid } = measurement;
    const labelled = measurement.kind !== "arrow" && measurement.kind !== "text" && measurement.label;
    const go = el(
      "button",
      { type: "button", class: "measurement-go", title: "Show it on its image" },
      el("span", { class: "measurement-kind" }, KIND_NAMES[measurement.kind]),
      labelled ? el("span", { class: "measurement-label" }, measurement.label) : null,
      el("span", { class: "measurement-value" }, summary(measurement)),
      el("span", { class: "measurement-image" }, place?.image ?? ""),
    );
    go.addEventListener("click", () => this.actions.go(uid));
    const relabel = el("button", { type: "button", class: "link", "data-action": "relabel", title: measurement.kind === "arrow" || measurement.kind === "text" ? "Change the text" : "Label it" }, "✎");
    relabel.addEventListener("click", () => this.actions.relabel(uid));
    const remove = el("button", { type: "button", class: "link", "data-action": "delete", title: "Delete it (Delete)", "aria-label": `Delete ${KIND_NAMES[measurement.kind]}` }, "×");
    remove.addEventListener("click", () => this.actions.remove(uid));
    return el(
      "li",
      {
        class: "measurement", "data-uid": uid, "data-kind": measurement.kind, "data-image-index": place?.index,
        "aria-selected": String(selected), ...numberAttributes(measurement),
      },
      go, relabel, remove,
    );
  }

  /** A message under the Save button: what was stored, or why not (role alert). */
  say(kind: "info" | "error", text: string): void {
    this.status.hidden = false;
    this.status.className = `panel-status panel-${kind}`;
    this.status.setAttribute("role", kind === "error" ? "alert" : "status");
    replace(this.status, text);
  }

  showReports(reports: StoredMeasurementReport[] | Error): void {
    if (reports instanceof Error) {
      replace(this.reports, el("p", { class: "panel-error", role: "alert" }, `The stored reports could not be listed. ${reports.message}`));
      return;
    }
    if (!reports.length) {
      replace(this.reports, el("p", { class: "muted" }, "None for this study yet."));
      return;
    }
    replace(this.reports, el("ul", { class: "reports" }, ...reports.map((report) => this.report(report))));
  }

  private report(report: StoredMeasurementReport): HTMLElement {
    const when = report.created ? report.created.replace("T", " ").slice(0, 16) : "undated";
    const kinds = new Map<string, number>();
    for (const value of report.measurements) kinds.set(value.kind, (kinds.get(value.kind) ?? 0) + 1);
    const counted = [...kinds].map(([kind, count]) => `${count} ${kind}${count === 1 ? "" : "s"}`).join(", ");
    const load = el("button", { type: "button", "data-action": "load-report", title: "Draw its measurements on their images" }, "Load");
    load.addEventListener("click", () => this.actions.load(report));
    return el(
      "li",
      { class: "report", "data-sop-instance-uid": report.sopInstanceUID },
      el("span", { class: "report-when" }, when),
      el("span", { class: "report-what" }, counted || "no measurements pypacs can show"),
      load,
    );
  }
}
