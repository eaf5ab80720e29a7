/**
 * JSON schema construction for serialized values, following dreadnode's scheme so that plain
 * objects and arrays get the same schema (and schema hash) as their Python equivalents:
 * primitives have the empty schema, objects list only properties whose schema is not empty, and
 * arrays carry `items` when every element has the same schema (or is a primitive of one type),
 * `prefixItems` otherwise.
 *
 * @module
 */
import type { JsonSchema, JsonValue } from "./types.ts";

/** The empty schema of primitives. Never mutate it. */
export const EMPTY_SCHEMA: JsonSchema = Object.freeze({}) as JsonSchema;

/**
 * True when `schema` has no keys (the schema of every primitive).
 *
 * @param schema A schema.
 * @returns Whether it is empty.
 */
export function isEmptySchema(schema: JsonSchema): boolean {
  for (const _ in schema) return false;
  return true;
}

/**
 * The JSON-schema type name of a primitive serialized value: `string`, `integer` (an
 * integer-valued number: JavaScript cannot tell `1` from `1.0`), `number`, `boolean` or `null`.
 *
 * @param value A serialized primitive.
 * @returns Its type name, or `undefined` for arrays and objects.
 */
export function primitiveType(value: JsonValue): string | undefined {
  switch (typeof value) {
    case "string":
      return "string";
    case "number":
      return Number.isInteger(value) ? "integer" : "number";
    case "boolean":
      return "boolean";
    default:
      return value === null ? "null" : undefined;
  }
}

/**
 * Deep equality of two JSON values as Python compares dicts and lists: object key order does not
 * matter, array order does.
 */
function sameJson(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(b, key) || !sameJson(a[key], b[key])) return false;
  }
  return true;
}

/**
 * Builds the schema of an array from its serialized items and their schemas.
 *
 * @param items The serialized items.
 * @param schemas The schema of each item (same length as `items`).
 * @param title An optional title (for example `Set` or `Map`).
 * @returns `{type: "array", title?, items? | prefixItems?}`.
 */
export function arraySchema(
  items: readonly JsonValue[],
  schemas: readonly JsonSchema[],
  title?: string,
): JsonSchema {
  const schema: JsonSchema = { type: "array" };
  if (title !== undefined) schema.title = title;
  if (items.length === 0) return schema;
  let firstReal: JsonSchema | undefined;
  for (const s of schemas) {
    if (!isEmptySchema(s)) {
      firstReal = s;
      break;
    }
  }
  if (firstReal === undefined) {
    const type = primitiveType(items[0]);
    for (let i = 1; i < items.length; i++) if (primitiveType(items[i]) !== type) return schema;
    if (type !== undefined) schema.items = { type };
    return schema;
  }
  for (const s of schemas) {
    if (!isEmptySchema(s) && !sameJson(s, firstReal)) {
      schema.prefixItems = schemas as JsonSchema[];
      return schema;
    }
  }
  schema.items = firstReal;
  return schema;
}

/**
 * Builds the schema of an object from the schemas of its properties (empty ones are left out).
 *
 * @param properties Property name → schema, only for non-empty schemas.
 * @param title An optional title (the class name of a class instance, `Map`, an error name).
 * @returns `{type: "object", title?, properties?}`.
 */
export function objectSchema(
  properties: Record<string, JsonSchema> | undefined,
  title?: string,
): JsonSchema {
  const schema: JsonSchema = { type: "object" };
  if (title !== undefined) schema.title = title;
  if (properties !== undefined) schema.properties = properties;
  return schema;
}
