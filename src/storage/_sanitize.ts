/**
 * Path safety for storage adapters: maps every path segment that may come from data (project,
 * run id, session id, artifact name, object key) to a name that is safe on every file system and
 * object store, and validates the arguments of the line API.
 *
 * ## The mapping
 * A segment is kept **verbatim** when all of these hold:
 * - 1 to 120 characters, each one of `A-Z a-z 0-9 . _ -`;
 * - it does not start with `.` (this excludes `.`, `..` and hidden names; temporary files of the
 *   fs adapters start with `.` so they can never clash with a stored name) and does not end with
 *   `.` (Windows strips trailing dots);
 * - it is not a Windows device name (`CON`, `PRN`, `AUX`, `NUL`, `COM0-9`, `LPT0-9`, in any case,
 *   with or without an extension).
 *
 * Every other segment is **rewritten** to `_` + a readable part + `~` + 32 hex digits + its
 * extension: the extension is a final `.` and 1 to 16 of `A-Z a-z 0-9` (`.jsonl`), kept so that
 * a rewritten file still matches `*.jsonl` (empty when the segment has none); the readable part
 * is the rest of the segment with each character outside `A-Z a-z 0-9 . _ -` replaced by `_`,
 * truncated so the whole name is at most 120 characters; the hex digits are
 * {@linkcode segmentDigest}, 128 bits of the SHA-256 of the whole original segment. A verbatim
 * name never contains `~`, so a rewritten name never equals a verbatim one, and two different
 * segments get different rewritten names: finding two that share one means finding a SHA-256
 * collision in 128 bits (about 2^64 tries). The digits are lower case, so two rewritten names
 * also differ on a case-insensitive file system. Examples: `..` → `_..~<hash>`, `../x` →
 * `_.._x~<hash>`, `C:\x` → `_C__x~<hash>`, `` (empty) → `_~<hash>`, `chat_a@b.jsonl` →
 * `_chat_a_b~<hash>.jsonl`, a 10 kB name without extension → `_` + its first 86 characters +
 * `~<hash>`.
 *
 * Slashes, backslashes, NUL and control characters never survive, so a mapped segment is always a
 * single path component strictly inside its parent. Caveat: verbatim names keep their case, so
 * on a case-insensitive file system (macOS, Windows defaults) `Run` and `run` name the same file.
 *
 * @module
 */

import { Sha256 } from "../hash/sha256.ts";
import type { StoragePath } from "./types.ts";

/** The longest mapped segment, in characters (all ASCII, so also bytes). */
export const MAX_SEGMENT_LENGTH = 120;

const VERBATIM = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const UNSAFE_CHAR = /[^A-Za-z0-9._-]/g;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;
const EXTENSION = /\.[A-Za-z0-9]{1,16}$/;
const SHA256_KEY = /^sha256:([0-9a-f]{64})$/;

/**
 * The hash of a rewritten name: the first 128 bits of the SHA-256 of the text's UTF-16 code
 * units (each as two bytes, big-endian: the UTF-16BE encoding, lone surrogates included), as 32
 * lower-case hex digits. Collision resistant, so two different ids never share a name.
 *
 * @param text Any string, including lone surrogates and NUL.
 * @returns 32 lower-case hex digits.
 * @example
 * ```ts
 * import { segmentDigest } from "./_sanitize.ts";
 * segmentDigest(""); // "e3b0c44298fc1c149afbf4c8996fb924" (SHA-256 of no bytes)
 * ```
 */
export function segmentDigest(text: string): string {
  const units = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    units[2 * i] = c >>> 8;
    units[2 * i + 1] = c & 0xff;
  }
  let hex = "";
  for (const byte of new Sha256().update(units).digest().subarray(0, 16)) {
    hex += byte.toString(16).padStart(2, "0");
  }
  return hex;
}

/**
 * Maps one path segment to a safe, single, non-empty path component (see the module docs).
 *
 * @param segment Any string.
 * @returns The segment itself when it is already safe, otherwise its rewritten form.
 * @example
 * ```ts
 * import { sanitizeSegment } from "./_sanitize.ts";
 * sanitizeSegment("spans.jsonl"); // "spans.jsonl"
 * sanitizeSegment("../etc"); // "_.._etc~" + 32 hex digits
 * sanitizeSegment("chat_a@b.jsonl"); // "_chat_a_b~" + 32 hex digits + ".jsonl"
 * ```
 */
export function sanitizeSegment(segment: string): string {
  if (
    segment.length <= MAX_SEGMENT_LENGTH && VERBATIM.test(segment) && !segment.endsWith(".") &&
    !WINDOWS_DEVICE.test(segment)
  ) {
    return segment;
  }
  const extension = EXTENSION.exec(segment)?.[0] ?? "";
  const stem = segment.slice(0, segment.length - extension.length);
  const suffix = "~" + segmentDigest(segment) + extension;
  const room = MAX_SEGMENT_LENGTH - 1 - suffix.length;
  return "_" + stem.slice(0, room).replace(UNSAFE_CHAR, "_") + suffix;
}

/**
 * Validates a log path (a non-empty array of strings) and maps each segment with
 * {@linkcode sanitizeSegment}.
 *
 * @param path The path segments.
 * @returns The mapped segments.
 * @throws {TypeError} When the path is empty or a segment is not a string.
 */
export function sanitizePath(path: StoragePath): string[] {
  return checkPath(path).map(sanitizeSegment);
}

/**
 * Validates a log path without mapping it: a non-empty array of strings.
 *
 * @param path The path segments.
 * @returns The same path.
 * @throws {TypeError} When the path is empty or a segment is not a string.
 */
export function checkPath(path: StoragePath): StoragePath {
  if (!Array.isArray(path) || path.length === 0) {
    throw new TypeError("Cannot use storage path: it must be a non-empty array of strings");
  }
  for (const segment of path) {
    if (typeof segment !== "string") {
      throw new TypeError("Cannot use storage path: every segment must be a string");
    }
  }
  return path;
}

/**
 * Validates lines for `appendLines`: strings without `"\n"`.
 *
 * @param lines The lines to append.
 * @returns The same lines.
 * @throws {TypeError} When a line is not a string or contains a newline.
 */
export function checkLines(lines: readonly string[]): readonly string[] {
  if (!Array.isArray(lines)) throw new TypeError("Cannot append lines: expected an array");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (typeof line !== "string") {
      throw new TypeError(`Cannot append lines: line ${i} is not a string`);
    }
    if (line.includes("\n")) {
      throw new TypeError(`Cannot append lines: line ${i} contains a newline`);
    }
  }
  return lines;
}

/**
 * Where a blob lives, as mapped path segments: `sha256:<64 lower-case hex>` artifact ids go to
 * `artifacts/sha256/<h[0:2]>/<h[2:4]>/<h>` (the dreadnode layout); every other key goes to
 * `objects/<sanitized key>`.
 *
 * @param key The blob key.
 * @returns Safe path segments relative to the storage root.
 * @throws {TypeError} When the key is not a string.
 */
export function blobSegments(key: string): string[] {
  if (typeof key !== "string") throw new TypeError("Cannot use blob key: it must be a string");
  const match = SHA256_KEY.exec(key);
  if (match !== null) {
    const h = match[1];
    return ["artifacts", "sha256", h.slice(0, 2), h.slice(2, 4), h];
  }
  return ["objects", sanitizeSegment(key)];
}
