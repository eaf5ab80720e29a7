/**
 * The span attributes of the dreadnode wire schema whose keys are *names* (of metrics, of schema
 * properties) rather than keys holding a secret, and the shape a name's value must have to be
 * kept: a metric series, a JSON schema as tracelet's serializer writes it. The redaction policy
 * uses them (see `NAME_KEYED_ATTRIBUTES`); a value of any other shape under a sensitive name is
 * replaced as usual, so that these attribute names cannot carry a secret out unredacted.
 *
 * @module
 */
import { isObject } from "../option_rules.ts";
import type { NameKeys } from "./json_scan.ts";

/** How deep a schema may nest and still be recognised (deeper: not a schema, so masked). */
const MAX_SCHEMA_DEPTH = 64;

/** An ISO-8601 date-time as tracelet writes it (`2026-01-02T03:04:05.123000+00:00`). */
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;

/** The keys of a metric series and what each of their items must be. */
const SERIES_ITEMS: ReadonlyMap<string, (item: unknown) => boolean> = new Map([
  ["values", (item: unknown) => typeof item === "number"],
  ["steps", (item: unknown) => typeof item === "number"],
  ["timestamps", (item: unknown) => typeof item === "string" && DATE_TIME.test(item)],
  ["attributes", isObject], // Point attributes: walked and redacted as usual.
]);

/**
 * Whether a parsed JSON value is a metric series as tracelet writes it: an object whose keys are
 * among `values`, `steps`, `timestamps` and `attributes`, each an array of numbers, numbers,
 * date-time strings and objects respectively.
 *
 * @param value A parsed JSON value.
 * @returns True for a series.
 */
export function isMetricSeries(value: unknown): boolean {
  if (!isObject(value)) return false;
  for (const key of Object.keys(value)) {
    const check = SERIES_ITEMS.get(key);
    const items = value[key];
    if (check === undefined || !Array.isArray(items) || !items.every(check)) return false;
  }
  return true;
}

/** The `type` names tracelet's schemas use. */
const SCHEMA_TYPES: ReadonlySet<unknown> = new Set([
  "object",
  "array",
  "string",
  "integer",
  "number",
  "boolean",
  "null",
]);

/**
 * Whether a parsed JSON value is a JSON schema in the vocabulary tracelet's serializer writes
 * (see `src/serialize/schema.ts`): only `type` (a JSON type name), `title`, `format`,
 * `contentEncoding` (strings), `properties` (name → schema), `items` (a schema) and `prefixItems`
 * (an array of schemas), at every level.
 *
 * @param value A parsed JSON value.
 * @param depth How deep `value` is in the schema being checked (internal).
 * @returns True for such a schema.
 */
export function isSchema(value: unknown, depth = 0): boolean {
  if (!isObject(value) || depth > MAX_SCHEMA_DEPTH) return false;
  const sub = (item: unknown) => isSchema(item, depth + 1);
  for (const key of Object.keys(value)) {
    const item = value[key];
    let ok: boolean;
    switch (key) {
      case "type":
        ok = SCHEMA_TYPES.has(item);
        break;
      case "title":
      case "format":
      case "contentEncoding":
        ok = typeof item === "string";
        break;
      case "items":
        ok = sub(item);
        break;
      case "prefixItems":
        ok = Array.isArray(item) && item.every(sub);
        break;
      case "properties":
        ok = isObject(item) && Object.values(item).every(sub);
        break;
      default:
        ok = false;
    }
    if (!ok) return false;
  }
  return true;
}

/**
 * JSON-string span attributes whose keys are names, with how many levels deep that holds (1: the
 * keys of the outermost object; an array counts as a level) and the shape a name's value must
 * have. A sensitive key at those levels whose value has that shape is not replaced: the value is
 * walked and redacted as usual. Anything else under a sensitive key is still replaced, as is
 * every `["key", value]` pair. JSON cut short by a length limit follows the same rule: a name's
 * value must be complete in the text (and have the shape) to be kept.
 *
 * - `dreadnode.metrics`: metric name → series `{values, steps, timestamps, attributes}`. A metric
 *   named `token` (or, in substring mode, `total_tokens`) keeps its series; sensitive keys inside
 *   the point `attributes` are still masked.
 * - `dreadnode.object_schemas`: schema hash → JSON schema. A property named like a sensitive key
 *   keeps its sub-schema when that is a schema in tracelet's vocabulary (see `isSchema`).
 *
 * Every other attribute (`dreadnode.params`, `dreadnode.inputs`, `dreadnode.outputs`,
 * `dreadnode.objects`, …) is redacted by the usual rule: a param named `api_key` is masked.
 */
export const NAME_KEYED_ATTRIBUTES: ReadonlyMap<string, NameKeys> = new Map([
  ["dreadnode.metrics", { levels: 1, holds: isMetricSeries }],
  ["dreadnode.object_schemas", { levels: Infinity, holds: isSchema }],
]);

/**
 * The name keys one level further down.
 *
 * @param names The name keys at this level, if any.
 * @returns Those of the values below it; undefined when there are none.
 */
export function innerNames(names: NameKeys | undefined): NameKeys | undefined {
  if (names === undefined || names.levels <= 1) return undefined;
  return names.levels === Infinity ? names : { levels: names.levels - 1, holds: names.holds };
}
