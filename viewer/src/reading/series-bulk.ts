// The first series' frames in one response: once its metadata is known, the series is asked for as bulk data
// (PS3.18 10.4: `multipart/related; type="application/octet-stream"`, one part per frame named by its frame URL in
// Content-Location), read part by part as it arrives and kept by image ID until the image loader takes each
// (frame-fallback.ts). A browser spends ~8 ms of its own time on each request; 300 frame requests took Chromium
// 2.4–4.0 s where one response of the same 150 MB takes 0.7–1.0 s. No Cornerstone import here, so that this module
// is in the page's first bundle. It never holds a frame once taken, and never stands in the way of the loader's
// own requests: a frame it does not get (the request refused, the response cut short) is asked for by the loader.

import { boundaryOf, readParts, transferSyntaxOf, type BulkPart } from "../dicomweb/multipart-stream";

/** What the series is asked for as: each frame as stored (the loader's codecs decode it), one part per frame. */
export const BULK_AS_STORED = 'multipart/related; type="application/octet-stream"; transfer-syntax=*';
/** Frames handed to Cornerstone at once (each decoded, then cached). */
const HANDED_AT_ONCE = 4;
/** While the reader scrolls or drags, and this long after: only the next images the reader goes to are built,
 * one at a time. Building an image takes ~3 ms of the page's thread (and the decoder's), and drawing 60 frames a
 * second on a CPU leaves little over: building the whole series then cost scrolling 10–15 frames a second. */
const INTERACTION_MS = 250;

export interface StoredFrame {
  bytes: ArrayBuffer;
  /** The transfer syntax of the bytes, from the part's Content-Type. */
  transferSyntax: string;
}

let lastInput = -Infinity;
// Mouse events as well as pointer events: a page (or a test) may send either alone.
for (const type of ["wheel", "keydown", "pointerdown", "pointermove", "mousedown", "mousemove", "touchmove"] as const) {
  addEventListener(
    type,
    (event) => {
      if (!type.endsWith("move") || type === "touchmove" || (event as MouseEvent).buttons) lastInput = performance.now();
    },
    { capture: true, passive: true },
  );
}

/** How long the reader's scrolling or dragging is still to be counted as going on (ms), or <= 0. */
function interactingFor(): number {
  return lastInput + INTERACTION_MS - performance.now();
}

/** The image ID of a frame URL, as stack.ts builds it: `wadors:` and the absolute URL on the page's origin. */
export function imageIdOf(frameUrl: string): string {
  const url = new URL(frameUrl, location.href);
  return `wadors:${location.origin}${url.pathname}`;
}

/** The image ID prefix of an image's series (`…/series/<uid>/instances/`), as `fetchSeries` keeps it. */
function seriesPrefixOf(imageId: string): string {
  const at = imageId.indexOf("/instances/");
  return at < 0 ? imageId : imageId.slice(0, at + "/instances/".length);
}

interface Waiter {
  promise: Promise<StoredFrame | undefined>;
  resolve: (frame: StoredFrame | undefined) => void;
}

export class BulkStore {
  /** Frames received and not yet taken, by image ID, in the order they came. */
  private readonly held = new Map<string, StoredFrame>();
  /** Frames the loader asked for before they came. */
  private readonly waiting = new Map<string, Waiter>();
  /** Image ID prefixes of the series being received. */
  private readonly receiving = new Set<string>();
  private consumer: ((imageId: string) => Promise<unknown>) | undefined;
  private handing = 0;
  /** Images to hand over first (the next ones the reader goes to), nearest first. */
  private preferred: string[] = [];
  private resumeTimer: ReturnType<typeof setTimeout> | undefined;
  /** What to call once the store is done with a series (response ended, frames handed over), by prefix. */
  private readonly whenDone = new Map<string, (() => void)[]>();
  /** Requests made, by series URL (for the page's probe and tests). */
  readonly requested: string[] = [];

  /** Ask for a series' frames (its WADO-RS URL) in one response. */
  fetchSeries(seriesUrl: string): void {
    const prefix = imageIdOf(`${seriesUrl}/instances/`);
    if (this.receiving.has(prefix)) return;
    this.receiving.add(prefix);
    this.requested.push(seriesUrl);
    void this.receive(seriesUrl).finally(() => {
      this.receiving.delete(prefix);
      for (const [imageId, waiter] of this.waiting) {
        if (imageId.startsWith(prefix)) {
          this.waiting.delete(imageId);
          waiter.resolve(undefined); // not in the response: the loader asks for it itself
        }
      }
      this.handOver();
    });
  }

  /** Call `done` once the store has nothing more of this image's series to give (at once when it has nothing). */
  afterSeries(imageId: string, done: () => void): void {
    const prefix = seriesPrefixOf(imageId);
    if (!this.receiving.has(prefix) && !this.holds(prefix)) {
      done();
      return;
    }
    this.whenDone.set(prefix, [...(this.whenDone.get(prefix) ?? []), done]);
  }

  /** Hand these images over before the others, in this order (the next ones in the direction the reader goes). */
  prefer(imageIds: string[]): void {
    this.preferred = imageIds.filter((imageId) => this.held.has(imageId));
    if (this.preferred.length) this.handOver();
  }

  private async receive(seriesUrl: string): Promise<void> {
    try {
      const response = await fetch(seriesUrl, { headers: { Accept: BULK_AS_STORED } });
      const boundary = boundaryOf(response.headers.get("Content-Type"));
      if (response.status !== 200 || !response.body || !boundary) {
        void response.body?.cancel().catch(() => undefined);
        return;
      }
      await readParts(response.body, boundary, (part) => this.arrived(part));
    } catch {
      // the network failed: frames not received are asked for by the loader
    }
  }

  private arrived({ headers, bytes }: BulkPart): void {
    const location = headers["content-location"];
    const transferSyntax = transferSyntaxOf(headers["content-type"]);
    if (!location || !transferSyntax) return;
    const imageId = imageIdOf(location);
    const frame = { bytes, transferSyntax };
    const waiter = this.waiting.get(imageId);
    if (waiter) {
      this.waiting.delete(imageId);
      waiter.resolve(frame);
      return;
    }
    this.held.set(imageId, frame);
    this.handOver();
  }

  /** The frame of an image, handed over (the store forgets it): undefined when the store neither has it nor
   * expects it; a promise of undefined when the response ends without it. */
  take(imageId: string): Promise<StoredFrame | undefined> | undefined {
    const frame = this.held.get(imageId);
    if (frame) {
      this.held.delete(imageId);
      return Promise.resolve(frame);
    }
    const waiter = this.waiting.get(imageId);
    if (waiter) return waiter.promise;
    if (![...this.receiving].some((prefix) => imageId.startsWith(prefix))) return undefined;
    let resolve!: (frame: StoredFrame | undefined) => void;
    const promise = new Promise<StoredFrame | undefined>((done) => (resolve = done));
    this.waiting.set(imageId, { promise, resolve });
    return promise;
  }

  /** From now on hand each frame held and arriving to `consumer` (which takes it from the store and settles when
   * done with it), a few at a time, so that no raw copy waits here. */
  drainInto(consumer: (imageId: string) => Promise<unknown>): void {
    this.consumer = consumer;
    this.handOver();
  }

  private holds(prefix: string): boolean {
    for (const imageId of this.held.keys()) if (imageId.startsWith(prefix)) return true;
    return false;
  }

  /** The next image to hand over: a preferred one, else (unless only those may go) the earliest received. */
  private next(onlyPreferred: boolean): string | undefined {
    while (this.preferred.length) {
      const imageId = this.preferred.shift()!;
      if (this.held.has(imageId)) return imageId;
    }
    if (onlyPreferred) return undefined;
    const first = this.held.keys().next();
    return first.done ? undefined : first.value;
  }

  private handOver(): void {
    const consumer = this.consumer;
    if (!consumer) return;
    const interacting = interactingFor();
    while (this.handing < (interacting > 0 ? 1 : HANDED_AT_ONCE)) {
      const imageId = this.next(interacting > 0);
      if (imageId === undefined) {
        if (interacting > 0 && this.held.size) {
          this.resumeTimer ??= setTimeout(() => {
            this.resumeTimer = undefined;
            this.handOver();
          }, interacting);
        } else {
          this.settle();
        }
        return;
      }
      this.handing += 1;
      // The consumer asks Cornerstone for the image, whose loader takes the frame at once (take() forgets it);
      // when Cornerstone has the image already, the frame is not taken: the copy is dropped all the same.
      void consumer(imageId).finally(() => {
        this.handing -= 1;
        this.handOver();
      });
      this.held.delete(imageId);
    }
  }

  /** Tell those waiting for a series that the store is done with it. */
  private settle(): void {
    for (const [prefix, callbacks] of this.whenDone) {
      if (this.receiving.has(prefix) || this.handing || this.holds(prefix)) continue;
      this.whenDone.delete(prefix);
      for (const callback of callbacks) callback();
    }
  }
}

export const bulkStore = new BulkStore();
