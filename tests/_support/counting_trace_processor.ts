/**
 * A BatchTraceProcessor of the agent layer that counts what it exports, and a wait for such a
 * count: for the tests of what an export leaves reachable.
 *
 * @module
 */
import assert from "node:assert/strict";
import { addTraceProcessor, BatchTraceProcessor } from "../../src/agents/mod.ts";
import type { BatchTraceProcessorOptions } from "../../src/agents/mod.ts";

/** A processor of {@linkcode addCountingTraceProcessor} and how many items it has exported. */
export interface CountingTraceProcessor {
  /** The processor, added to the agent layer's trace processors. */
  readonly processor: BatchTraceProcessor;
  /** How many items it has exported so far. */
  readonly count: number;
}

/**
 * Makes a BatchTraceProcessor with `options` whose exporter counts the items it is given, and
 * adds it to the agent layer's trace processors.
 *
 * @example
 * ```ts
 * const counting = addCountingTraceProcessor({ scheduleDelay: 1 });
 * await trace("wf").run(async () => {});
 * await exportedCount(counting, 1);
 * ```
 *
 * @param options The processor's options.
 * @returns The processor and its count.
 */
export function addCountingTraceProcessor(
  options: BatchTraceProcessorOptions,
): CountingTraceProcessor {
  let count = 0;
  const processor = new BatchTraceProcessor({
    export: (items) => void (count += items.length),
  }, options);
  addTraceProcessor(processor);
  return {
    processor,
    get count() {
      return count;
    },
  };
}

/**
 * Waits (at most ~1 s) until `counter.count` reaches `count`, then asserts it is `count`.
 *
 * @param counter What counts the exported items.
 * @param count How many are expected.
 */
export async function exportedCount(
  counter: { readonly count: number },
  count: number,
): Promise<void> {
  for (let i = 0; i < 200 && counter.count < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.equal(counter.count, count);
}
