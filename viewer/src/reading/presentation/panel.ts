// The presentation states of the study in the side panel: each with its label, description, creator and date, and
// Apply (in the active viewport; the one applied says so, with Remove); "Save presentation state" stores what the
// active viewport shows (capture.ts) after asking for a label and description. A PR series card applies its state.

import {
  listPresentationStates,
  readPresentationState,
  savePresentationState,
  type PresentationStateSummary,
  type StoredPresentationState,
} from "../../api/documents";
import { personName } from "../../dicom/format";
import type { SeriesSummary } from "../../series/series";
import { askForm } from "../../ui/ask";
import { el, errorText, replace } from "../../ui/dom";
import type { DocumentsContext } from "../documents";
import type { ReaderPart } from "../reader";
import type { Action } from "../shortcuts";
import type { ViewportCell } from "../viewport-cell";
import { AppliedPresentation } from "./applied";
import { capture } from "./capture";

const GSPS = "1.2.840.10008.5.1.4.1.1.11.1";

/** A Content Label (CS): upper case letters, digits, space and underscore, at most 16. */
export function contentLabel(typed: string): string {
  return typed.toUpperCase().replace(/[^A-Z0-9 _]/g, "_").trim().slice(0, 16) || "PYPACS";
}

export class PresentationStatesPart implements ReaderPart {
  readonly element = el("section", { class: "presentation-states", "aria-label": "Presentation states" });
  private summaries: PresentationStateSummary[] = [];
  private readonly states = new Map<string, Promise<StoredPresentationState>>();
  private readonly applied = new WeakMap<ViewportCell, AppliedPresentation>();
  private loading: Promise<void> | undefined;
  private failure = "";
  private shownApplied: string | undefined = "";

  constructor(private readonly context: DocumentsContext) {
    this.render();
  }

  actions(): Action[] {
    const group = "Presentation states";
    return [
      { keys: ["S"], label: "Save a presentation state of the active viewport (annotations, window, zoom, rotation)", group, run: () => void this.save() },
      { keys: ["U"], label: "Remove the presentation state: back to the images as stored", group, run: () => this.remove(this.context.reader.active) },
    ];
  }

  changed(cell: ViewportCell): void {
    const applied = this.appliedIn(cell);
    if (applied !== this.shownApplied) this.render();
  }

  showDocument(cell: ViewportCell, series: SeriesSummary): boolean {
    if (series.sopClassUid !== GSPS && series.modality !== "PR") return false;
    void this.applySeries(cell, series);
    return true;
  }

  /** Ask the server for the study's presentation states (once at a time). */
  load(): Promise<void> {
    this.loading ??= listPresentationStates(this.context.reader.study.uid)
      .then((summaries) => {
        this.summaries = summaries;
        this.failure = "";
      })
      .catch((error: unknown) => {
        this.failure = `The presentation states could not be listed. ${errorText(error)}`;
      })
      .finally(() => {
        this.loading = undefined;
        this.render();
      });
    return this.loading;
  }

  private appliedIn(cell: ViewportCell): string | undefined {
    return this.applied.get(cell)?.state?.sopInstanceUID;
  }

  private view(cell: ViewportCell): AppliedPresentation {
    let view = this.applied.get(cell);
    if (!view) {
      view = new AppliedPresentation(cell, () => this.render());
      this.applied.set(cell, view);
    }
    return view;
  }

  private read(sop: string): Promise<StoredPresentationState> {
    let state = this.states.get(sop);
    if (!state) {
      state = readPresentationState(this.context.reader.study.uid, sop);
      this.states.set(sop, state);
      state.catch(() => this.states.delete(sop));
    }
    return state;
  }

  /** Apply a state in a viewport, first showing the series it presents when the viewport shows another. */
  async apply(cell: ViewportCell, summary: PresentationStateSummary): Promise<void> {
    const { reader } = this.context;
    try {
      const state = await this.read(summary.sopInstanceUID);
      const presented = new Set(state.images.map((image) => image.seriesInstanceUID ?? ""));
      if (!cell.images.some((image) => presented.has(image.series))) {
        const series = reader.series.find((item) => presented.has(item.uid) && item.hasPictures);
        if (!series) throw new Error("none of the images it presents is in this study's series.");
        await reader.showSeries(cell, series);
      }
      await this.view(cell).apply(state);
    } catch (error) {
      reader.notify("error", `The presentation state ${summary.label || summary.sopInstanceUID} could not be applied: ${errorText(error)}`);
    }
    this.render();
  }

  private async applySeries(cell: ViewportCell, series: SeriesSummary): Promise<void> {
    this.context.openPanel();
    await this.load();
    const summary = this.summaries.filter((item) => item.seriesInstanceUID === series.uid).at(-1);
    if (summary) await this.apply(cell, summary);
    else cell.clear(`${series.kind || "Presentation state"}: this series holds no pictures and no presentation state that could be read.`);
  }

  remove(cell: ViewportCell): void {
    this.applied.get(cell)?.remove(true);
    this.render();
  }

  /** Store what the active viewport shows as a presentation state, after asking for its label and description. */
  async save(): Promise<void> {
    const { reader } = this.context;
    const cell = reader.active;
    if (!cell.viewport || !cell.currentImage) {
      reader.notify("error", "Show a series in the active viewport first: its annotations, window, zoom and rotation are what is saved.");
      return;
    }
    const applied = this.summaries.find((item) => item.sopInstanceUID === this.appliedIn(cell));
    const answers = await askForm("Save presentation state", [
      { name: "label", label: "Label", value: applied?.label ?? "", maxLength: 16, hint: "Capitals, digits, spaces and _; at most 16" },
      { name: "description", label: "Description", value: "", maxLength: 64 },
    ]);
    if (!answers) return;
    const label = contentLabel(answers.label ?? "");
    try {
      const { series, state, leftOut } = await capture(cell, label, answers.description ?? "");
      await savePresentationState(reader.study.uid, series, state);
      const count = state.annotations?.length ?? 0;
      const skipped = leftOut ? ` ${leftOut} annotation${leftOut === 1 ? " was" : "s were"} left out (images of another size).` : "";
      reader.notify("info", `Presentation state ${label} saved with ${count} annotation${count === 1 ? "" : "s"}.${skipped}`);
    } catch (error) {
      reader.notify("error", `The presentation state could not be saved. ${errorText(error)}`);
      return;
    }
    await Promise.all([this.load(), this.context.refreshSeries()]);
  }

  private render(): void {
    const cell = this.context.reader.active;
    const applied = this.appliedIn(cell);
    this.shownApplied = applied;
    const save = el("button", { type: "button", "data-action": "save-state", title: "Save the active viewport's annotations, window, zoom and rotation (S)" }, "Save presentation state…");
    save.addEventListener("click", () => void this.save());
    const back = el("button", { type: "button", "data-action": "remove-state", disabled: !applied, title: "Remove the applied presentation state (U)" }, "Back to the images as stored");
    back.addEventListener("click", () => this.remove(cell));
    const items = this.summaries.map((summary) => this.item(summary, cell, summary.sopInstanceUID === applied));
    replace(
      this.element,
      el("h3", {}, "Presentation states"),
      el("div", { class: "side-actions" }, save, back),
      this.failure ? el("p", { class: "message message-error", role: "alert" }, this.failure) : null,
      items.length ? el("ul", { class: "document-list" }, ...items) : el("p", { class: "empty" }, this.loading ? "Loading…" : "This study has no presentation states."),
    );
  }

  private item(summary: PresentationStateSummary, cell: ViewportCell, isApplied: boolean): HTMLElement {
    const button = isApplied
      ? el("button", { type: "button", "data-action": "remove" }, "Remove")
      : el("button", { type: "button", "data-action": "apply" }, "Apply");
    button.addEventListener("click", () => (isApplied ? this.remove(cell) : void this.apply(cell, summary)));
    const by = summary.creator ? personName(summary.creator) : "";
    return el(
      "li",
      { class: "document", "data-sop-instance-uid": summary.sopInstanceUID, "data-applied": isApplied ? "true" : undefined },
      el("div", { class: "document-head" }, el("strong", { class: "document-label" }, summary.label || "(no label)"), isApplied ? el("span", { class: "badge" }, "applied") : null, button),
      summary.description ? el("div", { class: "document-description" }, summary.description) : null,
      el("div", { class: "document-meta" }, [by, this.context.when(summary.created)].filter(Boolean).join(" · ")),
    );
  }
}
