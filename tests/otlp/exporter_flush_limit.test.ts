// The OTLP exporter's forceFlush(limit) follows the one rule of every public forceFlush: a number
// below 10^12 is a timeout in ms, a larger one an epoch-ms deadline, given bare or as the
// `deadline` of the options the processors pass. It read `{ deadline: 5000 }` as a deadline in
// 1970 (the outbox was not redelivered at all) and ignored a bare number (a flush then took up to
// `timeoutMillis`). Skipped in workerd (no node:http server there).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createOtlpExporter } from "../../src/exporter/otlp_factory.ts";
import type { OtlpHttpExporter } from "../../src/exporter/otlp_http.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { withDiagnostics } from "../_support/otlp_helpers.ts";
import { type OtlpReceiver, withReceiver } from "../_support/otlp_receiver.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { makeSpanBatch } from "../_support/span_records.ts";

/** An exporter to `receiver` with 4 spans parked in its outbox, due at once. */
async function withParked(receiver: OtlpReceiver): Promise<OtlpHttpExporter> {
  const exporter = createOtlpExporter({
    endpoint: receiver.url,
    storage: new MemoryStorage(),
    compression: "none",
    retry: { maxAttempts: 1 },
    outboxRetry: { initialDelayMillis: 0 },
    timeoutMillis: 5000,
  });
  receiver.plan({ status: 503 });
  assert.equal((await exporter.export(makeSpanBatch(4))).persisted, 4);
  return exporter;
}

describe("OtlpHttpExporter.forceFlush(limit)", { skip: isWorkerd }, () => {
  it("reads a `deadline` option below 10^12 as a timeout: the outbox is redelivered", () =>
    withReceiver((receiver) =>
      withDiagnostics(async () => {
        const exporter = await withParked(receiver);
        try {
          const report = await exporter.forceFlush({ deadline: 5000 });
          assert.equal(report.exported, 4);
        } finally {
          await exporter.shutdown();
        }
      })
    ));

  const limits: [string, () => number][] = [["timeout", () => 300], [
    "deadline",
    () => Date.now() + 300,
  ]];
  for (const [name, limit] of limits) {
    it(`keeps a bare ${name} (a receiver that never answers), not timeoutMillis`, () =>
      withReceiver((receiver) =>
        withDiagnostics(async () => {
          const exporter = await withParked(receiver);
          try {
            receiver.plan({ stall: true });
            const started = Date.now();
            const report = await exporter.forceFlush(limit());
            assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
            assert.equal(report.exported, 0);
          } finally {
            await exporter.shutdown();
          }
        })
      ));
  }
});
