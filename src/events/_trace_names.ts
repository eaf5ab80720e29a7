/**
 * The names of the events layer's trace files: `run_<UTC stamp>_<id>.jsonl`, the id sanitized, and
 * hashed when sanitizing changed it (so ids that sanitize alike get files of their own). What
 * writes a trace file (`EventTracer.buildTracePath`) and what finds the newest one of an id
 * (`EventTracer.latestTracePath`) name it here alike.
 *
 * @module
 */
import { newUuid } from "../ids.ts";
import { safeString } from "../safe_string.ts";
import { sanitizeSegment, segmentDigest } from "../storage/_sanitize.ts";

/**
 * Keeps Unicode letters and digits, `-` and `_`; every other character becomes `_`; an empty
 * result becomes a random 32-hex id. An id that is not a string is sanitized in its string form.
 * A trace file name holds the sanitized id, plus a hash of the id when this changed it (see
 * `EventTracer.buildTracePath`), so ids that sanitize alike still get their own files.
 *
 * @param id A run or request id.
 * @returns The sanitized id.
 */
export function sanitizeRunId(id: string): string {
  const cleaned = safeString(id).replace(/[^\p{L}\p{N}_-]/gu, "_");
  return cleaned === "" ? newUuid().replace(/-/g, "") : cleaned;
}

/**
 * The UTC file stamp `YYYYMMDDTHHMMSSZ`.
 *
 * @param date The time (default now).
 * @returns The stamp.
 */
export function utcStamp(date: Date = new Date()): string {
  return date.toISOString().slice(0, 19).replace(/[-:]/g, "") + "Z";
}

/** The length of `run_<stamp>_`, before a trace file name's id part. */
const STAMPED_PREFIX = "run_YYYYMMDDTHHMMSSZ_".length;

/** The longest id part of a trace file name that holds a hash (`run_<stamp>_<id>_<hash>.jsonl`). */
const HASHED_ID_LENGTH = 120 -
  "run_YYYYMMDDTHHMMSSZ__0123456789abcdef0123456789abcdef.jsonl".length;

/**
 * The trace file name of a run id: `run_<stamp>_<id>.jsonl` when the id is written as it is
 * (sanitizing changes nothing and a storage keeps the name), else
 * `run_<stamp>_<ASCII id>_<32-hex digest of the id>.jsonl` (the sanitized id with characters
 * outside `A-Z a-z 0-9 _ -` as `_`, cut to fit 120 characters): ids that sanitize alike (`a b`,
 * `a/b`, `a_b`) get distinct names, since the digest is of the id as given. An empty id keeps
 * the random id {@linkcode sanitizeRunId} gives it, with no digest.
 *
 * @param stamp The UTC stamp ({@linkcode utcStamp}).
 * @param runId The run (request) id, as given.
 * @returns The file name.
 */
export function traceFileName(stamp: string, runId: string): string {
  const given = safeString(runId);
  const id = sanitizeRunId(given);
  const name = `run_${stamp}_${id}.jsonl`;
  if ((id === given || given === "") && sanitizeSegment(name) === name) return name;
  const ascii = id.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, HASHED_ID_LENGTH);
  return `run_${stamp}_${ascii}_${segmentDigest(given)}.jsonl`;
}

/**
 * The id part of a run id's trace file names (what follows `run_<stamp>_`), to find its files.
 *
 * @param runId The run (request) id, as given.
 * @returns The id part, with the `.jsonl` extension.
 */
export function traceFileIdPart(runId: string): string {
  return traceFileName(utcStamp(), runId).slice(STAMPED_PREFIX);
}
