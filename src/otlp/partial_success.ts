/**
 * Reads the `partial_success` of an OTLP `ExportTraceServiceResponse`, in protobuf or JSON form,
 * so rejected spans are reported instead of being counted as delivered. Parsing never throws: a
 * body that cannot be read counts as full success, as the OTLP specification asks.
 *
 * @module
 */

/** What a receiver rejected from an otherwise successful request. */
export interface PartialSuccess {
  /** Number of spans the receiver rejected (0 with only a warning message). */
  readonly rejectedSpans: number;
  /** The receiver's explanation (may be empty). */
  readonly errorMessage: string;
}

const utf8 = new TextDecoder();

class Reader {
  readonly buf: Uint8Array;
  pos = 0;
  constructor(buf: Uint8Array) {
    this.buf = buf;
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new RangeError("truncated varint");
      const byte = this.buf[this.pos++];
      result += (byte & 127) * scale;
      if (byte < 128) return result;
      scale *= 128;
    }
    throw new RangeError("varint too long");
  }

  bytes(): Uint8Array {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.buf.length) throw new RangeError("truncated field");
    const out = this.buf.subarray(this.pos, end);
    this.pos = end;
    return out;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw new RangeError(`unsupported wire type ${wireType}`);
  }
}

function fromProtobuf(body: Uint8Array): PartialSuccess | undefined {
  const outer = new Reader(body);
  let found: PartialSuccess | undefined;
  while (outer.pos < body.length) {
    const tag = outer.varint();
    if (tag !== 0x0a) {
      outer.skip(tag & 7);
      continue;
    }
    const inner = new Reader(outer.bytes());
    let rejectedSpans = 0;
    let errorMessage = "";
    while (inner.pos < inner.buf.length) {
      const t = inner.varint();
      if (t === 0x08) rejectedSpans = inner.varint();
      else if (t === 0x12) errorMessage = utf8.decode(inner.bytes());
      else inner.skip(t & 7);
    }
    found = { rejectedSpans, errorMessage };
  }
  return found;
}

function fromJson(body: Uint8Array): PartialSuccess | undefined {
  const text = utf8.decode(body).trim();
  if (text === "") return undefined;
  const doc = JSON.parse(text) as { partialSuccess?: unknown; partial_success?: unknown } | null;
  const partial = (doc?.partialSuccess ?? doc?.partial_success) as
    | {
      rejectedSpans?: unknown;
      rejected_spans?: unknown;
      errorMessage?: unknown;
      error_message?: unknown;
    }
    | null
    | undefined;
  if (partial === null || typeof partial !== "object") return undefined;
  const rejected = Number(partial.rejectedSpans ?? partial.rejected_spans ?? 0);
  const message = partial.errorMessage ?? partial.error_message;
  return {
    rejectedSpans: Number.isFinite(rejected) && rejected > 0 ? Math.floor(rejected) : 0,
    errorMessage: typeof message === "string" ? message : "",
  };
}

/**
 * Parses the partial success of a 2xx OTLP response body.
 *
 * @param body The response body.
 * @param contentType The response's `Content-Type` (null when absent).
 * @param requestWasJson Whether the request was OTLP/JSON (used when the content type is absent).
 * @returns The partial success, or `undefined` when the body reports none or cannot be read.
 * @example
 * ```ts
 * import { parsePartialSuccess } from "./partial_success.ts";
 * const body = new TextEncoder().encode('{"partialSuccess":{"rejectedSpans":"2"}}');
 * parsePartialSuccess(body, "application/json", true); // { rejectedSpans: 2, errorMessage: "" }
 * ```
 */
export function parsePartialSuccess(
  body: Uint8Array,
  contentType: string | null,
  requestWasJson: boolean,
): PartialSuccess | undefined {
  if (body.length === 0) return undefined;
  try {
    const type = (contentType ?? "").toLowerCase();
    const json = type.includes("json") || (!type.includes("protobuf") && requestWasJson);
    const result = json ? fromJson(body) : fromProtobuf(body);
    if (result === undefined || (result.rejectedSpans === 0 && result.errorMessage === "")) {
      return undefined;
    }
    return result;
  } catch {
    return undefined;
  }
}
