// Frames the browser cannot decode are asked for again, decoded by the server: the WADO-RS image loader first
// asks for frames as stored (`transfer-syntax=*`, decoded here by the loader's codecs); when that fails (no
// decoder for the syntax, a decoder error, a refused request) the same frame is asked for as Explicit VR Little
// Endian, which pypacs transcodes. Only a failure of both is an error the reader sees. Frames that came in the
// series' bulk data response (series-bulk.ts) are taken from it rather than asked for one by one.

import { Enums, imageLoader, type Types } from "@cornerstonejs/core";
import { createImage, wadors } from "@cornerstonejs/dicom-image-loader";
import { bulkStore, type StoredFrame } from "./series-bulk";

export const EXPLICIT_LITTLE = "1.2.840.10008.1.2.1";
// One frame per request, so a single part (PS3.18 8.7.3): the loader then takes the body as it is, instead of
// scanning each ~0.5 MB answer for its multipart boundary in JavaScript (~4 ms a frame on the page's thread).
const AS_STORED = "application/octet-stream; transfer-syntax=*";
const AS_SERVER_DECODED = `application/octet-stream; transfer-syntax=${EXPLICIT_LITTLE}`;

/** Image IDs whose frames are asked for decoded by the server, with why the browser's own decoding failed. */
const serverDecoded = new Map<string, string>();
const listeners = new Set<(imageId: string, reason: string) => void>();

/** The Accept header the loader sends for this image: the server-decoded frames once the browser has failed. */
export function requestHeaders(imageId: string): Record<string, string> {
  return { Accept: serverDecoded.has(imageId) ? AS_SERVER_DECODED : AS_STORED };
}

/** Why the browser did not decode this frame itself, when it did not. */
export function serverDecodedBecause(imageId: string): string | undefined {
  return serverDecoded.get(imageId);
}

export function onServerDecoding(listener: (imageId: string, reason: string) => void): void {
  listeners.add(listener);
}

export function reason(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error instanceof XMLHttpRequest) return `the server answered ${error.status} ${error.statusText}`.trim();
  if (typeof error === "string") return error;
  const detail = (error as { error?: unknown; message?: unknown } | null)?.error ?? (error as { message?: unknown } | null)?.message;
  return detail ? reason(detail) : "the frame could not be decoded";
}

/** An image from a frame of the bulk data response, as the WADO-RS loader builds one from its own response; from
 * the loader's own request when the response did not bring the frame. */
async function fromStore(imageId: string, stored: Promise<StoredFrame | undefined>, options: Record<string, unknown>): Promise<Types.IImage> {
  const start = Date.now();
  let frame = await stored;
  if (!frame) return (wadors.loadImage(imageId, options) as unknown as Types.IImageLoadObject).promise;
  const { transferSyntax } = frame;
  const pixelData = new Uint8Array(frame.bytes);
  frame = undefined; // the decoder's copy is the only one now
  const image = (await createImage(imageId, pixelData, transferSyntax, options)) as unknown as Types.IImage & { transferSyntaxUID?: string };
  image.loadTimeInMS = Date.now() - start;
  image.transferSyntaxUID = transferSyntax;
  image.imageQualityStatus = Enums.ImageQualityStatus.FULL_RESOLUTION;
  return image;
}

function loadWithFallback(imageId: string, options: Record<string, unknown> = {}): Types.IImageLoadObject {
  if (serverDecoded.has(imageId)) return wadors.loadImage(imageId, options) as unknown as Types.IImageLoadObject;
  const stored = bulkStore.take(imageId);
  const first = stored
    ? { promise: fromStore(imageId, stored, options), cancelFn: undefined }
    : (wadors.loadImage(imageId, options) as unknown as Types.IImageLoadObject);
  const promise = first.promise.catch((error: unknown) => {
    const why = reason(error);
    serverDecoded.set(imageId, why);
    for (const listener of listeners) listener(imageId, why);
    const second = wadors.loadImage(imageId, options) as unknown as Types.IImageLoadObject;
    return second.promise;
  });
  return { ...first, promise };
}

/** Put the falling-back loader in the place of the image loader's own `wadors:` one (after its init). */
export function registerFrameLoader(): void {
  imageLoader.registerImageLoader("wadors", loadWithFallback as unknown as Types.ImageLoaderFn);
}

/** From now on put the frames of the bulk data response into Cornerstone's cache as they come, as its stack
 * prefetch would (same options), so that their raw bytes do not wait in the store: called once a stack has given
 * the loader their metadata (stack.ts), which building an image needs. */
export function cacheBulkFrames(): void {
  bulkStore.drainInto(async (imageId) => {
    try {
      await imageLoader.loadAndCacheImage(imageId, { priority: 0, requestType: Enums.RequestType.Prefetch });
    } catch {
      // not shown here: the viewport says what failed when the image is asked for (the loader asks again)
    }
  });
}
