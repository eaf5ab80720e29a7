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
 * escaped. Python's number forms. The text is one flat string, its pieces joined once.
 *
 * @param value A parsed JSON value.
 * @returns The JSON text.
 */
export function sortedPythonJson(value: unknown): string {
  const pieces: string[] = [];
  write(value, pieces);
  return pieces.join("");
}

/** Adds the pieces of a value's sorted JSON text to `pieces`. */
function write(value: unknown, pieces: string[]): void {
  if (Array.isArray(value)) {
    pieces.push("[");
    for (let i = 0; i < value.length; i++) {
      if (i > 0) pieces.push(", ");
      if (i in value) write(value[i], pieces); // a hole is left empty, as `join` leaves it
    }
    pieces.push("]");
  } else if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort(byCodePoint);
    pieces.push("{");
    for (let i = 0; i < keys.length; i++) {
      pieces.push(i > 0 ? ", " : "", asciiJsonString(keys[i]), ": ");
      write(record[keys[i]], pieces);
    }
    pieces.push("}");
  } else {
    pieces.push(pythonJsonDumps(value as JsonValue));
  }
}
