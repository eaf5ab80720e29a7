/**
 * How the serializer reads the web platform's data classes, whose content is not held in own
 * properties (so a plain property walk writes `{}`) and whose `toJSON` exists on some runtimes
 * only (Bun's `Headers` has one, Node's and Deno's do not): every runtime writes the same value.
 *
 * - `Headers`, `URLSearchParams`, `FormData` → an object of name → value from `entries()`; a name
 *   that occurs more than once (`set-cookie`, `?tag=a&tag=b`) → the list of its values, in order.
 *   Header names are lower-case and sorted (Bun lists `set-cookie` last), with repeated headers
 *   other than `set-cookie` joined by `", "`, as `Headers.entries()` gives them; parameters and
 *   form fields keep their order.
 * - `Blob` → `{size, type}`, `File` → `{size, type, name}` (the content is not read: it is only
 *   available asynchronously; `lastModified` is left out, as it is the creation time of a `File`
 *   made in memory).
 *
 * The schema title is the class name (`Headers`, `URLSearchParams`, `FormData`, `Blob`, `File`;
 * Bun names a `File`'s constructor `Blob`).
 *
 * @internal
 * @module
 */

/** A web object as the serializer writes it: an object of `keys`, each read with `read`. */
export interface WebObject {
  /** The class name, for the schema's `title`. */
  readonly title: string;
  /** The keys written, in order. */
  readonly keys: readonly string[];
  /** Reads the value of one of `keys`. */
  readonly read: (key: string) => unknown;
}

type Constructor = abstract new (...args: never[]) => object;

/** Whether `o` is an instance of the global class of that name (false when there is none). */
function isInstance(o: object, name: string): boolean {
  const Class = (globalThis as Record<string, unknown>)[name];
  return typeof Class === "function" && o instanceof (Class as Constructor);
}

const ENTRY_CLASSES: readonly string[] = ["Headers", "URLSearchParams", "FormData"];
const BLOB_KEYS: readonly string[] = ["size", "type"];
const FILE_KEYS: readonly string[] = ["size", "type", "name"];

/**
 * Reads a `Headers`, `URLSearchParams`, `FormData`, `Blob` or `File`.
 *
 * @param o Any object.
 * @returns How to write it, or undefined when `o` is none of those classes.
 */
export function webObject(o: object): WebObject | undefined {
  if (isInstance(o, "Blob")) {
    const blob = o as Record<string, unknown>;
    const file = isInstance(o, "File");
    return {
      title: file ? "File" : "Blob",
      keys: file ? FILE_KEYS : BLOB_KEYS,
      read: (key) => blob[key],
    };
  }
  const title = ENTRY_CLASSES.find((name) => isInstance(o, name));
  if (title === undefined) return undefined;
  const grouped = new Map<string, unknown>();
  const repeated = new Set<string>();
  for (const [name, value] of (o as { entries(): Iterable<[string, unknown]> }).entries()) {
    if (!grouped.has(name)) grouped.set(name, value);
    else if (repeated.has(name)) (grouped.get(name) as unknown[]).push(value);
    else {
      grouped.set(name, [grouped.get(name), value]);
      repeated.add(name);
    }
  }
  const keys = [...grouped.keys()];
  if (title === "Headers") keys.sort();
  return { title, keys, read: (key) => grouped.get(key) };
}
