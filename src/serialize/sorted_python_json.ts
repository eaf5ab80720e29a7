/**
 * Python's `json.dumps(value, ensure_ascii=True, sort_keys=True)` of a parsed JSON value: the
 * form design_research_agents gives an error that is an object (and its analysis its keys).
 *
 * @module
 */
import { byCodePoint } from "./code_point_order.ts";
import { asciiJsonString, pythonJsonDumps } from "./python_json.ts";
import type { JsonValue } from "./types.ts";

/**
 * Python's `json.dumps(value, ensure_ascii=True, sort_keys=True)`: `", "` and `": "`
 * separators, keys sorted at every level (by code point, as Python sorts them), non-ASCII
 * escaped. Python's number forms.
 *
 * @param value A parsed JSON value.
 * @returns The JSON text.
 */
export function sortedPythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedPythonJson).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort(byCodePoint);
    return `{${
      keys.map((k) => `${asciiJsonString(k)}: ${sortedPythonJson(record[k])}`).join(", ")
    }}`;
  }
  return pythonJsonDumps(value as JsonValue);
}
