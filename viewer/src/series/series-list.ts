// A study's series as cards: a thumbnail for pictures (the server's rendered thumbnail), the kind in words for
// reports, presentation states, key objects and documents; each a link or a choice.

import type { DicomWebClient } from "../dicomweb/client";
import { el } from "../ui/dom";
import { seriesCount, seriesTitle, type SeriesSummary } from "./series";

export interface SeriesListOptions {
  client: DicomWebClient;
  /** Each card links here (the study browser: the series in the viewer)... */
  href?: (series: SeriesSummary) => string;
  /** ...or is a button that calls this (the reading page). */
  onChoose?: (series: SeriesSummary) => void;
  /** Series with pictures can be dragged (the reading page: onto a viewport), their UID as this data type. */
  dragType?: string;
}

export function seriesList(series: SeriesSummary[], options: SeriesListOptions): HTMLElement {
  if (series.length === 0) return el("p", { class: "empty" }, "This study has no series.");
  return el("ul", { class: "series-list" }, ...series.map((item) => el("li", {}, seriesCard(item, options))));
}

function seriesCard(series: SeriesSummary, options: SeriesListOptions): HTMLElement {
  const content = [
    series.hasPictures ? thumbnail(options.client.seriesThumbnailUrl(series.study, series.uid)) : kindBox(series),
    el(
      "span",
      { class: "series-text" },
      el("span", { class: "series-title" }, seriesTitle(series)),
      el("span", { class: "series-description" }, series.description || (series.hasPictures ? "(no description)" : series.kind)),
      el("span", { class: "series-count" }, seriesCount(series)),
    ),
  ];
  const attributes = {
    class: `series-card${series.hasPictures ? "" : " series-card-other"}`,
    "data-series-uid": series.uid,
    title: series.hasPictures ? undefined : series.kind,
  };
  if (options.href) return el("a", { ...attributes, href: options.href(series) }, ...content);
  const draggable = Boolean(options.dragType && series.hasPictures);
  const button = el("button", { ...attributes, type: "button", "aria-pressed": "false", draggable: draggable ? "true" : undefined }, ...content);
  button.addEventListener("click", () => options.onChoose?.(series));
  if (draggable) {
    button.addEventListener("dragstart", (event) => {
      event.dataTransfer?.setData(options.dragType!, series.uid);
      event.dataTransfer?.setData("text/plain", series.description || series.uid);
      if (event.dataTransfer) event.dataTransfer.effectAllowed = "copy";
    });
  }
  return button;
}

function thumbnail(url: string): HTMLElement {
  const image = el("img", { class: "thumbnail", src: url, alt: "", width: 128, height: 128, loading: "lazy", decoding: "async" });
  image.addEventListener("load", () => (image.dataset.state = "loaded"));
  image.addEventListener("error", () => {
    image.replaceWith(el("span", { class: "thumbnail no-preview", "data-state": "failed" }, "No preview"));
  });
  return image;
}

function kindBox(series: SeriesSummary): HTMLElement {
  return el("span", { class: "thumbnail kind", "aria-hidden": "true" }, series.modality || "?");
}
