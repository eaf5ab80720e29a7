/**
 * The optional `metadata` of an exported agent span, as the OpenAI Agents SDK writes it: the
 * trace's `agent_harness_id` (when its metadata has one), then the keys of the span data's own
 * `metadata` object not already present. Absent when both give nothing.
 *
 * @internal
 * @module
 */
import { isPlainObject } from "../serialize/_value_facts.ts";

/**
 * The span's export metadata, or `undefined` when there is none. Never throws (a metadata object
 * whose keys cannot be read gives what could be read).
 *
 * @param traceMetadata The metadata of the span's trace.
 * @param spanData The span data.
 * @returns The metadata to export, or `undefined`.
 */
export function spanExportMetadata(
  traceMetadata: Readonly<Record<string, unknown>> | null | undefined,
  spanData: unknown,
): Record<string, unknown> | undefined {
  const metadata: Record<string, unknown> = {};
  let found = false;
  try {
    const harness = traceMetadata?.agent_harness_id;
    if (harness !== undefined && harness !== null) {
      metadata.agent_harness_id = harness;
      found = true;
    }
    const own = (spanData as { metadata?: unknown } | null | undefined)?.metadata;
    if (typeof own === "object" && own !== null && isPlainObject(own)) {
      for (const [key, value] of Object.entries(own)) {
        if (key in metadata || value === undefined) continue;
        metadata[key] = value;
        found = true;
      }
    }
  } catch {
    // A getter that throws: what was read so far.
  }
  return found ? metadata : undefined;
}
