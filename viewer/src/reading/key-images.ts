// Key images: the study's key object selections (GET …/key-images) and the images marked with "k", shown as one
// stack ("Key images" card, K), each selection on its own (its KO series card, Show); the marked ones saved as a
// key object selection with a title from CID 7010 (POST …/key-images), after which the strip shows the new series.

import { KEY_IMAGE_TITLES, listKeyImages, saveKeyImages, type ImageReference, type StoredKeyImages } from "../api/documents";
import { Tag, number, text, type DicomJson } from "../dicomweb/json";
import { personName } from "../dicom/format";
import type { SeriesSummary } from "../series/series";
import { askForm } from "../ui/ask";
import { el, errorText, replace } from "../ui/dom";
import type { DocumentsContext } from "./documents";
import type { ReaderPart } from "./reader";
import type { Action } from "./shortcuts";
import { stackOf } from "./stack";
import type { ViewportCell } from "./viewport-cell";

const KO = "1.2.840.10008.5.1.4.1.1.88.59";

export class KeyImagesPart implements ReaderPart {
  readonly element = el("section", { class: "key-images", "aria-label": "Key images" });
  private selections: StoredKeyImages[] = [];
  private loading: Promise<void> | undefined;
  private failure = "";
  private marked = -1;

  constructor(private readonly context: DocumentsContext) {
    this.render();
  }

  actions(): Action[] {
    return [{ keys: ["K"], label: "Show the study's key images (saved and marked) in the active viewport", group: "Stack", run: () => void this.show(this.context.reader.active) }];
  }

  changed(): void {
    if (this.context.reader.keyImageUids.length !== this.marked) this.render();
  }

  showDocument(cell: ViewportCell, series: SeriesSummary): boolean {
    if (series.sopClassUid !== KO && series.modality !== "KO") return false;
    void this.showSeries(cell, series);
    return true;
  }

  load(): Promise<void> {
    this.loading ??= listKeyImages(this.context.reader.study.uid)
      .then((selections) => {
        this.selections = selections;
        this.failure = "";
        const saved = this.context.reader.savedKeyImages;
        for (const image of this.images(selections)) saved.add(image.sopInstanceUID);
      })
      .catch((error: unknown) => {
        this.failure = `The key images could not be listed. ${errorText(error)}`;
      })
      .finally(() => {
        this.loading = undefined;
        this.render();
        for (const cell of this.context.reader.layout.visible) cell.update();
      });
    return this.loading;
  }

  /** The images of some selections that are this study's, each once. */
  private images(selections: StoredKeyImages[]): ImageReference[] {
    const study = this.context.reader.study.uid;
    const seen = new Map<string, ImageReference>();
    for (const selection of selections) {
      for (const image of selection.images) {
        if ((image.studyInstanceUID ?? study) === study && !seen.has(image.sopInstanceUID)) seen.set(image.sopInstanceUID, image);
      }
    }
    return [...seen.values()];
  }

  /** All the key images (saved and marked) as one stack in a viewport. */
  async show(cell: ViewportCell): Promise<void> {
    await (this.loading ?? Promise.resolve());
    const marked = this.context.reader.markedKeyImages.map((image) => ({ sopInstanceUID: image.sopInstanceUid, seriesInstanceUID: image.series }));
    const references = [...this.images(this.selections), ...marked];
    if (references.length === 0) {
      this.context.reader.notify("info", "This study has no key images yet: mark one with k, then save them.");
      return;
    }
    await this.showImages(cell, "Key images", references);
    this.context.column.element.querySelector("[data-key-images]")?.setAttribute("aria-pressed", "true");
  }

  private async showSeries(cell: ViewportCell, series: SeriesSummary): Promise<void> {
    await this.load();
    const selections = this.selections.filter((selection) => selection.seriesInstanceUID === series.uid);
    const references = this.images(selections);
    if (references.length === 0) {
      cell.clear(`${series.kind || "Key Object Selection"}: this series holds no pictures, and no key images of this study could be read from it.`);
      return;
    }
    const title = selections[0]?.title.meaning ?? "Key images";
    await this.showImages(cell, `${title} (key images)`, references);
    this.context.reader.markChosen(series.uid);
  }

  /** Some images of the study, ordered by series and instance number, as a stack. */
  private async showImages(cell: ViewportCell, title: string, references: ImageReference[]): Promise<void> {
    const { reader } = this.context;
    const wanted = new Set(references.map((reference) => reference.sopInstanceUID));
    const seriesUids = new Set(references.map((reference) => reference.seriesInstanceUID).filter(Boolean));
    const order = reader.series.filter((series) => series.hasPictures && (seriesUids.size === 0 || seriesUids.has(series.uid)));
    const instances: DicomJson[] = [];
    try {
      for (const series of order) {
        const metadata = await reader.seriesMetadata(series);
        const chosen = metadata.filter((instance) => wanted.has(text(instance, Tag.SOPInstanceUID)));
        chosen.sort((a, b) => (number(a, Tag.InstanceNumber) ?? 0) - (number(b, Tag.InstanceNumber) ?? 0));
        instances.push(...chosen);
      }
    } catch (error) {
      cell.say("error", `The key images could not be loaded. ${errorText(error)}`);
      return;
    }
    const missing = wanted.size - instances.length;
    await reader.showStack(cell, title, stackOf(reader.client.root, instances, false));
    if (missing > 0) reader.notify("info", `${missing} key image${missing === 1 ? " is" : "s are"} not in this study's series (deleted, or of another study).`);
  }

  /** Save the marked images as a key object selection, after asking for its title and description. */
  async save(): Promise<void> {
    const { reader } = this.context;
    const uids = reader.keyImageUids;
    if (uids.length === 0) {
      reader.notify("info", "No images are marked: mark key images with k first.");
      return;
    }
    const answers = await askForm(`Save ${uids.length} key image${uids.length === 1 ? "" : "s"}`, [
      { name: "title", label: "Title", value: KEY_IMAGE_TITLES[0]!.value, choices: KEY_IMAGE_TITLES.map((code) => [code.value, code.meaning]) },
      { name: "description", label: "Description", value: "", maxLength: 1024 },
    ]);
    if (!answers) return;
    const title = KEY_IMAGE_TITLES.find((code) => code.value === answers.title) ?? KEY_IMAGE_TITLES[0]!;
    try {
      await saveKeyImages(reader.study.uid, {
        title,
        ...(answers.description ? { description: answers.description } : {}),
        images: uids.map((sopInstanceUID) => ({ sopInstanceUID })),
      });
    } catch (error) {
      reader.notify("error", `The key images could not be saved. ${errorText(error)}`);
      return;
    }
    reader.keyImagesSaved(uids);
    reader.notify("info", `${uids.length} key image${uids.length === 1 ? "" : "s"} saved as a key object selection (${title.meaning}).`);
    await Promise.all([this.load(), this.context.refreshSeries()]);
    this.render();
  }

  private render(): void {
    const { reader, column } = this.context;
    const marked = reader.keyImageUids.length;
    this.marked = marked;
    const saved = this.images(this.selections).length;
    column.showKeyImages({ saved, marked, open: () => void this.show(reader.active) });
    const save = el("button", { type: "button", "data-action": "save-key-images", disabled: marked === 0 }, `Save ${marked} marked key image${marked === 1 ? "" : "s"}…`);
    save.addEventListener("click", () => void this.save());
    const show = el("button", { type: "button", "data-action": "show-key-images", disabled: marked + saved === 0 }, "Show key images");
    show.addEventListener("click", () => void this.show(reader.active));
    replace(
      this.element,
      el("h3", {}, "Key images"),
      el("p", { class: "document-meta" }, `Mark an image with k. ${marked} marked, not saved; ${saved} saved.`),
      el("div", { class: "side-actions" }, save, show),
      this.failure ? el("p", { class: "message message-error", role: "alert" }, this.failure) : null,
      this.selections.length ? el("ul", { class: "document-list" }, ...this.selections.map((selection) => this.item(selection))) : null,
    );
  }

  private item(selection: StoredKeyImages): HTMLElement {
    const show = el("button", { type: "button", "data-action": "show" }, "Show");
    const count = selection.images.length;
    show.addEventListener("click", () => {
      void this.showImages(this.context.reader.active, `${selection.title.meaning} (key images)`, this.images([selection]));
    });
    const by = selection.observer ? personName(selection.observer) : "";
    return el(
      "li",
      { class: "document", "data-sop-instance-uid": selection.sopInstanceUID },
      el("div", { class: "document-head" }, el("strong", { class: "document-label" }, selection.title.meaning), el("span", { class: "badge" }, `${count} image${count === 1 ? "" : "s"}`), show),
      selection.description ? el("div", { class: "document-description" }, selection.description) : null,
      el("div", { class: "document-meta" }, [by, this.context.when(selection.created)].filter(Boolean).join(" · ")),
    );
  }
}
