/**
 * A memory storage seen through a wrapper whose outbox has some operations replaced (a slow, a
 * failing or a legacy outbox), for the tests of what the exporter's outbox drain does with it.
 *
 * @module
 */
import type { MemoryStorage } from "../../src/storage/memory.ts";
import type { Outbox, TraceStorage } from "../../src/storage/types.ts";

/**
 * `memory` with some outbox operations replaced; the others, and every other storage operation,
 * are forwarded to it.
 *
 * @example
 * ```ts
 * const memory = new MemoryStorage();
 * const broken = withOutbox(memory, { enqueue: () => Promise.reject(new Error("disk full")) });
 * ```
 *
 * @param memory The storage underneath.
 * @param replaced The outbox operations to use instead of its own.
 * @returns The wrapper (kind `"wrapped"`).
 */
export function withOutbox(memory: MemoryStorage, replaced: Partial<Outbox>): TraceStorage {
  const outbox = memory.outbox;
  return {
    kind: "wrapped",
    appendLines: (p, l) => memory.appendLines(p, l),
    readLines: (p) => memory.readLines(p),
    putBlob: (k, b) => memory.putBlob(k, b),
    getBlob: (k) => memory.getBlob(k),
    hasBlob: (k) => memory.hasBlob(k),
    outbox: {
      enqueue: (input) => outbox.enqueue(input),
      peek: (limit, options) => outbox.peek(limit, options),
      update: (id, changes) => outbox.update(id, changes),
      ack: (id) => outbox.ack(id),
      bytes: () => outbox.bytes(),
      ...replaced,
    },
  };
}
