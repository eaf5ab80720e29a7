/**
 * One walk that serves two forms: {@linkcode serializeTwice} serializes a value with the options
 * given (the task layer's hashed, Python-compatible form) and decides, from what that walk noted,
 * whether the default options (the span's inline copy) would give the same value, so the caller
 * may reuse it instead of walking the value again.
 *
 * @internal
 * @module
 */
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, readSerializeOptions } from "./limits.ts";
import { PLAIN_CUT } from "./_string_cut.ts";
import { type WalkFacts, walkValue } from "./serialize.ts";
import type { Serialized, SerializeOptions } from "./types.ts";

/** A serialization, and whether the default options give the same value. */
export interface SerializedTwice {
  /** The value serialized with the options given. */
  serialized: Serialized;
  /**
   * Whether `serialize(value, { schema: false }).value` (the default options) is the same JSON
   * value, so a caller that needs both forms can use `serialized.value` for the second.
   */
  defaultForm: boolean;
  /**
   * Whether `JSON.stringify` writes every number of `serialized.value` as Python's `json` does
   * (noted only with `pythonCompatible`; false otherwise).
   */
  jsonNumbers: boolean;
  /**
   * Whether every number of `serialized.value` is finite, so `JSON.stringify` writes each as a
   * number (a `NaN` or `±Infinity` it writes `null`); noted only with `pythonCompatible`, false
   * otherwise. Those it writes otherwise than Python are rewritten by `withPythonNumbers`.
   */
  finiteNumbers: boolean;
}

/**
 * `serialize`, also telling whether the default options (1 MiB, 32 levels, stacks,
 * JavaScript forms) would give the same value: nothing was cut, nothing was written in a form
 * the options change (a non-finite number or a Date in the `pythonCompatible` form, an error
 * without its stack), no object is 32 levels deep, and the budget spent is under 1 MiB. The
 * default budget counts every string at most as the given options do (UTF-8 is never longer
 * than Python's `\uXXXX` escapes), so a walk that spent less than 1 MiB never reached the
 * default budget at any point either. Getters and `toJSON` are called once, not once per form.
 *
 * @param value Any value.
 * @param options As for `serialize`.
 * @returns The serialization and whether it is also the default one.
 * @internal
 */
export function serializeTwice(value: unknown, options?: SerializeOptions): SerializedTwice {
  let defaultForm = false;
  let jsonNumbers = false;
  let finiteNumbers = false;
  const serialized = walkValue(value, options, PLAIN_CUT, (walk) => {
    defaultForm = isDefaultForm(walk);
    finiteNumbers = readSerializeOptions(options)?.pythonCompatible === true &&
      !walk.nonFiniteNumbers;
    jsonNumbers = finiteNumbers && !walk.oddNumbers;
  });
  return { serialized, defaultForm, jsonNumbers, finiteNumbers };
}

/** Whether a walk wrote what the default options write (see {@linkcode serializeTwice}). */
function isDefaultForm(walk: WalkFacts): boolean {
  return !walk.truncated && !walk.ownForm &&
    walk.deepest < DEFAULT_MAX_DEPTH && walk.spent < DEFAULT_MAX_BYTES;
}
