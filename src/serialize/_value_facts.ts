/**
 * What the serializer asks of a value before walking it: its class and function names, whether
 * it is a plain object or a shared buffer, a `Date` in Python's `isoformat()`, and whether an
 * error is a stack overflow. Each never throws on a hostile value (a proxy, a throwing getter).
 *
 * @module
 */

/** The name of an object's constructor, or undefined when it has none or it cannot be read. */
export function className(o: object): string | undefined {
  try {
    const name = (o.constructor as { name?: unknown } | undefined)?.name;
    return typeof name === "string" && name !== "" ? name : undefined;
  } catch {
    return undefined;
  }
}

/** A function's name, `anonymous` when it has none or it cannot be read. */
export function functionName(fn: unknown): string {
  try {
    const name = (fn as { name?: unknown }).name;
    return typeof name === "string" && name !== "" ? name : "anonymous";
  } catch {
    return "anonymous"; // A proxy whose `name` cannot be read.
  }
}

/**
 * Python's `isoformat()` of the UTC datetime of a valid `Date`: microseconds (or no fraction when
 * they are zero) and `+00:00`. Years outside 0–9999 (no Python datetime) keep the ISO form.
 */
export function pythonIsoformat(date: Date): string {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  if (iso.length !== 24) return iso;
  const ms = iso.slice(20, 23);
  return `${iso.slice(0, 19)}${ms === "000" ? "" : `.${ms}000`}+00:00`;
}

/** Whether an object is a plain one: no prototype, `Object.prototype`, or a class named `Object` (another realm's). */
export function isPlainObject(o: object): boolean {
  const proto = Object.getPrototypeOf(o);
  return proto === null || proto === Object.prototype || className(o) === "Object";
}

/**
 * Whether a thrown value is the engine's "Maximum call stack size exceeded" `RangeError`. When
 * even the check throws, the stack is still short (or the value is hostile): taken as yes.
 */
export function isStackOverflow(error: unknown): boolean {
  try {
    return error instanceof RangeError && /call stack/i.test(error.message);
  } catch {
    return true;
  }
}

/** Whether an object is a `SharedArrayBuffer` (where the runtime has one). */
export function isSharedBuffer(o: object): boolean {
  const Shared =
    (globalThis as { SharedArrayBuffer?: new (n: number) => object }).SharedArrayBuffer;
  return Shared !== undefined && o instanceof Shared;
}
