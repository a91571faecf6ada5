// The study's documents on the reading page: a side-panel tab with its presentation states (apply, save) and key
// images (save, show), their toolbar buttons and keys, and the series strip kept up to date when one is stored.
// Wires presentation/panel.ts and key-images.ts into the reader.

import { el } from "../ui/dom";
import { KeyImagesPart } from "./key-images";
import { PresentationStatesPart } from "./presentation/panel";
import type { Reader } from "./reader";
import type { SeriesColumn } from "./series-column";
import type { SidePanel } from "./side-panel";

export const DOCUMENTS_TAB = "documents";

/** What the documents' parts share: the reader, the series strip and the panel. */
export interface DocumentsContext {
  reader: Reader;
  column: SeriesColumn;
  /** Open the documents tab (when it is not open). */
  openPanel(): void;
  /** The study's series asked for again (a new series was stored), in the strip and the reader. */
  refreshSeries(): Promise<void>;
  /** "2026-11-28 08:30" from an ISO 8601 date-time. */
  when(iso: string | null | undefined): string;
}

export function installDocuments(reader: Reader, column: SeriesColumn, side: SidePanel): void {
  const context: DocumentsContext = {
    reader,
    column,
    openPanel: () => {
      if (!side.isShowing(DOCUMENTS_TAB)) side.show(DOCUMENTS_TAB);
    },
    refreshSeries: async () => {
      try {
        reader.series = await column.refresh();
      } catch (error) {
        console.error("the series list could not be refreshed", error);
      }
    },
    when: (iso) => (iso ? iso.replace("T", " ").slice(0, 16) : ""),
  };
  const states = new PresentationStatesPart(context);
  const keyImages = new KeyImagesPart(context);
  side.add(DOCUMENTS_TAB, "States & key images", el("div", { class: "documents" }, states.element, keyImages.element), () => {
    void states.load();
    void keyImages.load();
  });
  reader.add(states);
  reader.add(keyImages);
  reader.add({
    actions: () => [
      { keys: ["P"], label: "Presentation states and key images panel", group: "Panels", run: () => side.toggle(DOCUMENTS_TAB) },
    ],
  });
  reader.toolbar.group("Documents", [
    { id: "documents-panel", label: "States", title: "Presentation states and key images", keys: ["P"], run: () => side.toggle(DOCUMENTS_TAB), pressed: () => side.isShowing(DOCUMENTS_TAB) },
    { id: "save-presentation-state", label: "Save state", title: "Save the annotations, window, zoom and rotation as a presentation state", keys: ["S"], run: () => void states.save() },
    { id: "show-key-images", label: "Key images", title: "Show the study's key images", keys: ["K"], run: () => void keyImages.show(reader.active) },
  ]);
  void states.load();
  void keyImages.load();
}
