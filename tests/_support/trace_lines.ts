/**
 * Counting the local JSONL lines written for traces (one log per trace outside a run, under the
 * `default` project).
 *
 * @module
 */
import type { TraceStorage } from "../../src/storage/types.ts";

/**
 * The lines written to the logs of the traces of `roots`, together.
 *
 * @param storage The storage the local JSONL log writes to.
 * @param roots A root span of each trace.
 * @returns The number of lines.
 */
export async function traceLineCount(
  storage: TraceStorage,
  roots: readonly { readonly traceId: string }[],
): Promise<number> {
  let lines = 0;
  for (const root of roots) {
    lines += (await storage.readLines(["projects", "default", root.traceId, "spans.jsonl"])).length;
  }
  return lines;
}
