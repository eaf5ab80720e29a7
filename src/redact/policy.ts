/**
 * The redaction policy: which keys hold secrets, what replaces their values, and how long a
 * string may be. One policy is applied before any exporter sees a span (see
 * {@linkcode RedactingExporter}); it is on by default.
 *
 * Key matching rule: keys are *normalized* by lower-casing them and removing every `-` and `_`,
 * so `apiKey`, `api_key`, `API-KEY` and `Api_Key` are all the same key (`apikey`). In `"exact"`
 * mode (the default) a key is sensitive when its normalized form equals a normalized listed key,
 * or, for a dotted key such as `http.request.header.authorization`, when its last segment does.
 * In `"substring"` mode it is sensitive when its normalized form *contains* a listed key
 * (`openai_api_key` contains `apikey`; beware that `max_tokens` then contains `token`). A custom
 * `matcher` (given the original key) can mark further keys sensitive.
 *
 * One exception, for span attributes only: in the attributes of `NAME_KEYED_ATTRIBUTES`
 * (`dreadnode.metrics`, `dreadnode.object_schemas`) some keys are names, not secret-bearing keys:
 * a sensitive name is kept when its value is a metric series or a JSON schema.
 *
 * This module holds the policy and its walk over structured values; inside a string (JSON in a
 * string, JSON cut short, free text such as an error's message) it redacts as
 * `_string_redaction.ts` does.
 *
 * @module
 */
import { setOwn } from "../own_property.ts";
import { safeString } from "../safe_string.ts";
import { CIRCULAR_MARKER, errorMarker } from "../serialize/limits.ts";
import { isErrorRecord } from "../serialize/_error_records.ts";
import type { JsonObject, JsonValue } from "../serialize/types.ts";
import type { Attributes, AttributeValue } from "../types.ts";
import type { NameKeys } from "./json_scan.ts";
import { innerNames, NAME_KEYED_ATTRIBUTES } from "./name_keys.ts";
import { readableScalars } from "./readable.ts";
import { type HeadersInput, redactHeaderValues } from "./headers.ts";
import { normalizeKey, SensitiveKeys } from "./sensitive_keys.ts";
import { truncateString } from "./truncate.ts";
import { maskUrlAttribute } from "./url_values.ts";
import { type RedactionOptions, resolveRedactionOptions } from "./options.ts";
import { type RedactionWalk, StringRedaction } from "./_string_redaction.ts";

/** The nesting depth redaction walks: a container nested this deep or deeper becomes the replacement. */
export const MAX_REDACTION_DEPTH = 64;
/** The most objects one `redactValue` walks; past it, values become the replacement. */
const MAX_OBJECTS = 1_000_000;

/**
 * Decides which keys are sensitive and redacts values, attributes and headers. Methods return
 * their input unchanged (the same reference) when there is nothing to redact.
 *
 * @example
 * ```ts
 * import { RedactionPolicy } from "@tracelet/tracelet";
 * const policy = new RedactionPolicy({ extraKeys: ["session_key"] });
 * policy.redactValue({ headers: { Authorization: "Bearer x" }, sessionKey: "k", q: "hi" });
 * // { headers: { Authorization: "***REDACTED***" }, sessionKey: "***REDACTED***", q: "hi" }
 * ```
 */
export class RedactionPolicy {
  /** Whether redaction is on. */
  readonly enabled: boolean;
  /** The replacement for sensitive values. */
  readonly replacement: string;
  /** The string length limit in code points. */
  readonly maxStringLength: number;
  /** The key matching mode. */
  readonly mode: "exact" | "substring";
  readonly #keys: SensitiveKeys;
  /** Redaction inside strings: JSON parsed and walked, cut JSON and free text masked. */
  readonly #strings: StringRedaction;
  /** The normalized names sensitive as URL parameters only. */
  readonly #urlParameters: ReadonlySet<string>;
  /** Whether a URL query or fragment parameter name is sensitive (for the URL masks). */
  readonly #isSensitive = (key: string): boolean =>
    this.isSensitiveKey(key) || this.#urlParameters.has(normalizeKey(key));

  /**
   * Creates a policy. Options of the wrong type (or that cannot be read) keep their defaults;
   * a lone string is accepted as a one-key list.
   *
   * @param options Keys, matcher, mode, replacement, length limit.
   */
  constructor(options: RedactionOptions = {}) {
    const resolved = resolveRedactionOptions(options);
    this.enabled = resolved.enabled;
    this.replacement = resolved.replacement;
    this.maxStringLength = resolved.maxStringLength;
    this.mode = resolved.mode;
    this.#keys = new SensitiveKeys(resolved.keys, resolved.mode, resolved.matcher);
    this.#urlParameters = new Set(resolved.urlParameterKeys.map(normalizeKey));
    this.#strings = new StringRedaction(
      this,
      this.#keys,
      MAX_REDACTION_DEPTH,
      (value, depth, truncate, walk, names) => this.#value(value, depth, truncate, walk, names),
    );
  }

  /** The normalized sensitive keys. */
  get keys(): readonly string[] {
    return this.#keys.keys;
  }

  /**
   * Tells whether a key's value must be redacted (see the module documentation for the rule).
   *
   * @param key An object key, attribute key or header name (anything else is matched by its
   *   string form).
   * @returns True when the key is sensitive.
   */
  isSensitiveKey(key: string): boolean {
    return this.#keys.isSensitive(key);
  }

  /**
   * Truncates a string longer than `maxStringLength` code points (see
   * {@linkcode truncateString}).
   *
   * @param text A string (anything else is truncated as its string form).
   * @returns The string, or its truncated form.
   */
  truncate(text: string): string {
    if (typeof text !== "string") text = safeString(text);
    return this.enabled ? truncateString(text, this.maxStringLength) : text;
  }

  /**
   * Redacts a JSON value recursively: values under sensitive keys become the replacement (so do
   * the values of `[key, value]` pairs, the shape of a serialized Map entry), long strings are
   * truncated, and strings holding JSON objects or arrays are redacted inside (JSON cut short,
   * for example by a length limit, has the value after each sensitive key masked). The `message`
   * and `stack` of an error record made by `serialize` (an error nested in the value) are error
   * text, masked as free text as {@linkcode RedactionPolicy.redactText} masks it; other strings
   * are not.
   *
   * @param value A JSON value (for example the output of `serialize`). Never throws: an object
   *   that cannot be read becomes `"<error: message>"`, a cycle `"<circular reference>"`, and
   *   past a million objects values become the replacement.
   * @param options `truncate: false` masks sensitive keys but leaves string lengths alone (for
   *   values kept in full, such as blobs). Default true.
   * @returns The redacted value; the same reference when nothing changed.
   */
  redactValue(value: JsonValue, options?: { truncate?: boolean | undefined }): JsonValue {
    if (!this.enabled) return value;
    return this.#value(value, 0, options?.truncate ?? true, undefined);
  }

  /**
   * `walk` holds the objects on the current path (one seen again is a cycle, written as a
   * marker) and counts the objects visited, so that shared references cannot make the walk
   * exponential. It is created at the first object. `names`: the name keys of this value's keys,
   * if any (see `NAME_KEYED_ATTRIBUTES`).
   */
  #value(
    value: JsonValue,
    depth: number,
    truncate: boolean,
    walk: RedactionWalk | undefined,
    names?: NameKeys,
  ): JsonValue {
    if (typeof value === "string") {
      const redacted = this.#strings.redact(value, depth, truncate, undefined, walk?.free);
      if (redacted === value) walk?.kept?.add(value);
      return redacted;
    }
    if (value === null || typeof value !== "object") return value;
    if (depth >= MAX_REDACTION_DEPTH) return this.replacement;
    walk ??= { path: [], objects: 0, keys: 0, sensitive: false };
    if (walk.path.includes(value)) return CIRCULAR_MARKER;
    if (++walk.objects > MAX_OBJECTS) return this.replacement;
    walk.path.push(value);
    let result: JsonValue;
    try {
      if (Array.isArray(value)) {
        // A `[key, value]` pair is one wherever it is (`["Authorization", "Bearer …"]` as a
        // value), not only as an item of an outer list (a Map's entries).
        const pair = this.#sensitivePair(value);
        if (pair !== undefined) walk.sensitive = true;
        result = pair ?? this.#array(value, depth, truncate, walk, names);
      } else result = this.#object(value, depth, truncate, walk, names);
    } catch (error) {
      result = errorMarker(error); // Not JSON: a throwing getter, a revoked proxy.
    }
    walk.path.pop();
    return result;
  }

  #array(
    value: JsonValue[],
    depth: number,
    truncate: boolean,
    walk: RedactionWalk,
    names: NameKeys | undefined,
  ): JsonValue {
    let out: JsonValue[] | undefined;
    const inner = innerNames(names);
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const pair = this.#sensitivePair(item);
      if (pair !== undefined) walk.sensitive = true;
      const redacted = pair ?? this.#value(item, depth + 1, truncate, walk, inner);
      if (redacted !== item) (out ??= value.slice())[i] = redacted;
    }
    return out ?? value;
  }

  /**
   * A `[key, value]` pair under a sensitive key (a Map entry) with its value masked; undefined
   * for anything else.
   */
  #sensitivePair(item: JsonValue): JsonValue[] | undefined {
    try {
      if (!Array.isArray(item) || item.length !== 2) return undefined;
      const [key, value] = item;
      if (typeof key !== "string" || !this.isSensitiveKey(key)) return undefined;
      return value === this.replacement ? item : [key, this.replacement];
    } catch {
      return undefined; // An array that cannot be read is walked (and marked) as a value.
    }
  }

  #object(
    value: JsonObject,
    depth: number,
    truncate: boolean,
    walk: RedactionWalk,
    names: NameKeys | undefined,
  ): JsonValue {
    let out: JsonObject | undefined;
    const inner = innerNames(names);
    for (const key of Object.keys(value)) {
      const item = value[key];
      const sensitive = this.isSensitiveKey(key);
      walk.keys++;
      if (sensitive) walk.sensitive = true;
      const redacted = sensitive && !(names?.holds(item) ?? false)
        ? this.replacement
        : typeof item === "string" && (key === "message" || key === "stack") &&
            isErrorRecord(value)
        ? this.#strings.redactErrorText(item, depth + 1, truncate)
        : this.#value(item, depth + 1, truncate, walk, inner);
      if (redacted !== item) setOwn(out ??= { ...value }, key, redacted);
    }
    return out ?? value;
  }

  /**
   * Redacts free text that may embed JSON, such as an error message, a span status message or a
   * stack trace (`Error: {"api_key":"…"}\n    at …`): a JSON-looking string is redacted as a string
   * attribute value is; in any other text the value after every sensitive `"key":` (or in a
   * `["key", value]` pair) is masked wherever it appears, and so is the value of every sensitive
   * query parameter of a URL quoted in it (`fetch failed: https://…?api_key=…`), and the user name
   * and password of each such URL are `REDACTED`, before long text is truncated.
   *
   * @param text The text (anything else is redacted in its string form).
   * @param options `truncate: false` masks but leaves the length alone. Default true.
   * @returns The redacted text; the same string when nothing changed.
   */
  redactText(text: string, options?: { truncate?: boolean | undefined }): string {
    if (!this.enabled) return text;
    const value = typeof text === "string" ? text : safeString(text);
    return this.#strings.redact(value, 0, options?.truncate ?? true, undefined, true);
  }

  /**
   * Redacts span (or event, link) attributes: values of sensitive keys are replaced, long
   * strings truncated, sensitive query parameters of URL attributes (`url.full`, `url.query`, …)
   * and of any value that is a URL masked, and their user names and passwords `REDACTED`, and
   * JSON-string values (such as `{"headers":{"Authorization":"…"}}`),
   * also as items of string arrays, redacted inside and re-encoded. JSON cut short (by a span's
   * `attributeValueLengthLimit`) cannot be parsed: the value after each sensitive key is masked.
   * In `dreadnode.metrics` and `dreadnode.object_schemas` a metric or property *named* like a
   * sensitive key keeps its value when that is a metric series or a JSON schema in tracelet's
   * vocabulary; anything else under such a name is replaced (see `NAME_KEYED_ATTRIBUTES`).
   *
   * @param attributes The attributes (of attributes that cannot be read, the readable string,
   *   number and boolean values are kept; anything that is not an object is no attributes).
   * @returns Redacted attributes; the same object when nothing changed.
   */
  redactAttributes(attributes: Readonly<Attributes>): Attributes {
    if (!this.enabled) return attributes as Attributes;
    if (typeof attributes !== "object" || attributes === null) return {};
    try {
      return this.#attributes(attributes);
    } catch {
      // Unreadable attributes (a throwing getter, a revoked proxy): the readable scalars.
      return this.#attributes(readableScalars(attributes));
    }
  }

  #attributes(attributes: Readonly<Attributes>): Attributes {
    let out: Attributes | undefined;
    for (const key in attributes) {
      const value = attributes[key];
      let redacted: AttributeValue = value;
      if (this.isSensitiveKey(key)) {
        redacted = this.replacement;
      } else if (typeof value === "string") {
        const text = maskUrlAttribute(key, value, this.#isSensitive, this.replacement);
        redacted = this.#strings.redact(text, 0, true, NAME_KEYED_ATTRIBUTES.get(key));
      } else if (Array.isArray(value) && value.some((item) => typeof item === "string")) {
        // A `[key, value]` pair (`["Authorization", "Bearer …"]`): its value is masked. Else any
        // string item, not only a first one: `null` items are kept (OpenTelemetry asks it), and a
        // record from elsewhere may mix types; other items become strings.
        const pair = this.#sensitivePair(value as JsonValue[]);
        let copy = pair as (string | null)[] | undefined;
        const items = value as readonly unknown[];
        for (let i = 0; pair === undefined && i < items.length; i++) {
          const item = items[i];
          const cut = typeof item === "string"
            ? this.#strings.redact(
              maskUrlAttribute(key, item, this.#isSensitive, this.replacement),
              0,
              true,
            )
            : item == null
            ? null
            : truncateString(item as string, this.maxStringLength);
          if (cut !== item) (copy ??= items.slice() as (string | null)[])[i] = cut;
        }
        if (copy !== undefined) redacted = copy;
      }
      if (redacted !== value) (out ??= { ...attributes })[key] = redacted;
    }
    return out ?? (attributes as Attributes);
  }

  /**
   * Redacts HTTP headers (a `Headers` object, `[name, value]` pairs or a plain record).
   *
   * @param headers The headers (names and values that are not strings are taken as their
   *   string form; what cannot be read is left out).
   * @returns A new plain record with sensitive values replaced (names kept as given).
   */
  redactHeaders(headers: HeadersInput): Record<string, string | string[]> {
    return redactHeaderValues(this, headers);
  }
}

/**
 * Creates a redaction policy (same as `new RedactionPolicy(options)`).
 *
 * @param options Keys, matcher, mode, replacement, length limit.
 * @returns The policy.
 */
export function createRedactionPolicy(options?: RedactionOptions): RedactionPolicy {
  return new RedactionPolicy(options);
}
