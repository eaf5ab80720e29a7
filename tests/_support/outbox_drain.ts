/** Test helpers: drain an outbox with a slow delivery that always succeeds, alone or two at once. */
import { drainOutbox, outboxRetryPolicy } from "../../src/exporter/_outbox.ts";
import { emptyReport } from "../../src/processor/report.ts";
import type { TraceStorage } from "../../src/storage/types.ts";

/**
 * Drains `storage`'s outbox for `destination`, each delivery taking 10 ms and succeeding, so two
 * concurrent drains overlap; the first byte of each delivered body goes into `delivered`.
 *
 * @param storage The storage whose outbox is drained.
 * @param destination The destination tag of the entries to deliver.
 * @param delivered Receives the first body byte of every delivery.
 * @returns How many spans the drain counted as exported.
 */
export async function slowDrain(
  storage: TraceStorage,
  destination: string,
  delivered: number[],
): Promise<number> {
  const report = emptyReport();
  await drainOutbox({
    outbox: storage.outbox,
    destination,
    policy: outboxRetryPolicy(),
    deadline: Date.now() + 10_000,
    report,
    deliver: async (e) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      delivered.push(e.body[0]);
      return { ok: true, attempts: 1, reason: "http_200" };
    },
  });
  return report.exported;
}

/**
 * Drains the outboxes of `a` and `b` (one shared outbox, seen by two storage objects) for
 * `destination` at once, each with {@linkcode slowDrain}.
 *
 * @param a One storage object.
 * @param b The other.
 * @param destination The destination tag of the entries to deliver.
 * @returns The first body byte of every delivery, sorted, and how many spans the two drains
 *   counted as exported together.
 */
export async function drainBoth(
  a: TraceStorage,
  b: TraceStorage,
  destination: string,
): Promise<{ delivered: number[]; exported: number }> {
  const delivered: number[] = [];
  const [first, second] = await Promise.all([
    slowDrain(a, destination, delivered),
    slowDrain(b, destination, delivered),
  ]);
  return { delivered: delivered.sort(), exported: first + second };
}
