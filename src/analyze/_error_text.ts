/**
 * The error text of an event's `error` attribute, by design_research_agents' rules: a non-empty
 * string as is; an object's non-empty string `message`, else the object as Python's
 * `json.dumps(value, ensure_ascii=True, sort_keys=True)` writes it; a non-empty list as that JSON
 * too. Anything else (`true`, `0`, `[]`, `""`, null) is no error.
 *
 * @module
 */
import type { RedactionPolicy } from "../redact/policy.ts";
import { pythonJsonDumps } from "../serialize/python_json.ts";
import { sortedPythonJson } from "../serialize/sorted_python_json.ts";
import type { JsonValue } from "../serialize/types.ts";

/**
 * Error text masked by a redaction policy as free text (`HTTP 401: {"api_key":…}`), kept whole
 * (not cut to the policy's length). Never throws: text the policy cannot redact (a subclass that
 * throws) is its replacement.
 *
 * @param text Error text.
 * @param policy The policy.
 * @returns The masked text.
 */
export function maskedErrorText(text: string, policy: RedactionPolicy): string {
  try {
    return policy.redactText(text, { truncate: false });
  } catch {
    return policy.replacement;
  }
}

/**
 * An `error` attribute's text, or undefined when it is no error. With a policy, the text is
 * masked: a string (or an object's `message`) as free text (see {@linkcode maskedErrorText}), an
 * object or list by key before it is written as JSON.
 *
 * @param error The attribute.
 * @param policy The redaction policy, if any.
 * @returns The text.
 */
export function errorString(error: unknown, policy?: RedactionPolicy): string | undefined {
  const text = (value: string) => policy === undefined ? value : maskedErrorText(value, policy);
  if (typeof error === "string") return error === "" ? undefined : text(error);
  const isList = Array.isArray(error);
  if (isList ? error.length === 0 : typeof error !== "object" || error === null) return undefined;
  const message = (error as Record<string, unknown>).message;
  if (!isList && typeof message === "string" && message !== "") return text(message);
  const value = policy === undefined ? error : maskedValue(error as JsonValue, policy);
  try {
    return sortedPythonJson(value);
  } catch {
    // Nested too deeply for the stack.
    return pythonJsonDumps(value as JsonValue);
  }
}

/** A parsed JSON value with its sensitive keys masked (the replacement if the policy throws). */
function maskedValue(value: JsonValue, policy: RedactionPolicy): JsonValue {
  try {
    return policy.redactValue(value, { truncate: false });
  } catch {
    return policy.replacement;
  }
}
