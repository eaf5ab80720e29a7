/**
 * Reads the `partial_success` of an OTLP `ExportTraceServiceResponse`, so rejected spans are
 * reported instead of being counted as delivered. One reader per encoding, each carried by its
 * encoder (`OtlpEncoder.parseResponse`), so a program bundles only the one it sends with: the
 * response comes in the request's encoding, as the OTLP specification requires. Only the two
 * fields that matter are read (`rejected_spans`, `error_message`). Parsing never throws: a body
 * that cannot be read counts as full success, as the OTLP specification asks. The message of a
 * protobuf error answer (`google.rpc.Status`) is read here too, for diagnostics.
 *
 * @module
 */
import { utf8Decoder } from "../utf8.ts";

/** What a receiver rejected from an otherwise successful request. */
export interface PartialSuccess {
  /** Number of spans the receiver rejected (0 with only a warning message). */
  readonly rejectedSpans: number;
  /** The receiver's explanation (may be empty). */
  readonly errorMessage: string;
}

/**
 * The partial success from the two raw fields, or `undefined` when it reports nothing. A count
 * that is not positive is none; so is one of 2^63 or more, which is a negative int64 read as
 * unsigned (protobuf writes -1 as 2^64 - 1), as JSON's `-1` is.
 */
function partialSuccess(rejected: unknown, message: unknown): PartialSuccess | undefined {
  const count = Math.floor(rejected as number); // a string or a number (`Math.floor` converts)
  const rejectedSpans = count > 0 && count < 2 ** 63 ? count : 0;
  const errorMessage = typeof message === "string" ? message : "";
  return rejectedSpans || errorMessage ? { rejectedSpans, errorMessage } : undefined;
}

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
    for (let scale = 1; pos < b.length; scale *= 128) {
      const byte = b[pos++];
      value += (byte & 127) * scale;
      if (byte < 128) return value;
    }
    throw 0; // the message ends inside the varint
  };
  while (pos < b.length) {
    const tag = varint();
    const type = tag & 7;
    let value: number | Uint8Array = 0;
    if (type === 0) value = varint();
    else if (type === 2) {
      const length = varint();
      value = b.subarray(pos, pos += length);
    } else if (type === 1 || type === 5) pos += 9 - type; // fixed64 or fixed32: skipped
    else throw 0;
    if (pos > b.length) throw 0;
    fields[tag >> 3] = value;
  }
  return fields;
}

/**
 * Parses the partial success of a 2xx OTLP/protobuf response body.
 *
 * @param body The response body.
 * @returns The partial success, or `undefined` when the body reports none or cannot be read.
 * @example
 * ```ts
 * import { parseProtobufPartialSuccess } from "./partial_success.ts";
 * // partial_success { rejected_spans: 3, error_message: "bad" }
 * const body = new Uint8Array([0x0a, 0x07, 0x08, 0x03, 0x12, 0x03, 0x62, 0x61, 0x64]);
 * parseProtobufPartialSuccess(body); // { rejectedSpans: 3, errorMessage: "bad" }
 * ```
 */
export function parseProtobufPartialSuccess(body: Uint8Array): PartialSuccess | undefined {
  try {
    const partial = protoFields(body)[1] as Uint8Array;
    return partialSuccess(protoFields(partial)[1], parseProtobufStatusMessage(partial));
  } catch {
    return undefined;
  }
}

/**
 * Reads the message of a `google.rpc.Status` (field 2), the body OTLP/HTTP receivers answer a
 * failed protobuf request with (a partial success keeps its message in field 2 too).
 *
 * @param body The response body.
 * @returns The message, or `""` when the body is not a protobuf message with one.
 * @example
 * ```ts
 * import { parseProtobufStatusMessage } from "./partial_success.ts";
 * // Status { code: 3, message: "bad" }
 * parseProtobufStatusMessage(new Uint8Array([0x08, 0x03, 0x12, 0x03, 0x62, 0x61, 0x64])); // "bad"
 * ```
 */
export function parseProtobufStatusMessage(body: Uint8Array): string {
  try {
    return utf8Decoder.decode(protoFields(body)[2] as Uint8Array);
  } catch {
    return "";
  }
}

/**
 * Parses the partial success of a 2xx OTLP/JSON response body (camelCase or snake_case keys,
 * counts as numbers or strings).
 *
 * @param body The response body.
 * @returns The partial success, or `undefined` when the body reports none or cannot be read.
 * @example
 * ```ts
 * import { parseJsonPartialSuccess } from "./partial_success.ts";
 * const body = new TextEncoder().encode('{"partialSuccess":{"rejectedSpans":"2"}}');
 * parseJsonPartialSuccess(body); // { rejectedSpans: 2, errorMessage: "" }
 * ```
 */
export function parseJsonPartialSuccess(body: Uint8Array): PartialSuccess | undefined {
  try {
    // deno-lint-ignore no-explicit-any
    const doc: any = JSON.parse(utf8Decoder.decode(body));
    const partial = doc.partialSuccess ?? doc.partial_success;
    return partialSuccess(
      partial.rejectedSpans ?? partial.rejected_spans,
      partial.errorMessage ?? partial.error_message,
    );
  } catch {
    return undefined;
  }
}
