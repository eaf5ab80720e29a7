/**
 * Workload A, span lifecycle, through each side's tracer and batch processor into an exporter
 * that discards: A-flat (root span + 6 attributes + 1 event + end) and A-tree (a root with 10
 * children of 3 attributes each), with C's span floors measured in the same rounds (every case
 * takes turns, round after round). One measured call makes 1024 flat spans or 100 trees, then
 * yields one event-loop turn so each batch processor can hand its full batches to the exporter
 * (as it would in a real program; both sides' queues hold 2048 spans); every span is checked to
 * reach the exporter, none dropped. The yield costs about 1 ns per span, the same on every side.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import type { Pipeline, Side } from "./_driver.ts";
import { type Case, type Mode, type Stat, timeGroup } from "./_stats.ts";
import { floorFlat, floorTree } from "./workload_c_floors.ts";

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

/** The A numbers: the floor first, then one result per side. */
export interface SpansResult {
  readonly floorFlat: Stat;
  readonly floorTree: Stat;
  readonly sides: SpanResult[];
}

/**
 * Runs workload A: every side and C's span floors, interleaved round by round.
 *
 * @param sides The sides.
 * @param mode Full or smoke.
 * @returns The floor and one result per side.
 */
export async function runSpans(sides: readonly Side[], mode: Mode): Promise<SpansResult> {
  const runs = sides.map((side) => {
    const run = { side, received: 0, created: 0, pipeline: undefined as unknown as Pipeline };
    run.pipeline = side.pipeline((spans) => {
      run.received += spans.length;
    });
    return run;
  });
  const flatCases: Case[] = [
    {
      name: "floor (C)",
      opts: { unit: "span", perOp: FLAT_PER_OP, group: "flat" },
      fn: () => floorFlat(FLAT_PER_OP),
    },
    ...runs.map((run): Case => ({
      name: run.side.name,
      opts: { unit: "span", perOp: FLAT_PER_OP, group: "flat" },
      fn: async () => {
        run.pipeline.flat(FLAT_PER_OP);
        run.created += FLAT_PER_OP;
        await turn();
      },
    })),
  ];
  const treeCases: Case[] = [
    {
      name: "floor (C)",
      opts: { unit: "tree", perOp: TREES_PER_OP, group: "tree" },
      fn: () => floorTree(TREES_PER_OP),
    },
    ...runs.map((run): Case => ({
      name: run.side.name,
      opts: { unit: "tree", perOp: TREES_PER_OP, group: "tree" },
      fn: async () => {
        run.pipeline.tree(TREES_PER_OP);
        run.created += TREES_PER_OP * 11;
        await turn();
      },
    })),
  ];
  const [floorFlatStat, ...flat] = await timeGroup(flatCases, mode);
  const [floorTreeStat, ...tree] = await timeGroup(treeCases, mode);
  for (const run of runs) {
    await run.pipeline.shutdown();
    if (run.received !== run.created) {
      throw new Error(
        `Cannot trust workload A: ${run.side.name} exported ${run.received} of ${run.created} spans`,
      );
    }
  }
  return {
    floorFlat: floorFlatStat,
    floorTree: floorTreeStat,
    sides: runs.map((run, i) => ({ side: run.side, flat: flat[i], tree: tree[i] })),
  };
}
