/**
 * The JSON text of a metric point's attributes in `dreadnode.metrics`, which the task's metric
 * budget counts and the task's state writes.
 *
 * @internal
 * @module
 */
import { jsonWithPythonNumbers, pythonFloatJson } from "../serialize/python_json.ts";
import { runningAggMode } from "./metric_aggregation.ts";

/**
 * A point's attributes as JSON with Python's number forms (see `jsonWithPythonNumbers`), except
 * that the raw value a log-time aggregation keeps in `original` (a point whose `aggregation` is a
 * running mode) is written as the float it is in dreadnode (`112.0`, `1.8446744073709552e+19` for
 * a BigInt of 2^64), as the point's value is.
 *
 * @param attributes A point's attributes.
 * @returns The JSON text.
 * @throws {TypeError} When the attributes have no JSON form (a BigInt, a cycle).
 */
export function metricAttributesJson(attributes: Readonly<Record<string, unknown>>): string {
  const original = attributes.original;
  if (typeof original !== "number" || runningAggMode(attributes.aggregation) === undefined) {
    return jsonWithPythonNumbers(attributes);
  }
  let out = "";
  for (const key of Object.keys(attributes)) {
    // One key at a time, in the order JSON.stringify writes them (a key without JSON is left out).
    const entry = key === "original"
      ? `${JSON.stringify(key)}:${pythonFloatJson(original)}`
      : jsonWithPythonNumbers({ [key]: attributes[key] }).slice(1, -1);
    if (entry !== "") out += out === "" ? entry : `,${entry}`;
  }
  return `{${out}}`;
}
