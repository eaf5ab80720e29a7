/**
 * One normalized event line as design_research_agents and tracelet's EventTracer write it, for the
 * analysis tests.
 *
 * @module
 */

/** The JSONL line of one event (`span_id` "s", index 0, no timestamps). */
export function eventLine(
  event_type: string,
  attributes: Record<string, unknown>,
  duration_ms: number | null = null,
  run_id: unknown = "r1",
): string {
  return JSON.stringify({
    event_type,
    run_id,
    span_id: "s",
    parent_span_id: null,
    timestamp: "",
    timestamp_ms: 0,
    duration_ms,
    attributes,
    event_index: 0,
  });
}
