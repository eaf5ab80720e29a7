/**
 * The JSONL line of an event: the bytes design_research_agents writes for it.
 *
 * @module
 */
import { pythonJsonDumps } from "../serialize/python_json.ts";
import type { JsonValue } from "../serialize/types.ts";
import type { TraceEvent } from "./event.ts";

/**
 * One event as its JSONL line, byte for byte as DRA writes it: Python's
 * `json.dumps(event, ensure_ascii=True)`, with the default separators `", "` and `": "` and every
 * character outside printable ASCII escaped.
 *
 * @param event The event.
 * @returns The line (no trailing newline).
 */
export function eventLine(event: TraceEvent): string {
  return pythonJsonDumps(event as unknown as JsonValue);
}
