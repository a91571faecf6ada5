// Where the images that measurements are drawn on belong: their series and number in it (for the list and for
// reports), learnt from the stacks the viewports show or that a report needs; and going to an image (the viewport
// that shows its series, else the active one).

import { seriesTitle } from "../../series/series";
import type { Reader } from "../reader";
import { imageName, stackOf, type Stack, type StackImage } from "../stack";
import type { ViewportCell } from "../viewport-cell";
import type { Place } from "./measurement-panel";

interface Known extends Place {
  seriesUid: string;
  image: string;
  stackImage: StackImage;
}

export class Places {
  private readonly known = new Map<string, Known>();
  private readonly seen = new WeakSet<Stack>();

  constructor(private readonly reader: Reader) {}

  /** Learn the images of the stacks the viewports show. */
  learnShown(): void {
    for (const cell of this.reader.layout.cells) {
      const content = cell.content;
      if (content?.seriesUid) this.learn(content.stack, content.seriesUid, content.title);
    }
  }

  private learn(stack: Stack, seriesUid: string, title: string): void {
    if (this.seen.has(stack)) return;
    this.seen.add(stack);
    stack.images.forEach((stackImage, index) => {
      if (!this.known.has(stackImage.imageId)) {
        this.known.set(stackImage.imageId, { seriesUid, seriesTitle: title, image: imageName(stack, index), index, stackImage });
      }
    });
  }

  of(imageId: string): (Place & { seriesUid: string; stackImage: StackImage }) | undefined {
    return this.known.get(imageId);
  }

  /** The image of a series by SOP Instance UID (and frame), loading the series' metadata when needed. */
  async find(seriesUid: string | undefined, sop: string, frame: number | undefined): Promise<StackImage | undefined> {
    const matches = (image: StackImage) => image.sopInstanceUid === sop && (image.frame ?? 1) === (frame ?? 1);
    const known = [...this.known.values()].find((place) => matches(place.stackImage));
    if (known) return known.stackImage;
    const series = this.reader.series.find((item) => item.uid === seriesUid);
    if (!series) return undefined;
    const stack = stackOf(this.reader.client.root, await this.reader.seriesMetadata(series));
    this.learn(stack, series.uid, seriesTitle(series));
    return stack.images.find(matches);
  }

  /** A viewport showing the series of an image, if one does. */
  cellShowing(imageId: string): ViewportCell | undefined {
    return this.reader.layout.visible.find((cell) => cell.images.some((image) => image.imageId === imageId));
  }

  /** Show an image: in the viewport that has its series, else its series in the active viewport. */
  async show(imageId: string): Promise<ViewportCell | undefined> {
    let cell = this.cellShowing(imageId);
    if (!cell) {
      const place = this.known.get(imageId);
      const series = this.reader.series.find((item) => item.uid === place?.seriesUid);
      if (!series) return undefined;
      cell = this.reader.active;
      await this.reader.showSeries(cell, series);
    }
    const index = cell.images.findIndex((image) => image.imageId === imageId);
    if (index < 0) return undefined;
    if (cell !== this.reader.active) this.reader.layout.activate(cell);
    if (cell.imageIndex !== index) await cell.goTo(index);
    return cell;
  }
}
