/**
 * Workload A, span lifecycle, through each side's tracer and batch processor into an exporter
 * that discards: A-flat (root span + 6 attributes + 1 event + end) and A-tree (a root with 10
 * children of 3 attributes each). One measured call makes 1024 flat spans or 100 trees, then
 * yields one event-loop turn so each batch processor can hand its full batches to the exporter
 * (as it would in a real program; both sides' queues hold 2048 spans); every span is checked to
 * reach the exporter, none dropped. The yield costs about 1 ns per span, the same on every side.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import type { Side } from "./_driver.ts";
import { type Mode, type Stat, time } from "./_stats.ts";

/** Flat spans per measured call. */
export const FLAT_PER_OP = 1024;
/** Trees per measured call. */
export const TREES_PER_OP = 100;

/** A side's A numbers. */
export interface SpanResult {
  readonly side: Side;
  readonly flat: Stat;
  readonly tree: Stat;
}

/** One event-loop turn. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function measureSide(side: Side, mode: Mode): Promise<SpanResult> {
  let received = 0;
  let created = 0;
  const p = side.pipeline((spans) => {
    received += spans.length;
  });
  const flat = await time(
    side.name,
    { unit: "span", perOp: FLAT_PER_OP, group: "flat" },
    async () => {
      p.flat(FLAT_PER_OP);
      created += FLAT_PER_OP;
      await turn();
    },
    mode,
  );
  const tree = await time(
    side.name,
    { unit: "tree", perOp: TREES_PER_OP, group: "tree" },
    async () => {
      p.tree(TREES_PER_OP);
      created += TREES_PER_OP * 11;
      await turn();
    },
    mode,
  );
  await p.shutdown();
  if (received !== created) {
    throw new Error(
      `Cannot trust workload A: ${side.name} exported ${received} of ${created} spans`,
    );
  }
  return { side, flat, tree };
}

/**
 * Runs workload A on every side, one after another in this process.
 *
 * @param sides The sides.
 * @param mode Full or smoke.
 * @returns One result per side.
 */
export async function runSpans(sides: readonly Side[], mode: Mode): Promise<SpanResult[]> {
  const results: SpanResult[] = [];
  for (const side of sides) results.push(await measureSide(side, mode));
  return results;
}
