/**
 * Well-formed UTF-16: lone surrogates replaced with U+FFFD, as `TextEncoder` encodes them (and
 * as ES2024's `String.prototype.toWellFormed` does, which the supported runtimes' types lack).
 *
 * @internal
 * @module
 */

/** Any surrogate: a quick test that passes over most text. */
const SURROGATE = /[\ud800-\udfff]/;
/** A high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const LONE_SURROGATES = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

interface WellFormedMethods {
  isWellFormed?: (this: string) => boolean;
  toWellFormed?: (this: string) => string;
}

/** ES2024's methods where the runtime has both (the regular expressions above otherwise). */
const native = String.prototype as WellFormedMethods;
const nativeIsWellFormed = typeof native.isWellFormed === "function" &&
    typeof native.toWellFormed === "function"
  ? native.isWellFormed
  : undefined;
const nativeToWellFormed = native.toWellFormed;

/**
 * A string with every lone surrogate replaced with U+FFFD: the text whose UTF-8 `TextEncoder`
 * writes, so the string and its encoded bytes say the same.
 *
 * @param text Any string.
 * @returns `text` itself when it is well-formed, else the string with U+FFFD for each lone
 *   surrogate.
 */
export function wellFormed(text: string): string {
  if (nativeIsWellFormed !== undefined) {
    return nativeIsWellFormed.call(text) ? text : nativeToWellFormed!.call(text);
  }
  return SURROGATE.test(text) ? text.replace(LONE_SURROGATES, "\ufffd") : text;
}
