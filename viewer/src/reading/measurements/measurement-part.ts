// The reader's measurements: the "Measurements" side-panel tab kept up to date with what is drawn, the keys that
// delete the selected one and open the tab, saving a series' measurements as a TID 1500 report and drawing a stored
// report's measurements again.

import { measurementReports, storeMeasurementReport, type StoredMeasurementReport } from "../../api/measurements";
import { askText } from "../../ui/ask";
import { errorText } from "../../ui/dom";
import { KIND_NAMES } from "../measurement-text";
import type { Reader, ReaderPart } from "../reader";
import type { Action } from "../shortcuts";
import type { SidePanel } from "../side-panel";
import {
  annotationByUid,
  draw,
  measurements,
  onMeasurementsChanged,
  redraw,
  relabel,
  removeMeasurement,
  selectMeasurement,
  selectedMeasurementUids,
  withStatistics,
} from "./annotations";
import { MeasurementPanel } from "./measurement-panel";
import { Places } from "./places";
import { fromValue, toReport } from "./report";

export const TAB = "measurements";

function counted(kinds: string[]): string {
  const counts = new Map<string, number>();
  for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return [...counts].map(([kind, count]) => `${count} ${kind}${count === 1 ? "" : "s"}`).join(", ");
}

export class MeasurementPart implements ReaderPart {
  readonly panel: MeasurementPanel;
  private readonly places: Places;
  /** The annotations drawn from each loaded report (by its SOP Instance UID), replaced when it is loaded again. */
  private readonly loaded = new Map<string, string[]>();

  constructor(private readonly reader: Reader, private readonly side: SidePanel) {
    this.places = new Places(reader);
    this.panel = new MeasurementPanel({
      go: (uid) => void this.go(uid),
      relabel: (uid) => void this.relabel(uid),
      remove: (uid) => this.remove([uid]),
      save: () => void this.save(),
      load: (report) => void this.load(report),
    });
    side.add(TAB, "Measurements", this.panel.element, () => this.refresh());
    onMeasurementsChanged(() => this.refresh());
    this.refresh();
    void this.listReports();
  }

  actions(): Action[] {
    const group = "Measurements";
    return [
      { keys: ["m"], label: "Measurements panel (list, save, stored reports)", group, run: () => this.side.toggle(TAB) },
      { keys: ["Delete", "Backspace"], label: "Delete the selected measurement", group, run: () => this.remove(selectedMeasurementUids()) },
    ];
  }

  changed(): void {
    this.places.learnShown();
  }

  private visibleViewportIds(): string[] {
    return this.reader.layout.visible.map((cell) => cell.viewportId);
  }

  refresh(): void {
    this.places.learnShown();
    const items = measurements().map((measurement) => ({ measurement, place: this.places.of(measurement.imageId) }));
    items.sort((a, b) => (a.place?.seriesTitle ?? "").localeCompare(b.place?.seriesTitle ?? "") || (a.place?.index ?? 0) - (b.place?.index ?? 0));
    this.panel.showMeasurements(items, new Set(selectedMeasurementUids()));
  }

  private async go(uid: string): Promise<void> {
    const imageId = annotationByUid(uid)?.metadata?.referencedImageId;
    if (!imageId) return;
    await this.places.show(imageId);
    selectMeasurement(uid);
    redraw(this.visibleViewportIds());
  }

  private async relabel(uid: string): Promise<void> {
    const annotation = annotationByUid(uid);
    if (!annotation) return;
    const textual = ["ArrowAnnotate", "Label"].includes(annotation.metadata?.toolName ?? "");
    const answer = await askText(textual ? "Text" : "Label (e.g. Lesion 1)", String(annotation.data.label ?? ""));
    if (answer === null) return; // cancelled (or nothing typed): as it was
    const imageId = annotation.metadata?.referencedImageId ?? "";
    relabel(uid, answer, this.places.cellShowing(imageId)?.host);
    redraw(this.visibleViewportIds());
    this.refresh();
  }

  private remove(uids: string[]): void {
    if (!uids.length) return;
    for (const uid of uids) removeMeasurement(uid);
    redraw(this.visibleViewportIds());
    this.refresh();
  }

  private async listReports(): Promise<void> {
    try {
      this.panel.showReports(await measurementReports(this.reader.study.uid));
    } catch (error) {
      this.panel.showReports(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Store the measurements of the active viewport's series as a measurement report. */
  private async save(): Promise<void> {
    const series = this.reader.active.content?.seriesUid;
    if (!series) {
      this.panel.say("error", "Show a series in the active viewport first: its measurements are what is saved.");
      return;
    }
    this.places.learnShown();
    let mine = measurements().filter((measurement) => this.places.of(measurement.imageId)?.seriesUid === series);
    try {
      mine = await withStatistics(mine);
    } catch (error) {
      this.panel.say("error", `The pixels of a measured image could not be loaded again for its statistics. ${errorText(error)}`);
      return;
    }
    const { values, leftOut } = toReport(mine, (imageId) => {
      const image = this.places.of(imageId)?.stackImage;
      return image && { sopInstanceUID: image.sopInstanceUid, ...(image.frame ? { frameNumber: image.frame } : {}) };
    });
    const skipped = leftOut.length ? ` Left out: ${leftOut.join("; ")}.` : "";
    if (!values.length) {
      this.panel.say("error", `There is nothing to save on this series: no lengths, angles or regions.${skipped}`);
      return;
    }
    this.panel.saveButton.disabled = true;
    try {
      const stored = await storeMeasurementReport(this.reader.study.uid, series, { measurements: values });
      const title = this.reader.active.content?.title ?? "the series";
      this.panel.say("info", `Saved ${values.length} measurement${values.length === 1 ? "" : "s"} of ${title} (${counted(values.map((value) => value.kind))}) as a measurement report (DICOM SR ${stored.sopInstanceUID}).${skipped}`);
      await this.listReports();
    } catch (error) {
      this.panel.say("error", `The measurements could not be saved. ${errorText(error)}`);
    } finally {
      this.panel.saveButton.disabled = false;
    }
  }

  /** Draw a stored report's measurements on their images, going to the first one. */
  private async load(report: StoredMeasurementReport): Promise<void> {
    for (const uid of this.loaded.get(report.sopInstanceUID) ?? []) removeMeasurement(uid);
    const drawn: string[] = [];
    const missing: string[] = [];
    try {
      const found = [];
      for (const value of report.measurements) {
        const { sopInstanceUID, seriesInstanceUID, frameNumber } = value.image;
        const image = await this.places.find(seriesInstanceUID, sopInstanceUID, frameNumber);
        if (image) found.push({ value, imageId: image.imageId });
        else missing.push(value.label ?? value.kind);
      }
      if (found[0]) await this.places.show(found[0].imageId);
      for (const { value, imageId } of found) {
        const uid = draw({ ...fromValue(value), imageId }, this.places.cellShowing(imageId)?.host);
        if (uid) drawn.push(uid);
        else missing.push(value.label ?? value.kind);
      }
      this.loaded.set(report.sopInstanceUID, drawn);
      redraw(this.visibleViewportIds());
      this.refresh();
      const when = report.created?.replace("T", " ").slice(0, 16) ?? "an unknown date";
      const kinds = counted(found.map(({ value }) => KIND_NAMES[fromValue(value).kind].toLowerCase()));
      const note = missing.length ? ` Not found: ${missing.join(", ")}.` : "";
      this.panel.say(drawn.length ? "info" : "error", `Drew ${drawn.length} measurement${drawn.length === 1 ? "" : "s"} of the report of ${when}${kinds ? ` (${kinds})` : ""}.${note}`);
    } catch (error) {
      this.panel.say("error", `The report could not be drawn. ${errorText(error)}`);
    }
  }
}
