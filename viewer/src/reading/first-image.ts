// The image the reading page opens on, rendered by the server into the page itself (web/viewer.py), so that the
// reader sees it while the viewer's code loads and starts; gone once a viewport draws, or as soon as it is not
// what the viewer will show. No Cornerstone here: this runs before its code is loaded.

import { Tag, number, text, type DicomJson } from "../dicomweb/json";

const element = document.getElementById("first-image");

/** Take the server's picture away (the viewer draws now, or failed, or shows something else). */
export function retireFirstImage(): void {
  element?.remove();
}

/** Keep the picture only if the viewer opens on its series. */
export function expectSeries(uid: string | undefined): void {
  if (element && element.dataset.series !== uid) retireFirstImage();
}

/** Keep the picture only if it is the series' first image as the viewer orders them (stack.ts: by instance number,
 * objects without pixels left out). */
export function expectFirstOf(instances: DicomJson[]): void {
  if (!element?.isConnected) return;
  let first: DicomJson | undefined;
  for (const instance of instances) {
    if (!(number(instance, Tag.Rows) ?? 0)) continue;
    if (!first || (number(instance, Tag.InstanceNumber) ?? 0) < (number(first, Tag.InstanceNumber) ?? 0)) first = instance;
  }
  if (!first || text(first, Tag.SOPInstanceUID) !== element.dataset.instance) retireFirstImage();
}
