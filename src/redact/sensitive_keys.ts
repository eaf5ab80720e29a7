/**
 * Which keys hold secrets: the key matching rule of a {@linkcode RedactionPolicy} (see the policy
 * module for the rule), with a bounded cache of decisions and a cheap test of whether a text can
 * hold a sensitive key at all.
 *
 * @module
 */
import { safeString } from "../safe_string.ts";
import { unescapeCode, UNICODE_ESCAPE } from "./json_scan.ts";
import { keyPattern } from "./_key_pattern.ts";

const CACHE_LIMIT = 4096;
/** Longer keys are not cached (free text makes keys of whatever stands between two quotes). */
const CACHE_KEY_LENGTH = 256;

/**
 * Normalizes a key for matching: lower-case, with every `-` and `_` removed.
 *
 * @param key A key (anything else is normalized by its string form).
 * @returns The normalized key.
 */
export function normalizeKey(key: string): string {
  const lower = (typeof key === "string" ? key : safeString(key)).toLowerCase();
  return lower.includes("-") || lower.includes("_") ? lower.replace(/[-_]/g, "") : lower;
}

/**
 * The sensitive keys of a policy and the decision for any key.
 *
 * @internal
 */
export class SensitiveKeys {
  /** The normalized sensitive keys, in the order given. */
  readonly keys: readonly string[];
  readonly #set: Set<string>;
  readonly #substring: boolean;
  readonly #matcher: ((key: string) => boolean) | undefined;
  /** Finds the keys in a text in one pass (see `keyPattern`); undefined for keys it cannot. */
  readonly #pattern: RegExp | undefined;
  readonly #cache = new Map<string, boolean>();

  /**
   * @param keys The listed keys (normalized here; empty ones dropped).
   * @param mode `"exact"` or `"substring"` matching.
   * @param matcher A custom matcher, given the original key.
   */
  constructor(
    keys: readonly string[],
    mode: "exact" | "substring",
    matcher: ((key: string) => boolean) | undefined,
  ) {
    this.#set = new Set(keys.map(normalizeKey).filter((k) => k !== ""));
    this.keys = [...this.#set];
    this.#substring = mode === "substring";
    this.#matcher = matcher;
    this.#pattern = keyPattern(this.keys);
  }

  /** Whether a custom matcher decides too (whose answers the policy cannot foresee). */
  get hasMatcher(): boolean {
    return this.#matcher !== undefined;
  }

  /**
   * Tells whether a key's value must be redacted.
   *
   * @param key A key (anything else is matched by its string form).
   * @returns True when the key is sensitive.
   */
  isSensitive(key: string): boolean {
    if (typeof key !== "string") key = safeString(key);
    if (key.length > CACHE_KEY_LENGTH) return this.#match(key);
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    const result = this.#match(key);
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(key, result);
    return result;
  }

  /**
   * A cheap necessary condition for a JSON text to hold a sensitive key.
   *
   * @param text The text.
   * @returns False only when no sensitive key can occur in it.
   */
  mayOccurIn(text: string): boolean {
    if (this.#matcher !== undefined) return true;
    if (this.#hasKey(text)) return true;
    // A key may be spelled with escapes (`"api\u005fkey"`): look again with them decoded.
    return text.includes("\\u") && this.#hasKey(text.replace(UNICODE_ESCAPE, unescapeCode));
  }

  /** Whether `normalizeKey(text)` holds a key: one regular expression when the keys allow it. */
  #hasKey(text: string): boolean {
    if (this.#pattern !== undefined) return this.#pattern.test(text);
    const normalized = normalizeKey(text);
    for (const key of this.keys) if (normalized.includes(key)) return true;
    return false;
  }

  #match(key: string): boolean {
    const normalized = normalizeKey(key);
    if (this.#set.has(normalized)) return true;
    if (this.#substring) {
      for (const hint of this.keys) if (normalized.includes(hint)) return true;
    } else {
      const dot = normalized.lastIndexOf(".");
      if (dot >= 0 && this.#set.has(normalized.slice(dot + 1))) return true;
    }
    if (this.#matcher === undefined) return false;
    try {
      return this.#matcher(key) === true;
    } catch {
      return false;
    }
  }
}
