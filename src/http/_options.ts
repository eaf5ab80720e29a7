/**
 * Option checks shared by `traceFetchHandler()` and `tracedFetch()`: each fails when it is
 * called (at module load, as a rule), not at the first request.
 *
 * @module
 */
import { TracerError } from "../errors.ts";
import { checkRules, isObject, type Rule } from "../option_rules.ts";

/** A tracer (of any copy of tracelet): what starts and activates spans. */
const isTracer = (value: unknown): boolean =>
  isObject(value) && typeof value.startSpan === "function" &&
  typeof value.contextWith === "function";

/**
 * Checks the wrapped function and the options.
 *
 * @param context The start of the error message, e.g. `Cannot trace the fetch handler`.
 * @param fn What is wrapped, when a function is required (`undefined` when none is).
 * @param options The options.
 * @param rules Rules of the options besides `tracer`.
 * @throws {TracerError} `INVALID_CONFIG` naming the first invalid argument or option.
 */
export function checkHttpOptions(
  context: string,
  fn: unknown,
  options: unknown,
  rules: readonly Rule[],
): void {
  if (fn !== undefined && typeof fn !== "function") {
    throw new TracerError("INVALID_CONFIG", `${context}: the handler must be a function`);
  }
  checkRules({ options }, [[["options"], isObject, "an object"]], context);
  checkRules(options as object, [[["tracer"], isTracer, "a Tracer"], ...rules], context);
}
