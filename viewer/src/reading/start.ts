// Starting the reader (Cornerstone and everything that uses it, loaded after the study's series are listed):
// the reader with its parts, the side panel and the help dialog.

import type { DicomWebClient } from "../dicomweb/client";
import type { DicomJson } from "../dicomweb/json";
import type { SeriesSummary, StudySummary } from "../series/series";
import { el, replace, required } from "../ui/dom";
import type { LayoutName } from "./layout";
import { installDocuments } from "./documents";
import { MeasurementPart, TAB as MEASUREMENTS } from "./measurements/measurement-part";
import { Reader } from "./reader";
import type { SeriesColumn } from "./series-column";
import { helpPanel } from "./shortcuts";
import { SidePanel } from "./side-panel";
import { TagPart, TAB as TAGS } from "./tags/tag-part";

export function startReading(
  client: DicomWebClient,
  study: StudySummary,
  column: SeriesColumn,
  layout: LayoutName,
  first: SeriesSummary | undefined,
  firstMetadata?: Promise<DicomJson[]>,
): Reader {
  const reader = new Reader(client, study, column.series, {
    message: required("message"),
    toolbar: required("toolbar"),
    viewports: required("viewports"),
    seriesColumn: required("series"),
    sidePanel: required("side-panel"),
  });
  const side = new SidePanel(required("side-panel"));
  const help = required<HTMLDialogElement>("help");
  const showHelp = () => {
    if (help.open) {
      help.close();
      return;
    }
    replace(required("help-content"), helpPanel(reader.actions()));
    help.showModal();
  };
  reader.add({
    actions: () => [
      { keys: ["?"], label: "This help", group: "Panels", run: showHelp },
      { keys: ["Escape"], label: "Close the side panel", group: "Panels", run: () => side.show(undefined) },
    ],
  });
  reader.add(new MeasurementPart(reader, side));
  reader.add(new TagPart(reader, side));
  reader.toolbar.group("Panels", [
    { id: "measurements", label: "Measurements", title: "Measurements: list, save, stored reports", keys: ["m"], run: () => side.toggle(MEASUREMENTS), pressed: () => side.isShowing(MEASUREMENTS) },
    { id: "tags", label: "Tags", title: "DICOM tags of the image shown", keys: ["g"], run: () => side.toggle(TAGS), pressed: () => side.isShowing(TAGS) },
    { id: "help", label: "?", title: "Keyboard shortcuts and help", keys: ["?"], run: showHelp },
  ]);
  side.onChange = () => reader.toolbar.refresh();
  help.querySelector("button[data-close]")?.addEventListener("click", () => help.close());
  installDocuments(reader, column, side);
  void el;
  if (first && firstMetadata) reader.prime(first.uid, firstMetadata);
  reader.start(layout, first);
  return reader;
}
