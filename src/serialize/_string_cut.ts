/**
 * How the serializer cuts a string or a byte array that does not fit: {@linkcode PLAIN_CUT} for
 * `serialize` (a prefix within `maxStringLength` and the `maxBytes` room, then
 * `...[truncated:<length>]`), {@linkcode CodePointCut} for `serializeTruncatingStrings` (strings
 * longer than a code-point limit cut first as redaction cuts them, so redaction passes the
 * result unchanged). The walker keeps the budget; a cut only says what is kept.
 *
 * @internal
 * @module
 */
import { cutText } from "../cut_text.ts";
import { numberAtLeast } from "../number_option.ts";
import {
  codePointLength,
  truncatedParts,
  truncateString,
  TRUNCATION_RESERVE,
} from "../redact/truncate.ts";
import { bytesToBase64 } from "./_base64.ts";
import { jsonStringBytes } from "./_json_length.ts";

/** How one walk cuts strings and byte arrays. */
export interface StringCut {
  /**
   * The string the walk writes for `value` before its own limits: `value` itself, or a cut of
   * it when it is longer than a code-point limit.
   *
   * @param value A string being serialized.
   * @returns `value`, or its cut form.
   */
  limit(value: string): string;
  /**
   * `text` (what {@linkcode StringCut.limit} gave for `value`) cut to `maxLength` code units and
   * to the `room` left in the budget, ending with `...[truncated:<original length>]`.
   *
   * @param value The string as given.
   * @param text What `limit` gave for it.
   * @param maxLength The `maxStringLength` option.
   * @param room The budget's bytes left for the string's literal body.
   * @param python Whether the budget counts Python's ASCII-only form.
   * @returns The cut text, or `undefined` when `text` is kept whole.
   */
  cut(
    value: string,
    text: string,
    maxLength: number,
    room: number,
    python: boolean,
  ): string | undefined;
  /**
   * What is written for a byte array when its base64 text does not fit.
   *
   * @param bytes The bytes.
   * @param encodedLength The length of their whole base64 text.
   * @param room The budget's bytes left for the string's literal body.
   * @returns The cut text, or `undefined` when the whole base64 text is written.
   */
  bytes(bytes: Uint8Array, encodedLength: number, room: number): string | undefined;
}

/** The code units of `source` that fit `maxLength` and `room`. */
function fitting(source: string, maxLength: number, room: number, python: boolean): number {
  return Math.min(maxLength, jsonStringBytes(source, python, Math.max(0, room)));
}

/**
 * The cut of `serialize`: strings are cut to `maxStringLength` and the room left, stating their
 * length in code units; byte arrays keep the leading bytes that fit in half the room left, as
 * strings keep a prefix (buffers that differ there differ), and only what is kept is charged:
 * the fields after it keep the other half (charging the whole array left none, so objects
 * differing only there shared a hash).
 *
 * @example
 * ```ts
 * PLAIN_CUT.cut("abcdef", "abcdef", 2, 100, false); // "ab...[truncated:6]"
 * ```
 */
export const PLAIN_CUT: StringCut = {
  limit: (value) => value,
  cut(value, text, maxLength, room, python) {
    const fit = fitting(text, maxLength, room, python);
    return text.length <= fit ? undefined : `${cutText(text, fit)}...[truncated:${value.length}]`;
  },
  bytes(bytes, encodedLength, room) {
    if (encodedLength <= room) return undefined;
    const kept = bytes.subarray(0, Math.max(0, Math.floor(room / 8)) * 3);
    return `${bytesToBase64(kept)}...[truncated:${bytes.length} bytes]`;
  },
};

/**
 * The cut of `serializeTruncatingStrings`: a string longer than `maxCodePoints` code points is
 * cut as `truncateString` cuts it, and a cut string cut again keeps the length (in code points)
 * its marker states, so redaction passes the result unchanged. A byte array whose base64 is
 * longer than the limit keeps what truncating its whole base64 text would keep (without
 * encoding what is cut away).
 *
 * @example
 * ```ts
 * const cut = new CodePointCut(20);
 * cut.limit("x".repeat(30)); // "xxxx...[truncated:30]"
 * ```
 */
export class CodePointCut implements StringCut {
  readonly #max: number;

  /**
   * A cut for one code-point limit.
   *
   * @param maxCodePoints The redaction policy's string limit (a number >= 0).
   */
  constructor(maxCodePoints: number) {
    this.#max = maxCodePoints;
  }

  /**
   * `value`, or `truncateString(value, maxCodePoints)` when it is longer than the limit.
   *
   * @param value A string being serialized.
   * @returns `value`, or its cut form.
   */
  limit(value: string): string {
    return value.length > this.#max ? truncateString(value, this.#max) : value;
  }

  /**
   * `text` cut to `maxLength` and the room, stating the length in code points; a string that
   * already ends with a truncation marker keeps the length it states (and counts as cut even
   * when its prefix fits), so redaction passes the result unchanged.
   *
   * @param value The string as given.
   * @param text What {@linkcode CodePointCut.limit} gave for it.
   * @param maxLength The `maxStringLength` option.
   * @param room The budget's bytes left for the string's literal body.
   * @param python Whether the budget counts Python's ASCII-only form.
   * @returns The cut text, or `undefined` when `text` is kept whole.
   */
  cut(
    value: string,
    text: string,
    maxLength: number,
    room: number,
    python: boolean,
  ): string | undefined {
    const parts = truncatedParts(text);
    const source = parts?.prefix ?? text;
    const fit = fitting(source, maxLength, room, python);
    if (parts === undefined && source.length <= fit) return undefined;
    return `${cutText(source, fit)}...[truncated:${parts?.length ?? codePointLength(value)}]`;
  }

  /**
   * What truncating the whole base64 text would keep (its first `limit - 16` characters, then
   * `...[truncated:<its length>]`), encoding only those bytes; when that does not fit the room
   * left, half the room.
   *
   * @param bytes The bytes.
   * @param encodedLength The length of their whole base64 text.
   * @param room The budget's bytes left for the string's literal body.
   * @returns The cut text, or `undefined` when the whole base64 text fits the limit and room.
   */
  bytes(bytes: Uint8Array, encodedLength: number, room: number): string | undefined {
    if (encodedLength <= room && encodedLength <= this.#max) return undefined;
    if (encodedLength === 0) return "";
    const marker = `...[truncated:${encodedLength}]`;
    const limited = Math.ceil(Math.max(0, this.#max - TRUNCATION_RESERVE));
    const chars = limited + marker.length <= room
      ? limited
      : Math.min(limited, Math.max(0, Math.floor(room / 8)) * 4);
    const kept = bytes.subarray(0, Math.ceil(chars / 4) * 3);
    return `${bytesToBase64(kept).slice(0, chars)}${marker}`;
  }
}

/**
 * The cut for a code-point limit: {@linkcode PLAIN_CUT} without one.
 *
 * @param maxCodePoints The limit (anything but a number >= 0, or `Infinity`, means none).
 * @returns The cut to walk with.
 * @example
 * ```ts
 * stringCut(undefined) === PLAIN_CUT; // true
 * stringCut(2048); // a CodePointCut
 * ```
 */
export function stringCut(maxCodePoints: unknown): StringCut {
  const max = numberAtLeast(maxCodePoints, 0, Infinity);
  return max < Infinity ? new CodePointCut(max) : PLAIN_CUT;
}
