// The "Tags" tab of the side panel: every attribute of the image the active viewport shows, from the WADO-RS
// metadata the viewer already has (nothing is fetched but the dictionary of names, once), with a filter; it follows
// the active viewport's image while it is open.

import { tagDictionary } from "../../dicom/dictionary";
import { Tag, text } from "../../dicomweb/json";
import { el, replace } from "../../ui/dom";
import type { Reader, ReaderPart } from "../reader";
import type { Action } from "../shortcuts";
import type { SidePanel } from "../side-panel";
import type { ViewportCell } from "../viewport-cell";
import { filterRows, openPaths, tagRows } from "./tag-table";

export const TAB = "tags";

export class TagPart implements ReaderPart {
  readonly element: HTMLElement;
  private readonly filter: HTMLInputElement;
  private readonly heading: HTMLElement;
  private readonly count: HTMLElement;
  private readonly body: HTMLElement;
  private shownImageId: string | undefined;
  private turn = 0;

  constructor(reader: Reader, private readonly side: SidePanel) {
    this.filter = el("input", { type: "search", name: "tag-filter", placeholder: "Filter: tag, keyword or value", "aria-label": "Filter the tags" });
    this.filter.addEventListener("input", () => this.applyFilter());
    this.heading = el("div", { class: "tags-image" });
    this.count = el("div", { class: "tags-count muted", "aria-live": "polite" });
    this.body = el("div", { class: "tags-body" });
    this.element = el("section", { class: "tags-panel" }, el("div", { class: "tags-head" }, this.filter, this.heading, this.count), this.body);
    side.add(TAB, "Tags", this.element, () => void this.show(reader.active, true));
  }

  actions(): Action[] {
    return [{ keys: ["g"], label: "DICOM tags of the image shown", group: "Panels", run: () => this.side.toggle(TAB) }];
  }

  changed(cell: ViewportCell): void {
    if (this.side.isShowing(TAB)) void this.show(cell, false);
  }

  private async show(cell: ViewportCell, again: boolean): Promise<void> {
    const image = cell.currentImage;
    if (!image) {
      this.shownImageId = undefined;
      replace(this.heading);
      replace(this.body, el("p", { class: "muted" }, "The active viewport shows no image."));
      return;
    }
    if (image.imageId === this.shownImageId && !again) return;
    const turn = ++this.turn;
    const open = openPaths(this.body);
    const dictionary = await tagDictionary();
    if (turn !== this.turn) return;
    this.shownImageId = image.imageId;
    const where = [`${cell.content?.stack.multiFrame ? "Frame" : "Image"} ${cell.imageIndex + 1}/${cell.images.length}`, text(image.instance, Tag.SOPInstanceUID)];
    replace(this.heading, where.join(" · "));
    this.body.dataset.imageIndex = String(cell.imageIndex);
    replace(this.body, tagRows(image.instance, dictionary, "", open));
    this.applyFilter();
  }

  private applyFilter(): void {
    const shown = filterRows(this.body, this.filter.value);
    replace(this.count, this.filter.value.trim() ? `${shown} matching` : "");
  }
}
