/**
 * Types shared by tracelet's serializer, hashing and redaction: JSON values, JSON schemas and
 * serializer options.
 *
 * @module
 */

/** A JSON object: string keys mapped to JSON values. */
export interface JsonObject {
  /** Any key maps to a JSON value. */
  [key: string]: JsonValue;
}

/** A JSON array. */
export type JsonArray = JsonValue[];

/**
 * Any JSON-safe value: what {@linkcode serialize} produces. Numbers are finite (non-finite
 * numbers become the strings `"NaN"`, `"Infinity"` and `"-Infinity"`), except with the
 * `pythonCompatible` option.
 */
export type JsonValue = string | number | boolean | null | JsonArray | JsonObject;

/**
 * A JSON schema describing a serialized value. Primitives have the empty schema `{}` (as in
 * dreadnode, so that every primitive shares schema hash `"0000000000000000"`).
 */
export type JsonSchema = JsonObject;

/** Options of {@linkcode serialize}. */
export interface SerializeOptions {
  /**
   * Maximum nesting depth of arrays and objects. A container deeper than this becomes the string
   * `"<max depth exceeded>"`. Default 32 (also for a value that is not a finite number >= 0).
   */
  maxDepth?: number | undefined;
  /**
   * Approximate budget for the output size (string lengths in UTF-16 code units plus JSON
   * punctuation). Once it is spent, remaining items are replaced by `"<truncated>"` markers and
   * the result is flagged `truncated`. Default 1 MiB (also for a value that is not a finite number
   * >= 0: the budget cannot be lifted).
   */
  maxBytes?: number | undefined;
  /**
   * Maximum length of a single string (UTF-16 code units); longer strings are cut and end with
   * `...[truncated:<original length>]`. Default unlimited (length limits are redaction's job).
   */
  maxStringLength?: number | undefined;
  /** Include `Error.stack` when serializing errors. Default true. */
  includeStack?: boolean | undefined;
  /** Build the JSON schema. Default true; `false` returns `{}` schemas and is faster. */
  schema?: boolean | undefined;
  /**
   * Serialize as dreadnode's Python serializer does where the two differ, so that object hashes
   * match (object hashing turns it on): `NaN` and `±Infinity` stay numbers with the empty schema
   * (Python writes them `nan` / `inf` alone and `NaN` / `Infinity` inside JSON), and a `Date`
   * becomes Python's `isoformat()` of a UTC datetime (`2026-01-02T03:04:05.123000+00:00`).
   * Default false.
   */
  pythonCompatible?: boolean | undefined;
}

/** The result of {@linkcode serialize}: a JSON-safe value and the schema describing it. */
export interface Serialized {
  /** The JSON-safe value. */
  value: JsonValue;
  /** The JSON schema of `value` (`{}` for primitives). */
  schema: JsonSchema;
  /** True when a depth or size limit cut something out of `value`. */
  truncated: boolean;
}
