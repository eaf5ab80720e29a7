/**
 * What the OpenAI traces backend accepts of a span record (applied by `BackendSpanExporter`
 * when it posts to the official endpoint): `span_data.input` and `span_data.output` at most
 * 100,000 UTF-8 bytes of compact JSON each, `usage` only on generation spans and only as finite
 * `input_tokens` / `output_tokens` with everything else that has a value under `details`.
 *
 * @module
 */
import { cutText } from "../cut_text.ts";
import { isObject } from "../option_rules.ts";
import { setOwn } from "../own_property.ts";
import { safeString } from "../safe_string.ts";
import { utf8Encoder } from "../utf8.ts";

/** Appended to a string that was cut. */
const SUFFIX = "... [truncated]";
/** Deeper values are replaced whole (also ends cycles in foreign records). */
const MAX_DEPTH = 64;

type Json = Record<string, unknown>;

/** UTF-8 bytes of the compact JSON of `value`; -1 when it has none (throws, or undefined). */
function jsonBytes(value: unknown): number {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? -1 : utf8Encoder.encode(text).length;
  } catch {
    return -1;
  }
}

/** Stands in for a value that cannot be serialized. */
function placeholder(value: unknown): Json {
  const type = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  return { truncated: true, original_type: type, preview: safeString(value).slice(0, 100) };
}

/** The longest prefix of `text` (plus the suffix) whose JSON fits `budget` bytes. */
function cutString(text: string, budget: number): string {
  // Every character takes at least one byte, so no fitting prefix is longer than the budget.
  let low = 0;
  let high = Math.min(text.length, budget);
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (jsonBytes(text.slice(0, mid) + SUFFIX) <= budget) low = mid;
    else high = mid - 1;
  }
  return cutText(text, low) + SUFFIX; // never half a surrogate pair
}

/** An array or object shrunk largest-child-first until its JSON fits `budget` bytes. */
function fitContainer(value: object, budget: number, depth: number): unknown {
  const array = Array.isArray(value);
  const entries = (array ? [...value.entries()] : Object.entries(value)).map(([key, child]) => {
    let size = jsonBytes(child);
    if (size < 0 && (child === undefined || typeof child === "function")) {
      if (!array) return undefined; // JSON leaves these keys out anyway
      child = null; // and writes null for these items
      size = 4;
    }
    if (size < 0) {
      child = fit(child, budget, depth + 1);
      size = Math.max(0, jsonBytes(child));
    }
    const overhead = array ? 0 : jsonBytes(String(key)) + 1;
    return { key: String(key), child, size, overhead, kept: true };
  }).filter((entry) => entry !== undefined);
  let total = 1 + entries.reduce((sum, e) => sum + e.overhead + e.size + 1, 0);
  for (const entry of [...entries].sort((a, b) => b.size - a.size)) {
    const excess = total - budget;
    if (excess <= 0) break;
    const target = entry.size - excess;
    const child = target >= SUFFIX.length + 2 ? fit(entry.child, target, depth + 1) : undefined;
    const size = child === undefined ? -1 : jsonBytes(child);
    if (size < 0 || size >= entry.size) {
      entry.kept = false; // cannot shrink enough: left out
      total -= entry.overhead + entry.size + 1;
    } else {
      total += size - entry.size;
      entry.child = child;
      entry.size = size;
    }
  }
  const kept = entries.filter((e) => e.kept);
  if (array) return kept.map((e) => e.child);
  const out: Json = {};
  for (const e of kept) setOwn(out, e.key, e.child);
  return out;
}

/** `value` shrunk so that its compact JSON takes at most `budget` UTF-8 bytes (best effort). */
function fit(value: unknown, budget: number, depth = 0): unknown {
  const size = jsonBytes(value);
  if (size >= 0 && size <= budget) return value;
  if (typeof value === "string") return cutString(value, budget);
  if (typeof value === "object" && value !== null && depth < MAX_DEPTH) {
    return fitContainer(value, budget, depth);
  }
  return size < 0 ? placeholder(value) : value;
}

/**
 * A generation's usage as the backend takes it, or undefined when its tokens are unusable. The
 * other keys move under `details`, except those whose value is null or undefined (as in Python).
 */
function backendUsage(usage: unknown): Json | undefined {
  if (!isObject(usage)) return undefined;
  const { input_tokens, output_tokens, details, ...rest } = usage;
  if (!Number.isFinite(input_tokens) || !Number.isFinite(output_tokens)) return undefined;
  const moved: Json = isObject(details) ? { ...details } : {};
  for (const [key, value] of Object.entries(rest)) {
    if (value !== null && value !== undefined) setOwn<unknown>(moved, key, value);
  }
  return Object.keys(moved).length === 0
    ? { input_tokens, output_tokens }
    : { input_tokens, output_tokens, details: moved };
}

/**
 * A copy of an exported record in the shape the OpenAI traces backend accepts. Records other
 * than spans, and spans without span data, are returned as they are; the record is never
 * modified.
 *
 * @param record A trace or span record (`export()` of a trace or span).
 * @param maxFieldBytes The most UTF-8 bytes of compact JSON of `input` and of `output`.
 * @returns The record to post.
 * @internal
 */
export function sanitizeForBackend(record: unknown, maxFieldBytes: number): unknown {
  if (!isObject(record) || record.object !== "trace.span" || !isObject(record.span_data)) {
    return record;
  }
  const data: Json = { ...record.span_data };
  for (const name of ["input", "output"]) {
    if (data[name] !== undefined) data[name] = fit(data[name], maxFieldBytes);
  }
  if (data.usage !== undefined) {
    const usage = data.type === "generation" ? backendUsage(data.usage) : undefined;
    if (usage === undefined) delete data.usage;
    else data.usage = usage;
  }
  return { ...record, span_data: data };
}
