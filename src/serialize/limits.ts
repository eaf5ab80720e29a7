/**
 * The serializer's options and limits: reading a caller's options, the default limits, and the
 * marker strings it writes in place of values it could not (or would not) expand.
 *
 * @module
 */
import type { SerializeOptions } from "./types.ts";

/** Default maximum nesting depth of {@linkcode serialize}. */
export const DEFAULT_MAX_DEPTH = 32;

/** Default output budget of {@linkcode serialize}: 1 MiB. */
export const DEFAULT_MAX_BYTES: number = 1024 * 1024;

/**
 * Output budget used when a value is hashed as an object (`objectHashes`, task inputs, outputs
 * and objects) and when it is written to the blob store: 16 MiB. Values up to this size hash
 * and store in full, so two values that differ anywhere within it get different hashes; a value
 * past it is cut (`<truncated>` markers) before hashing, so values that differ only beyond
 * 16 MiB share one hash.
 */
export const MAX_OBJECT_BYTES: number = 16 * 1024 * 1024;

/**
 * Nesting depth used when a value is hashed as an object (`objectHashes`, task inputs, outputs
 * and objects) and when it is written to the blob store: 512 levels, where the default is
 * {@linkcode DEFAULT_MAX_DEPTH}. Values nested up to this deep hash and store in full (a parsed
 * syntax tree, a long chain of messages); a part nested deeper is cut (`<max depth exceeded>`)
 * before hashing. The serializer recurses once per level: a fresh stack holds about 2,100 levels
 * on Deno, 2,300 on workerd, 2,500 on Node and 9,000 on Bun, so 512 leaves room for the caller's
 * own frames.
 */
export const MAX_OBJECT_DEPTH = 512;

/** Written in place of an object that is one of its own ancestors. */
export const CIRCULAR_MARKER = "<circular reference>";

/** Written in place of an array or object nested deeper than `maxDepth`. */
export const MAX_DEPTH_MARKER = "<max depth exceeded>";

/** Written in place of values beyond the `maxBytes` budget. */
export const TRUNCATED_MARKER = "<truncated>";

/**
 * The text written for a value whose reading threw (a throwing getter, a hostile proxy).
 *
 * @param error What was thrown.
 * @returns `"<error: message>"`.
 */
export function errorMarker(error: unknown): string {
  let message: string;
  try {
    message = error instanceof Error ? error.message : String(error);
  } catch {
    message = "unknown";
  }
  return `<error: ${message}>`;
}

/**
 * A plain copy of the caller's serializer options, read once (an options object with throwing
 * getters, or a revoked proxy, yields `undefined`: the defaults).
 *
 * @param options The caller's options.
 * @returns The copy, or undefined when they cannot be read.
 */
export function readSerializeOptions(
  options: SerializeOptions | undefined,
): SerializeOptions | undefined {
  try {
    return {
      maxDepth: options?.maxDepth,
      maxBytes: options?.maxBytes,
      maxStringLength: options?.maxStringLength,
      includeStack: options?.includeStack,
      schema: options?.schema,
      pythonCompatible: options?.pythonCompatible,
    };
  } catch {
    return undefined;
  }
}
