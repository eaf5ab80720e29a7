/**
 * How a task records a thrown value that is no error. `Span.recordException` takes an error's
 * name, message and stack; for anything else it records `typeof` and `String(value)`, which for
 * `throw { code: 42 }` is `object` and `[object Object]`: the value's fields were lost. A task
 * records such an object by its JSON instead, as the events layer records a run's error.
 *
 * @internal
 * @module
 */
import { thrownErrorText } from "../agents/_input.ts";

/**
 * What to pass to `Span.recordException` for `thrown`: an object without a string `message` as
 * an error-like `{ name, message }` whose name is its class (`Object`, `Array`, or the class it
 * was made by) and whose message is its own string form when it has one (a `toString` of its
 * own), else its sorted JSON as Python's `json.dumps` writes it (`{"code": 42}`, bounded to 64
 * KiB, a cycle marked); anything else (an `Error` of any realm, an error-like object, a string, a
 * number, `null`) as it is. Redaction applies to the text as to any exception message. Never
 * throws.
 *
 * @param thrown What was thrown.
 * @returns The value to record.
 * @internal
 */
export function recordableThrown(thrown: unknown): unknown {
  if (typeof thrown !== "object" || thrown === null) return thrown;
  try {
    // What `recordException` reads as an error: a string `message`.
    if (typeof (thrown as { message?: unknown }).message === "string") return thrown;
  } catch {
    // A throwing getter or a revoked proxy: described below from what can be read.
  }
  return { name: className(thrown), message: thrownErrorText(thrown) };
}

/** The name of the class that made `value` (`Object` when it has none or it cannot be read). */
function className(value: object): string {
  try {
    const name = Object.getPrototypeOf(value)?.constructor?.name;
    if (typeof name === "string" && name !== "") return name;
  } catch {
    // A revoked proxy or a throwing trap or getter.
  }
  return "Object";
}
