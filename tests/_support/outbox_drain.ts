/** Test helper: drains an outbox with a slow delivery that always succeeds. */
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
