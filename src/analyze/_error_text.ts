/**
 * The error text of an event's `error` attribute, by design_research_agents' rules: a non-empty
 * string as is; an object's non-empty string `message`, else the object as Python's
 * `json.dumps(value, ensure_ascii=True, sort_keys=True)` writes it; a non-empty list as that JSON
 * too. Anything else (`true`, `0`, `[]`, `""`, null) is no error.
 *
 * @module
 */
import { asciiJsonString, pythonJsonDumps } from "../serialize/python_json.ts";
import type { JsonValue } from "../serialize/types.ts";

/**
 * Python's `json.dumps(value, ensure_ascii=True, sort_keys=True)`: `", "` and `": "`
 * separators, keys sorted at every level, non-ASCII escaped. Python's number forms.
 *
 * @param value A parsed JSON value.
 * @returns The JSON text.
 */
export function sortedPythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedPythonJson).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${
      keys.map((k) => `${asciiJsonString(k)}: ${sortedPythonJson(record[k])}`).join(", ")
    }}`;
  }
  return pythonJsonDumps(value as JsonValue);
}

/**
 * An `error` attribute's text, or undefined when it is no error.
 *
 * @param error The attribute.
 * @returns The text.
 */
export function errorString(error: unknown): string | undefined {
  if (typeof error === "string") return error === "" ? undefined : error;
  const isList = Array.isArray(error);
  if (isList ? error.length === 0 : typeof error !== "object" || error === null) return undefined;
  const message = (error as Record<string, unknown>).message;
  if (!isList && typeof message === "string" && message !== "") return message;
  try {
    return sortedPythonJson(error);
  } catch {
    // Nested too deeply for the stack.
    return pythonJsonDumps(error as JsonValue);
  }
}
