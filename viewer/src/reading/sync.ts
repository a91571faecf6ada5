// Viewports that show the same patient space (one Frame of Reference) scroll together, to the nearest image in
// position, and the active viewport's plane is drawn as a line in the others (reference lines). Both can be
// switched off; the groups are rebuilt whenever what the viewports show changes.

import { SynchronizerManager, synchronizers } from "@cornerstonejs/tools";
import { Tag, text } from "../dicomweb/json";
import { ENGINE_ID } from "./cornerstone";
import { showReferenceLines } from "./tools";
import type { ViewportCell } from "./viewport-cell";

const PREFIX = "pypacs-scroll-";
let made: string[] = [];

export const syncState = { scrolling: true, referenceLines: true };

function frameOfReference(cell: ViewportCell): string {
  const image = cell.images[0];
  return image && cell.content?.seriesUid ? text(image.instance, Tag.FrameOfReferenceUID) : "";
}

/** Group the shown viewports by Frame of Reference; a group of two or more scrolls together. */
export function synchronise(cells: ViewportCell[], active: ViewportCell): void {
  for (const id of made) SynchronizerManager.destroySynchronizer(id);
  made = [];
  const groups = new Map<string, ViewportCell[]>();
  for (const cell of cells) {
    const frame = frameOfReference(cell);
    if (!frame || !cell.viewport) continue;
    groups.set(frame, [...(groups.get(frame) ?? []), cell]);
  }
  let index = 0;
  for (const [frame, members] of groups) {
    for (const cell of members) cell.root.dataset.frameOfReference = frame;
    if (!syncState.scrolling || members.length < 2) continue;
    const id = `${PREFIX}${index++}`;
    const synchronizer = synchronizers.createImageSliceSynchronizer(id);
    for (const cell of members) synchronizer.add({ renderingEngineId: ENGINE_ID, viewportId: cell.viewportId });
    made.push(id);
  }
  const shared = frameOfReference(active) && (groups.get(frameOfReference(active))?.length ?? 0) > 1;
  showReferenceLines(syncState.referenceLines && shared ? active.viewportId : undefined);
}
