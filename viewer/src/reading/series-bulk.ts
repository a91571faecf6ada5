// The first series' frames in one response: once its metadata is known, the series is asked for as bulk data
// (PS3.18 10.4: `multipart/related; type="application/octet-stream"`, one part per frame named by its frame URL in
// Content-Location), read part by part as it arrives and kept by image ID until the image loader takes each
// (frame-fallback.ts). A browser spends ~8 ms of its own time on each request; 300 frame requests took Chromium
// 2.4–4.0 s where one response of the same 150 MB takes 0.7–1.0 s. No Cornerstone import here, so that this module
// is in the page's first bundle. It never holds a frame once taken, and never stands in the way of the loader's
// own requests: a frame it does not get (the request refused, the response cut short) is asked for by the loader.

/** What the series is asked for as: each frame as stored (the loader's codecs decode it), one part per frame. */
export const BULK_AS_STORED = 'multipart/related; type="application/octet-stream"; transfer-syntax=*';
/** Frames handed to Cornerstone at once (each decoded, then cached). */
const HANDED_AT_ONCE = 4;

export interface StoredFrame {
  bytes: ArrayBuffer;
  /** The transfer syntax of the bytes, from the part's Content-Type. */
  transferSyntax: string;
}

export interface BulkPart {
  headers: Record<string, string>;
  bytes: ArrayBuffer;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CRLF_CRLF = encoder.encode("\r\n\r\n");

/** Where `needle` first occurs in `haystack` from `from`, or -1. */
function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const last = haystack.length - needle.length;
  for (let i = haystack.indexOf(needle[0] ?? 0, from); i !== -1 && i <= last; i = haystack.indexOf(needle[0] ?? 0, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j += 1;
    if (j === needle.length) return i;
  }
  return -1;
}

function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (!a.length) return b;
  const both = new Uint8Array(a.length + b.length);
  both.set(a);
  both.set(b, a.length);
  return both;
}

function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** The boundary of a multipart Content-Type, if any. */
export function boundaryOf(contentType: string | null): string | undefined {
  const match = /;\s*boundary=("([^"]+)"|[^;\s]+)/i.exec(contentType ?? "");
  return match ? (match[2] ?? match[1]) : undefined;
}

/** The parts of a multipart body as they arrive, each copied into its own ArrayBuffer. A part with a
 * Content-Length is copied as it comes, without looking for the boundary in it; one without is found by its
 * boundary (across chunk edges). Ends at the closing delimiter or the end of the body. */
export async function readParts(body: ReadableStream<Uint8Array>, boundary: string, onPart: (part: BulkPart) => void): Promise<void> {
  const reader = body.getReader();
  const delimiter = encoder.encode(`--${boundary}`);
  const bodyEnd = encoder.encode(`\r\n--${boundary}`);
  let carry: Uint8Array = new Uint8Array(0);
  let sized: { headers: Record<string, string>; bytes: Uint8Array; filled: number } | undefined;
  let unsized: Record<string, string> | undefined;
  for (;;) {
    // Take what the bytes at hand allow; read more when they do not finish anything.
    if (sized) {
      const n = Math.min(sized.bytes.length - sized.filled, carry.length);
      sized.bytes.set(carry.subarray(0, n), sized.filled);
      sized.filled += n;
      carry = carry.subarray(n);
      if (sized.filled === sized.bytes.length) {
        onPart({ headers: sized.headers, bytes: sized.bytes.buffer as ArrayBuffer });
        sized = undefined;
        continue;
      }
    } else if (unsized) {
      const end = indexOf(carry, bodyEnd);
      if (end >= 0) {
        onPart({ headers: unsized, bytes: carry.slice(0, end).buffer });
        carry = carry.subarray(end + 2);
        unsized = undefined;
        continue;
      }
    } else {
      const start = indexOf(carry, delimiter);
      const after = start + delimiter.length;
      if (start >= 0 && carry.length >= after + 2) {
        if (carry[after] === 45 && carry[after + 1] === 45) {
          await reader.cancel().catch(() => undefined);
          return; // the closing delimiter
        }
        const headEnd = indexOf(carry, CRLF_CRLF, after);
        if (headEnd >= 0) {
          const headers = parseHeaders(decoder.decode(carry.subarray(after, headEnd)));
          carry = carry.subarray(headEnd + 4);
          const length = Number(headers["content-length"] ?? NaN);
          if (Number.isSafeInteger(length) && length >= 0) sized = { headers, bytes: new Uint8Array(length), filled: 0 };
          else unsized = headers;
          continue;
        }
      }
    }
    const { done, value } = await reader.read();
    if (done) return;
    carry = sized ? (carry.length ? joined(carry, value) : value) : joined(carry, value);
  }
}

/** The transfer syntax a Content-Type names (`…; transfer-syntax=1.2.840.10008.1.2.1`), if any. */
export function transferSyntaxOf(contentType: string | undefined | null): string | undefined {
  for (const parameter of (contentType ?? "").split(";").slice(1)) {
    const [name = "", value = ""] = parameter.split("=", 2).map((part) => part.trim());
    if (name.toLowerCase() === "transfer-syntax" && value) return value.replace(/"/g, "");
  }
  return undefined;
}

/** The image ID of a frame URL, as stack.ts builds it: `wadors:` and the absolute URL on the page's origin. */
export function imageIdOf(frameUrl: string): string {
  const url = new URL(frameUrl, location.href);
  return `wadors:${location.origin}${url.pathname}`;
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

  private handOver(): void {
    const consumer = this.consumer;
    if (!consumer) return;
    // One at a time while a response comes in: building images takes the page's thread, which reads it too.
    while (this.handing < (this.receiving.size ? 1 : HANDED_AT_ONCE)) {
      const next = this.held.keys().next();
      if (next.done) return;
      const imageId = next.value;
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
}

export const bulkStore = new BulkStore();
