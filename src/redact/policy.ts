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
 * @module
 */
import type { JsonObject, JsonValue } from "../serialize/types.ts";
import type { Attributes, AttributeValue } from "../types.ts";
import { truncateString } from "./truncate.ts";
import { setOwn } from "../own_property.ts";

/** The default sensitive keys: design-research-agents' list plus common variants. */
export const DEFAULT_REDACTED_KEYS: readonly string[] = Object.freeze([
  "api_key",
  "token",
  "authorization",
  "password",
  "secret",
  "access_token",
  "refresh_token",
  "apiKey",
  "api-key",
  "x-api-key",
  "cookie",
  "set-cookie",
  "client_secret",
  "private_key",
]);

/** The default replacement value: `***REDACTED***` (the key itself is kept). */
export const DEFAULT_REPLACEMENT = "***REDACTED***";

/** The default maximum string length, in code points. */
export const DEFAULT_MAX_STRING_LENGTH = 2048;

/** Options of a {@linkcode RedactionPolicy}. */
export interface RedactionOptions {
  /** Sensitive keys, replacing {@linkcode DEFAULT_REDACTED_KEYS}. */
  keys?: readonly string[];
  /** Sensitive keys added to `keys` (or to the defaults). */
  extraKeys?: readonly string[];
  /** An extra rule: returns true for further sensitive keys (receives the original key). */
  matcher?: (key: string) => boolean;
  /** `"exact"` (default) or `"substring"` matching of normalized keys. */
  mode?: "exact" | "substring";
  /** What sensitive values become. Default `***REDACTED***`. */
  replacement?: string;
  /** Strings longer than this many code points are truncated. Default 2048. */
  maxStringLength?: number;
  /** False turns redaction and truncation off entirely. Default true. */
  enabled?: boolean;
}

/** Header collections accepted by {@linkcode RedactionPolicy.redactHeaders}. */
export type HeadersInput =
  | Iterable<readonly [string, string]>
  | Readonly<Record<string, string | readonly string[] | number | undefined>>;

const MAX_DEPTH = 64;
const CACHE_LIMIT = 4096;

/**
 * Normalizes a key for matching: lower-case, with every `-` and `_` removed.
 *
 * @param key A key.
 * @returns The normalized key.
 */
export function normalizeKey(key: string): string {
  const lower = key.toLowerCase();
  return lower.includes("-") || lower.includes("_") ? lower.replace(/[-_]/g, "") : lower;
}

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
  readonly #keys: Set<string>;
  readonly #hints: string[];
  readonly #matcher: ((key: string) => boolean) | undefined;
  readonly #cache = new Map<string, boolean>();

  /**
   * Creates a policy.
   *
   * @param options Keys, matcher, mode, replacement, length limit.
   */
  constructor(options: RedactionOptions = {}) {
    this.enabled = options.enabled ?? true;
    this.replacement = options.replacement ?? DEFAULT_REPLACEMENT;
    this.maxStringLength = options.maxStringLength ?? DEFAULT_MAX_STRING_LENGTH;
    this.mode = options.mode ?? "exact";
    const keys = [...(options.keys ?? DEFAULT_REDACTED_KEYS), ...(options.extraKeys ?? [])];
    this.#keys = new Set(keys.map(normalizeKey).filter((k) => k !== ""));
    this.#hints = [...this.#keys];
    this.#matcher = options.matcher;
  }

  /** The normalized sensitive keys. */
  get keys(): readonly string[] {
    return this.#hints;
  }

  /**
   * Tells whether a key's value must be redacted (see the module documentation for the rule).
   *
   * @param key An object key, attribute key or header name.
   * @returns True when the key is sensitive.
   */
  isSensitiveKey(key: string): boolean {
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    const result = this.#match(key);
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(key, result);
    return result;
  }

  #match(key: string): boolean {
    const normalized = normalizeKey(key);
    if (this.#keys.has(normalized)) return true;
    if (this.mode === "substring") {
      for (const hint of this.#hints) if (normalized.includes(hint)) return true;
    } else {
      const dot = normalized.lastIndexOf(".");
      if (dot >= 0 && this.#keys.has(normalized.slice(dot + 1))) return true;
    }
    if (this.#matcher === undefined) return false;
    try {
      return this.#matcher(key) === true;
    } catch {
      return false;
    }
  }

  /**
   * Truncates a string longer than `maxStringLength` code points (see
   * {@linkcode truncateString}).
   *
   * @param text A string.
   * @returns The string, or its truncated form.
   */
  truncate(text: string): string {
    return this.enabled ? truncateString(text, this.maxStringLength) : text;
  }

  /**
   * Redacts a JSON value recursively: values under sensitive keys become the replacement, long
   * strings are truncated, and strings holding JSON objects or arrays are redacted inside.
   *
   * @param value A JSON value (for example the output of `serialize`).
   * @param options `truncate: false` masks sensitive keys but leaves string lengths alone (for
   *   values kept in full, such as blobs). Default true.
   * @returns The redacted value; the same reference when nothing changed.
   */
  redactValue(value: JsonValue, options?: { truncate?: boolean }): JsonValue {
    return this.enabled ? this.#value(value, 0, options?.truncate ?? true) : value;
  }

  #cut(text: string, truncate: boolean): string {
    return truncate ? truncateString(text, this.maxStringLength) : text;
  }

  #value(value: JsonValue, depth: number, truncate: boolean): JsonValue {
    if (typeof value === "string") return this.#text(value, depth, truncate);
    if (value === null || typeof value !== "object") return value;
    if (depth >= MAX_DEPTH) return this.replacement;
    if (Array.isArray(value)) {
      let out: JsonValue[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        const redacted = this.#value(item, depth + 1, truncate);
        if (redacted !== item) (out ??= value.slice())[i] = redacted;
      }
      return out ?? value;
    }
    let out: JsonObject | undefined;
    for (const key of Object.keys(value)) {
      const item = value[key];
      const redacted = this.isSensitiveKey(key)
        ? this.replacement
        : this.#value(item, depth + 1, truncate);
      if (redacted !== item) (out ??= { ...value })[key] = redacted;
    }
    return out ?? value;
  }

  /** Redacts inside a JSON-looking string, or truncates a plain one. */
  #text(text: string, depth: number, truncate: boolean): string {
    const first = text.charCodeAt(0);
    if ((first === 0x7b || first === 0x5b) && this.#mayNeedParse(text, truncate)) {
      let parsed: JsonValue;
      try {
        parsed = JSON.parse(text) as JsonValue;
      } catch {
        return this.#cut(text, truncate);
      }
      const redacted = this.#value(parsed, depth + 1, truncate);
      return redacted === parsed ? text : JSON.stringify(redacted);
    }
    return this.#cut(text, truncate);
  }

  /** A cheap necessary condition for a JSON string to contain something to redact. */
  #mayNeedParse(text: string, truncate: boolean): boolean {
    if (this.#matcher !== undefined || (truncate && text.length > this.maxStringLength)) {
      return true;
    }
    const normalized = normalizeKey(text);
    for (const hint of this.#hints) if (normalized.includes(hint)) return true;
    return false;
  }

  /**
   * Redacts span (or event, link) attributes: values of sensitive keys are replaced, long
   * strings truncated, and JSON-string values (such as `{"headers":{"Authorization":"…"}}`)
   * redacted inside and re-encoded.
   *
   * @param attributes The attributes.
   * @returns Redacted attributes; the same object when nothing changed.
   */
  redactAttributes(attributes: Readonly<Attributes>): Attributes {
    if (!this.enabled) return attributes as Attributes;
    let out: Attributes | undefined;
    for (const key in attributes) {
      const value = attributes[key];
      let redacted: AttributeValue = value;
      if (this.isSensitiveKey(key)) {
        redacted = this.replacement;
      } else if (typeof value === "string") {
        redacted = this.#text(value, 0, true);
      } else if (Array.isArray(value) && typeof value[0] === "string") {
        let copy: string[] | undefined;
        const strings = value as readonly string[];
        for (let i = 0; i < strings.length; i++) {
          const cut = truncateString(strings[i], this.maxStringLength);
          if (cut !== strings[i]) (copy ??= strings.slice())[i] = cut;
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
   * @param headers The headers.
   * @returns A new plain record with sensitive values replaced (names kept as given).
   */
  redactHeaders(headers: HeadersInput): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    const put = (name: string, value: string | readonly string[] | number | undefined) => {
      if (value === undefined) return;
      if (this.enabled && this.isSensitiveKey(name)) setOwn(out, name, this.replacement);
      else if (Array.isArray(value)) setOwn(out, name, value.map((v) => this.truncate(String(v))));
      else setOwn(out, name, this.truncate(String(value)));
    };
    const iterable = headers as Partial<Iterable<readonly [string, string]>>;
    if (typeof iterable[Symbol.iterator] === "function") {
      for (const [name, value] of headers as Iterable<readonly [string, string]>) {
        const previous = Object.hasOwn(out, name) ? out[name] : undefined;
        put(name, value);
        if (typeof previous === "string" && previous !== this.replacement) {
          setOwn(out, name, `${previous}, ${out[name]}`);
        }
      }
    } else {
      const record = headers as Readonly<
        Record<string, string | readonly string[] | number | undefined>
      >;
      for (const name of Object.keys(record)) put(name, record[name]);
    }
    return out;
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
