/**
 * Finding the keys of an options object that no option has (a misspelling, an option of another
 * SDK, a key put one level too high or too low), with the option most likely meant. Options are
 * described by an {@linkcode OptionShape}: the known keys, nested shapes for option objects, and
 * common wrong names.
 *
 * @module
 */
import { editDistance } from "./edit_distance.ts";
import { isPlainObject } from "./serialize/_value_facts.ts";

/** The keys an options object takes: `true`, or the shape of the option object under the key. */
export type OptionKeys = { readonly [key: string]: true | OptionShape };

/** The known keys of an options object, and names people write for them. */
export interface OptionShape {
  /** Every key; a nested shape for a key whose value is an options object checked the same way. */
  readonly keys: OptionKeys;
  /**
   * Wrong names that no edit-distance match finds, each with the path (from this object) of the
   * option meant: `url` → `endpoint`, or `endpoint` → `otlp.endpoint` one level up.
   */
  readonly aliases?: { readonly [wrong: string]: string };
}

/** A key no option has. */
export interface UnknownOption {
  /** Its path from the top, e.g. `otlp.url`. */
  readonly path: string;
  /** The path of the option probably meant, e.g. `otlp.endpoint`; undefined when none is close. */
  readonly suggestion: string | undefined;
}

/**
 * Names compared as written loosely: case, `_` and `-` ignored, and `millis` or `milliseconds`
 * counted as `ms` (`timeoutMs` finds `timeoutMillis`).
 */
function loose(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, "").replace(/milli(second)?s/g, "ms");
}

/** The option `key` probably means: an alias, else the closest known key (distance ≤ 2). */
function suggest(key: string, shape: OptionShape): string | undefined {
  const wanted = loose(key);
  for (const [wrong, meant] of Object.entries(shape.aliases ?? {})) {
    if (loose(wrong) === wanted) return meant;
  }
  // Short names get less slack: a distance of 2 between 3-letter names is any other name.
  const max = Math.min(2, Math.floor(wanted.length / 3));
  let best: string | undefined;
  let bestDistance = max + 1;
  for (const known of Object.keys(shape.keys)) {
    const distance = editDistance(wanted, loose(known), max);
    if (distance < bestDistance) [best, bestDistance] = [known, distance];
  }
  return best;
}

/**
 * The keys of `options`, and of the option objects nested in it, that `shape` does not know.
 * Only plain objects are looked into (a class instance such as a `RedactionPolicy` is not a
 * bag of options); symbol keys are not options. Never throws: an object whose keys cannot be
 * read (a revoked proxy, a throwing getter) is skipped.
 *
 * @param options The options as given.
 * @param shape Their known keys.
 * @param prefix Put before every path, e.g. `otlp.`.
 * @returns The unknown keys, in the order they were found.
 * @example
 * ```ts
 * import { findUnknownOptions } from "./unknown_options.ts";
 * const shape = { keys: { endpoint: true }, aliases: { url: "endpoint" } } as const;
 * findUnknownOptions({ url: "http://collector:4318" }, shape, "otlp.");
 * // [{ path: "otlp.url", suggestion: "otlp.endpoint" }]
 * ```
 */
export function findUnknownOptions(
  options: unknown,
  shape: OptionShape,
  prefix = "",
): UnknownOption[] {
  const found: UnknownOption[] = [];
  try {
    if (typeof options !== "object" || options === null || !isPlainObject(options)) return found;
    for (const key of Object.keys(options)) {
      const known = Object.hasOwn(shape.keys, key) ? shape.keys[key] : undefined;
      if (known === undefined) {
        const meant = suggest(key, shape);
        found.push({ path: prefix + key, suggestion: meant && prefix + meant });
      } else if (known !== true) {
        const value = (options as Readonly<Record<string, unknown>>)[key];
        found.push(...findUnknownOptions(value, known, `${prefix}${key}.`));
      }
    }
  } catch {
    // Unreadable options are the option checks' business, not this one's.
  }
  return found;
}
