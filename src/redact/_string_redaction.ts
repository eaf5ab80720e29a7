/**
 * Redaction inside one string, as the redaction policy does it for a string value, a span status
 * message or an error's text: a JSON-looking string is parsed and its value walked by the policy
 * (and re-encoded when that changed it), and so is a JSON string literal holding JSON (JSON encoded
 * twice), one level deeper; JSON that does not parse (cut short), or whose keys repeat, has the
 * values of its sensitive keys masked in the text (see `maskJsonText`); free text
 * (error messages, stack traces, and the `message` and `stack` of error records nested in a
 * value) is masked wherever a sensitive `"key":` is (see `maskFreeText`). Long strings are
 * truncated after masking, and a truncation marker already in the text is kept.
 *
 * @internal
 * @module
 */
import type { JsonValue } from "../serialize/types.ts";
import {
  closingQuote,
  isJsonSpace,
  maskJsonText,
  type NameKeys,
  parseOrUndefined,
} from "./json_scan.ts";
import { maskFreeText } from "./free_text.ts";
import { maskQueriesInText } from "./url_query.ts";
import { maskUserinfoInText } from "./url_userinfo.ts";
import type { SensitiveKeys } from "./sensitive_keys.ts";
import { keyCountBound } from "./_key_count.ts";
import { cutCodePoints, scannedErrorText, truncatedParts, truncateString } from "./truncate.ts";

/**
 * The state of one walk over a value (see `RedactionPolicy.redactValue`): the policy's walk
 * keeps the path and the count of objects; the rest is what string redaction reads back after
 * walking JSON parsed from a string (see {@linkcode StringRedaction.redact}).
 *
 * @internal
 */
export interface RedactionWalk {
  /** The objects from the root to the current one. */
  readonly path: object[];
  /** Objects visited so far. */
  objects: number;
  /** Whether the value was parsed from free text: its strings are free text too. */
  readonly free?: boolean;
  /** Collects the strings the walk left unchanged, when given (see `StringRedaction.redact`). */
  readonly kept?: Set<string>;
  /** Keys of the objects visited so far (see `StringRedaction.redact`). */
  keys: number;
  /** Whether a sensitive key (or `[key, value]` pair) was seen, even one left unchanged. */
  sensitive: boolean;
}

/** What string redaction reads of its policy: the replacement, the length limit, the key rule. */
export interface StringRedactionPolicy {
  /** The replacement for sensitive values. */
  readonly replacement: string;
  /** The string length limit in code points. */
  readonly maxStringLength: number;
  /** Whether a key's value must be redacted. */
  isSensitiveKey(key: string): boolean;
}

/**
 * The policy's walk over a value parsed from a string (see `RedactionPolicy.redactValue`):
 * `walk` is the state to walk it with (undefined: a new one), `names` the name keys of its keys,
 * if any (see `NAME_KEYED_ATTRIBUTES`).
 */
export type ParsedValueWalk = (
  value: JsonValue,
  depth: number,
  truncate: boolean,
  walk: RedactionWalk | undefined,
  names: NameKeys | undefined,
) => JsonValue;

/**
 * Redacts inside strings for one redaction policy (see the module documentation). Never
 * throws on JSON values; returns the same string when nothing changed.
 *
 * @internal
 */
export class StringRedaction {
  readonly #policy: StringRedactionPolicy;
  readonly #keys: SensitiveKeys;
  readonly #maxDepth: number;
  readonly #walkParsed: ParsedValueWalk;

  /**
   * @param policy The policy's replacement, length limit and key rule.
   * @param keys The policy's sensitive keys (to tell whether one may occur in a text).
   * @param maxDepth The nesting depth redaction walks: a string this deep becomes the replacement.
   * @param walkParsed The policy's walk over a value parsed from a string.
   */
  constructor(
    policy: StringRedactionPolicy,
    keys: SensitiveKeys,
    maxDepth: number,
    walkParsed: ParsedValueWalk,
  ) {
    this.#policy = policy;
    this.#keys = keys;
    this.#maxDepth = maxDepth;
    this.#walkParsed = walkParsed;
  }

  /**
   * Redacts inside a JSON-looking string (leading JSON whitespace allowed), a JSON string literal
   * holding JSON included, or truncates a plain one. JSON that does not parse (cut short) has the
   * values of its sensitive keys masked.
   *
   * @param text The string.
   * @param depth Its nesting depth in the value redacted.
   * @param truncate Whether a long string is truncated (false: masked, its length left alone).
   * @param names The name keys of the outermost object, if any (see `NAME_KEYED_ATTRIBUTES`).
   * @param free Whether plain text is free text, whose embedded JSON is masked too (see
   *   `RedactionPolicy.redactText`).
   * @returns The redacted string; the same string when nothing changed.
   */
  redact(text: string, depth: number, truncate: boolean, names?: NameKeys, free = false): string {
    // Free text quotes URLs (a fetch error: `request to https://u:pw@…?api_key=… failed`): their
    // user info first (a query's mask, read in the user info, could take its `@` with it).
    if (free) text = maskUserinfoInText(text);
    if (free && this.#keys.mayOccurIn(text)) {
      text = maskQueriesInText(
        text,
        (key) => this.#policy.isSensitiveKey(key),
        this.#policy.replacement,
      );
    }
    let start = 0;
    while (isJsonSpace(text.charCodeAt(start))) start++;
    const first = text.charCodeAt(start);
    if (first !== 0x7b && first !== 0x5b) {
      if (first === 0x22 && !free) return this.#cut(this.#literal(text, start, depth), truncate);
      // Only a quoted key can be masked: text without quotes (most stack traces) is not scanned.
      const scan = free && (text.includes('"') || text.includes("\\u0022")) &&
        this.#keys.mayOccurIn(text);
      const masked = scan ? this.#maskKeepingMarker(text, depth, undefined, true) : text;
      return this.#cut(masked, truncate);
    }
    const long = truncate && text.length > this.#policy.maxStringLength;
    if (!long && !this.#keys.mayOccurIn(text)) return text;
    if (depth >= this.#maxDepth) return this.#policy.replacement;
    // A failed parse is slow, and free text may hold many pieces that look like JSON: only free
    // text itself is parsed (the scan masks the pieces inside it), and only text that ends with a
    // bracket, as JSON text that starts with one does.
    let end = text.length - 1;
    while (isJsonSpace(text.charCodeAt(end))) end--;
    const last = text.charCodeAt(end);
    const json = (last === 0x7d || last === 0x5d) && (!free || depth === 0);
    const parsed = json ? parseOrUndefined(text) as JsonValue | undefined : undefined;
    if (parsed === undefined) {
      return this.#cut(this.#maskKeepingMarker(text, depth, names, free), truncate);
    }
    // Strings parsed from free text are free text too (a JSON error body's message can embed
    // JSON); `walk` carries that down.
    const walk: RedactionWalk = {
      path: [],
      objects: 0,
      free,
      kept: new Set(),
      keys: 0,
      sensitive: false,
    };
    const redacted = this.#walkParsed(parsed, depth + 1, truncate, walk, names);
    if (redacted !== parsed) return this.#encode(redacted, text);
    // `JSON.parse` keeps only the last copy of a repeated key, so a secret under an earlier copy
    // is not in `parsed`: the text itself is masked (the same text when it holds no such key).
    // Its strings that the walk left unchanged are not redacted again: redacting each string of
    // JSON nested in JSON strings twice at every level took time exponential in the nesting.
    if (this.#maskingChangesNothing(text, walk, free)) return text;
    if (long && !this.#keys.mayOccurIn(text)) return text;
    return this.#mask(text, depth, names, free, walk.kept);
  }

  /**
   * The message or stack trace of an error record made by the serializer (an error nested in a
   * value: a tool result's caught error, an error's `cause`, an `AggregateError`'s items), masked
   * as free text as a top-level error's text is (see `RedactionPolicy.redactText`). Text that is
   * truncated next is scanned only in its first part (see `scannedErrorText`), so a huge message
   * costs what a top-level one does, and a secret at the later cut is masked whole.
   *
   * @param text The message or stack trace.
   * @param depth Its nesting depth in the value redacted.
   * @param truncate Whether a long text is truncated.
   * @returns The redacted text; the same string when nothing changed.
   */
  redactErrorText(text: string, depth: number, truncate: boolean): string {
    const scanned = truncate ? scannedErrorText(text, this.#policy.maxStringLength) : text;
    return this.redact(scanned, depth, truncate, undefined, true);
  }

  /**
   * Text that is one JSON string literal (`start`: its opening quote) holding JSON, which is JSON
   * encoded twice (`JSON.stringify` of tool-call arguments that are a JSON string already): the
   * string is parsed, redacted one level deeper, and re-encoded (see `#encode`), so it stays a JSON
   * string literal. A literal cut short (never closed) is masked as JSON text is (see
   * `#maskKeepingMarker`). Other text starting with a quote is kept, as is text in which no
   * sensitive key can occur. No depth check is needed here: a literal holding a literal escapes
   * the quotes and backslashes of the one inside, so they double at every level (an attribute
   * value cannot nest 40 literals), and the JSON inside is checked as JSON text is.
   */
  #literal(text: string, start: number, depth: number): string {
    if (!this.#keys.mayOccurIn(text)) return text;
    const parsed = parseOrUndefined(text);
    if (typeof parsed === "string") {
      const redacted = this.redact(parsed, depth + 1, false);
      return redacted === parsed ? text : this.#encode(redacted, text);
    }
    return closingQuote(text, start) < 0
      ? this.#maskKeepingMarker(text, depth, undefined, false)
      : text;
  }

  /**
   * The JSON encoding of a value redacted after it was parsed from `text`. Re-encoding escapes the
   * quotes and backslashes of the strings nested inside once more, so JSON nested in JSON strings
   * written with `\u0022`/`\u005c` grows twofold per level (a 2.6 KB attribute became 25 MB, and
   * deeper ones exhausted memory). Text that grows past four times its length is replaced whole,
   * which bounds every level's output.
   */
  #encode(redacted: JsonValue, text: string): string {
    const encoded = JSON.stringify(redacted);
    return encoded.length > 4 * text.length + 1024 ? this.#policy.replacement : encoded;
  }

  /** The text, truncated to the policy's length limit when `truncate` is set. */
  #cut(text: string, truncate: boolean): string {
    return truncate ? truncateString(text, this.#policy.maxStringLength) : text;
  }

  /**
   * Whether masking the text after a walk that changed nothing would leave it as it is, because
   * the walk saw every key of the text and none was sensitive. Masking then finds no sensitive
   * key either: `JSON.parse` dropped no repeated key (the text ends no more keys than the walk
   * saw, see `keyCountBound`), so the text's keys and `[key, value]` pairs are the walk's, and its
   * strings are in `walk.kept`. (A sensitive key left unchanged, its value already the
   * replacement or a name's, is written in canonical form by masking: not skipped.) Masking
   * costs a scan of the text in JavaScript, for any text holding a word such as `tokens`. Not for
   * free text, which masking reads more widely, nor with a custom matcher, which could answer
   * differently the second time it is asked.
   */
  #maskingChangesNothing(text: string, walk: RedactionWalk, free: boolean): boolean {
    if (free || walk.sensitive || this.#keys.hasMatcher) return false;
    return keyCountBound(text) === walk.keys;
  }

  /**
   * `#mask` for text that may have been cut already: of a string truncation cut (see
   * `truncatedParts`), only the kept prefix is masked and its marker is put back, so a sensitive
   * value that straddles the cut (masked to the end of the text) does not take the marker, and
   * its original length, with it. A prefix that masking made longer is cut back to its length.
   */
  #maskKeepingMarker(
    text: string,
    depth: number,
    names: NameKeys | undefined,
    free: boolean,
  ): string {
    const parts = truncatedParts(text);
    if (parts === undefined) return this.#mask(text, depth, names, free);
    const masked = this.#mask(parts.prefix, depth, names, free);
    if (masked === parts.prefix) return text;
    return `${cutCodePoints(masked, parts.kept)}...[truncated:${parts.length}]`;
  }

  /**
   * Masks sensitive values in JSON-like text that does not parse, or whose keys repeat (see
   * `maskJsonText`); in free text, wherever a sensitive `"key":` is, whatever quotes come before
   * it, and in quoted strings inside it too (see `maskFreeText`). Strings in `kept` are known to
   * need no redaction.
   */
  #mask(
    text: string,
    depth: number,
    names: NameKeys | undefined,
    free = false,
    kept?: ReadonlySet<string>,
  ): string {
    return (free ? maskFreeText : maskJsonText)(text, {
      isSensitive: (key) => this.#policy.isSensitiveKey(key),
      names,
      replacement: this.#policy.replacement,
      redactString: (value) =>
        kept?.has(value) ? value : this.redact(value, depth + 1, false, undefined, free),
      redactName: (value, inner) =>
        this.#walkParsed(value as JsonValue, depth + 1, false, undefined, inner),
    });
  }
}
