/**
 * The length of a value's JSON text, which the task layer's export budgets count.
 *
 * @internal
 * @module
 */
import { jsonWithPythonNumbers } from "../serialize/python_json.ts";

/**
 * The length of a value's JSON text, as a task's state writes it (`JSON.stringify` with Python's
 * number forms, see `jsonWithPythonNumbers`).
 *
 * @param value Any value.
 * @returns Its length, or undefined when it has none (a BigInt, a cycle, a throwing getter).
 */
export function jsonLength(value: unknown): number | undefined {
  try {
    return jsonWithPythonNumbers(value).length;
  } catch {
    return undefined;
  }
}
