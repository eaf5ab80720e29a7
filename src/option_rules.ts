/**
 * Declarative checks of option objects: a table of rules (option names, the test their values
 * must pass, what is expected) and one function that applies it, throwing a
 * {@linkcode TracerError} `INVALID_CONFIG` that names the first invalid option, never its value.
 * Unset (`undefined`) options always pass: defaults apply to them.
 *
 * @module
 */
import { TracerError } from "./errors.ts";

/** Option names, the test their values must pass, and what the error says is expected. */
export type Rule = readonly [
  names: readonly string[],
  valid: (value: unknown) => boolean,
  expected: string,
];

/** A non-null object that is not an array. */
export const isObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A boolean. */
export const isBoolean = (value: unknown): boolean => typeof value === "boolean";

/** A function. */
export const isFunction = (value: unknown): boolean => typeof value === "function";

/** A safe integer >= 1. */
export const isPositiveInteger = (value: unknown): boolean =>
  Number.isSafeInteger(value) && (value as number) >= 1;

/**
 * A test for finite numbers of at least `min` (NaN and infinities fail).
 *
 * @param min The smallest valid value.
 * @returns The test.
 */
export const isFiniteAtLeast = (min: number) => (value: unknown): boolean =>
  typeof value === "number" && Number.isFinite(value) && value >= min;

/**
 * Applies rules to an options object.
 *
 * @param options The options (must be an object; check that first with {@linkcode isObject}).
 * @param rules The rules.
 * @param context The start of the error message, e.g. `Cannot configure tracing`.
 * @param prefix Prepended to option names in the message, e.g. `batch.`.
 * @throws {TracerError} `INVALID_CONFIG` naming the first option that fails its rule.
 */
export function checkRules(
  options: object,
  rules: readonly Rule[],
  context: string,
  prefix = "",
): void {
  for (const [names, valid, expected] of rules) {
    for (const name of names) {
      const value = (options as Readonly<Record<string, unknown>>)[name];
      if (value === undefined || valid(value)) continue;
      throw new TracerError(
        "INVALID_CONFIG",
        `${context}: \`${prefix}${name}\` must be ${expected}`,
      );
    }
  }
}
