/**
 * Reads the `partial_success` of an OTLP `ExportTraceServiceResponse`, in protobuf or JSON form,
 * so rejected spans are reported instead of being counted as delivered. Only the two fields that
 * matter are read (`rejected_spans`, `error_message`); everything else is skipped. Parsing never
 * throws: a body that cannot be read counts as full success, as the OTLP specification asks.
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

/**
 * The fields of one protobuf message by field number, the last occurrence winning: varints as
 * numbers, length-delimited fields as byte views, fixed-width fields as 0. Throws on a truncated
 * or malformed message.
 */
function protoFields(b: Uint8Array): (number | Uint8Array)[] {
  const fields: (number | Uint8Array)[] = [];
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    for (let scale = 1;; scale *= 128) {
      const byte = b[pos++];
      value += (byte & 127) * scale;
      if (byte < 128) return value; // `undefined < 128` is false: past the end never returns
      if (pos >= b.length) throw 0;
    }
  };
  while (pos < b.length) {
    const tag = varint();
    const type = tag & 7;
    let value: number | Uint8Array = 0;
    if (type === 0) value = varint();
    else if (type === 2) {
      const length = varint();
      value = b.subarray(pos, pos += length);
    } else if (type === 1 || type === 5) pos += type === 1 ? 8 : 4;
    else throw 0;
    if (pos > b.length) throw 0;
    fields[tag >> 3] = value;
  }
  return fields;
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
  try {
    const type = contentType?.toLowerCase() ?? "";
    let rejected: unknown;
    let message: unknown;
    if (type.includes("json") || (!type.includes("protobuf") && requestWasJson)) {
      // deno-lint-ignore no-explicit-any
      const doc: any = JSON.parse(utf8.decode(body));
      const partial = doc.partialSuccess ?? doc.partial_success;
      rejected = partial.rejectedSpans ?? partial.rejected_spans;
      message = partial.errorMessage ?? partial.error_message;
    } else {
      const fields = protoFields(protoFields(body)[1] as Uint8Array);
      rejected = fields[1];
      message = fields[2] && utf8.decode(fields[2] as Uint8Array);
    }
    const count = Math.floor(Number(rejected ?? 0));
    const rejectedSpans = count > 0 && count < Infinity ? count : 0;
    const errorMessage = typeof message === "string" ? message : "";
    return rejectedSpans || errorMessage ? { rejectedSpans, errorMessage } : undefined;
  } catch {
    return undefined;
  }
}
