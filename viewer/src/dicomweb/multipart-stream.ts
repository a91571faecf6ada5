// A multipart/related body read part by part as it arrives (fetch's stream), each part's bytes in its own
// ArrayBuffer: what a WADO-RS bulk data response (PS3.18 8.7.3, 10.4) needs from the browser, with the parameters of
// its Content-Type (boundary, transfer-syntax).

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
