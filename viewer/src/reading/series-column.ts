// The reading page's series strip: the study's series as cards (series-list.ts), a "Key images" card on top when
// the study has key images (saved or marked), and a refresh after the reader stores a new series (a presentation
// state, a key object selection). Loaded before Cornerstone: nothing here imports it.

import type { DicomWebClient } from "../dicomweb/client";
import { seriesList } from "../series/series-list";
import { studySeries, type SeriesSummary } from "../series/series";
import { el, replace } from "../ui/dom";

export interface KeyImagesCard {
  /** Key images of the study: saved in key object selections, and marked but not saved. */
  saved: number;
  marked: number;
  open: () => void;
}

export class SeriesColumn {
  private keyImages: KeyImagesCard | undefined;

  constructor(
    readonly element: HTMLElement,
    private readonly client: DicomWebClient,
    readonly study: string,
    public series: SeriesSummary[],
    private readonly options: { dragType: string; onChoose: (series: SeriesSummary) => void },
  ) {
    this.render();
  }

  render(): void {
    const pressed = this.element.querySelector("[aria-pressed=true]")?.getAttribute("data-series-uid");
    replace(this.element, seriesList(this.series, { client: this.client, dragType: this.options.dragType, onChoose: this.options.onChoose }));
    if (pressed !== null && pressed !== undefined) {
      this.element.querySelector(`[data-series-uid="${CSS.escape(pressed)}"]`)?.setAttribute("aria-pressed", "true");
    }
    this.renderKeyImages(pressed === "");
  }

  /** Ask for the study's series again (a document was stored) and show them. */
  async refresh(): Promise<SeriesSummary[]> {
    this.series = await studySeries(this.client, this.study);
    this.render();
    return this.series;
  }

  showKeyImages(card: KeyImagesCard | undefined): void {
    this.keyImages = card;
    const current = this.element.querySelector("[data-key-images]");
    this.renderKeyImages(current?.getAttribute("aria-pressed") === "true");
  }

  private renderKeyImages(pressed: boolean): void {
    this.element.querySelector("li.key-images-item")?.remove();
    const card = this.keyImages;
    const list = this.element.querySelector("ul.series-list");
    if (!card || !list || card.saved + card.marked === 0) return;
    const total = card.saved + card.marked;
    const description = card.marked ? `${card.marked} marked, not saved` : "saved";
    const button = el(
      "button",
      {
        type: "button", class: "series-card series-card-other key-images-card", "data-series-uid": "", "data-key-images": total,
        "aria-pressed": String(pressed), title: "The study's key images in the active viewport (K)",
      },
      el("span", { class: "thumbnail kind", "aria-hidden": "true" }, "★"),
      el(
        "span",
        { class: "series-text" },
        el("span", { class: "series-title" }, "Key images"),
        el("span", { class: "series-description" }, description),
        el("span", { class: "series-count" }, `${total} image${total === 1 ? "" : "s"}`),
      ),
    );
    button.addEventListener("click", () => card.open());
    list.prepend(el("li", { class: "key-images-item" }, button));
  }
}
