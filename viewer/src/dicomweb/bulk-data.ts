// Binary values of DICOM JSON: an InlineBinary (base64) or a BulkDataURI fetched from the server (a multipart/related
// answer of one part, PS3.18 8.7), as bytes.

import type { DicomElement } from "./json";
import { request } from "./client";

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let index = from; index <= haystack.length - needle.length; index += 1) {
    for (let offset = 0; offset < needle.length; offset += 1) {
      if (haystack[index + offset] !== needle[offset]) continue outer;
    }
    return index;
  }
  return -1;
}

/** The body of the first part of a multipart/related answer (or the whole body when it is not multipart). */
export function firstPart(body: Uint8Array, contentType: string): Uint8Array {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!contentType.toLowerCase().startsWith("multipart/") || !boundary) return body;
  const encoder = new TextEncoder();
  const start = indexOf(body, encoder.encode(`--${boundary}`), 0);
  const headersEnd = indexOf(body, encoder.encode("\r\n\r\n"), start);
  const end = indexOf(body, encoder.encode(`\r\n--${boundary}`), headersEnd + 4);
  if (start < 0 || headersEnd < 0 || end < 0) throw new Error("the bulk data answer is not the multipart body it says it is");
  return body.subarray(headersEnd + 4, end);
}

/** The bytes of a binary element, or undefined when it has none. */
export async function binaryValue(element: DicomElement | undefined): Promise<Uint8Array | undefined> {
  if (!element) return undefined;
  if (element.InlineBinary !== undefined) return fromBase64(element.InlineBinary);
  if (!element.BulkDataURI) return undefined;
  const response = await request(element.BulkDataURI, 'multipart/related; type="application/octet-stream"');
  return firstPart(new Uint8Array(await response.arrayBuffer()), response.headers.get("Content-Type") ?? "");
}
