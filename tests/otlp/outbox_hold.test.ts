// The OTLP exporter's hold, with an outbox. A receiver that takes requests and never answers held
// each batch for the whole export timeout before it was parked: at a steady 300 spans/s, 71 % of
// the spans were dropped as `queue_full` while the outbox had room. After a request the receiver
// left unanswered for at least a quarter of the time an attempt gets, batches are parked without an
// attempt, and the outbox is not drained, for the export timeout, doubled at each such timeout
// after it up to a minute; a delivery (a batch or an outbox entry) starts the doubling over. A
// receiver's Retry-After holds them too. A real loopback receiver; skipped in workerd (no node:http
// server there).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createOtlpExporter } from "../../src/exporter/otlp_factory.ts";
import { BatchSpanProcessor } from "../../src/processor/batch.ts";
import { Tracer } from "../../src/tracer.ts";
import { makeSpanBatch } from "../_support/span_records.ts";
import { withReceiver } from "../_support/otlp_receiver.ts";
import { exportsTo, outboxExporter } from "../_support/outbox_exporter.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { until } from "../_support/ws_test_servers.ts";
import type { OtlpReceiver } from "../_support/otlp_receiver.ts";

const SILENT = { stall: true } as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Requests without a span: the exporter's probes. */
const probesOf = (receiver: OtlpReceiver) =>
  receiver.requests.filter((r) => r.spanIds.length == 0).length;

describe(
  "OTLP exporter with an outbox, receiver hanging or asking to wait",
  { skip: isWorkerd },
  () => {
    it("parks batches without an attempt after one ran out of time; an empty request probes", () =>
      withReceiver(async (receiver) => {
        // Holds of 1 s, then 2 s; every check is at least 500 ms away from the end of a hold.
        const { storage, exporter } = outboxExporter(receiver, { timeoutMillis: 1000 });
        const exportWith = exportsTo(receiver, exporter);
        const hung = await exportWith(SILENT);
        assert.equal(hung.attempted, 1);
        assert.equal(hung.report.persisted, 2);
        // Held: parked at once, nothing sent (the old exporter sent it, and was answered 200, the
        // receiver's answer when nothing is planned).
        const held = await exportWith();
        assert.deepEqual([held.attempted, held.report.persisted], [0, 2]);
        await sleep(1500);
        // The hold is over: the batch is parked at once, and an empty request probes the receiver
        // (it hangs again). The old exporter sent the batch as the probe and waited on it 1 s.
        const probed = await exportWith(SILENT);
        assert.equal(probed.report.persisted, 2);
        await until(() => receiver.requests.length == 2, "the probe");
        assert.equal(receiver.requests[1].spanIds.length, 0, "the probe carries no span");
        await sleep(1500);
        // Unanswered for its whole time: the next hold is 2 s.
        const stillHeld = await exportWith();
        assert.deepEqual([stillHeld.attempted, stillHeld.report.persisted], [0, 2]);
        await sleep(1500);
        // Answered (200) this time: the hold ends, and the next batch is sent. On a loaded machine
        // the hold can end a little later than planned: each export until the probe goes out is
        // parked as well (a fresh-clone run on Bun once exported here while still held).
        let parkedAfterHold = 0;
        for (const end = Date.now() + 5000; probesOf(receiver) < 2 && Date.now() < end;) {
          assert.equal((await exportWith()).report.persisted, 2);
          parkedAfterHold++;
          await until(() => probesOf(receiver) == 2, "the second probe", 300).catch(() => {});
        }
        await until(() => probesOf(receiver) == 2, "the second probe");
        await sleep(100);
        const delivered = await exportWith();
        assert.deepEqual([delivered.attempted, delivered.report.exported], [1, 2]);
        // An answer starts the doubling over: the next timeout holds for 1 s again, not 4.
        assert.equal((await exportWith(SILENT)).attempted, 1);
        await sleep(1500);
        assert.equal((await exportWith()).report.persisted, 2);
        await until(() => probesOf(receiver) == 3, "a probe 1 s after the timeout");
        assert.equal(
          (await storage.outbox.peek(100)).length,
          6 + parkedAfterHold,
          "every parked batch is kept",
        );
        await exporter.shutdown();
      }));

    it("sends no batch while the probe is unanswered, and none waits on it", () =>
      withReceiver(async (receiver) => {
        const { exporter } = outboxExporter(receiver, { timeoutMillis: 600 });
        const exportWith = exportsTo(receiver, exporter);
        await exportWith(SILENT);
        await sleep(800);
        receiver.plan(SILENT);
        await exportWith(); // starts the probe, which hangs for 600 ms
        await until(() => probesOf(receiver) == 1, "the probe");
        for (let i = 0; i < 3; i++) {
          const parked = await exportWith();
          assert.deepEqual([parked.attempted, parked.report.persisted], [0, 2]);
        }
        assert.equal((await exporter.forceFlush()).exported, 0);
        assert.equal(receiver.requests.length, 2, "the hung batch and the probe, nothing else");
        await exporter.shutdown();
      }));

    it("starts no hold when the caller's deadline, not the receiver, cut the request short", () =>
      withReceiver(async (receiver) => {
        const { exporter } = outboxExporter(receiver, { timeoutMillis: 5000 });
        receiver.plan({ status: 200, delayMs: 300 }); // a healthy receiver, a little slow
        const cut = await exporter.export(makeSpanBatch(2), { deadline: Date.now() + 100 });
        assert.equal(cut.persisted, 2);
        const next = await exportsTo(receiver, exporter)();
        assert.deepEqual([next.attempted, next.report.exported], [1, 2], "sent, not held");
        await exporter.shutdown();
      }));

    it("doubles the hold once for exports that time out together", () =>
      withReceiver(async (receiver) => {
        const { exporter } = outboxExporter(receiver, { timeoutMillis: 400 });
        receiver.plan(SILENT, SILENT);
        // Two requests hang; the third export waits its whole time for a request slot.
        const reports = await Promise.all([1, 2, 3].map(() => exporter.export(makeSpanBatch(2))));
        assert.deepEqual(reports.map((r) => r.persisted), [2, 2, 2]);
        await sleep(700); // past a 400 ms hold (the old exporter held for 1,600 ms)
        await exportsTo(receiver, exporter)();
        await until(() => probesOf(receiver) == 1, "the probe after 400 ms");
        await exporter.shutdown();
      }));

    it("keeps a hold when another export in flight then fails otherwise", () =>
      withReceiver(async (receiver) => {
        const { exporter } = outboxExporter(receiver, {
          timeoutMillis: 400,
          retry: { maxAttempts: 1 },
        });
        // The first request hangs (a 400 ms hold from ~400 ms); the second, sent 100 ms later, is
        // refused at ~450 ms, within its own 400 ms.
        receiver.plan(SILENT, { status: 503, delayMs: 350 });
        const first = exporter.export(makeSpanBatch(2));
        await sleep(100);
        await Promise.all([first, exporter.export(makeSpanBatch(2))]);
        const next = await exportsTo(receiver, exporter)();
        assert.deepEqual([next.attempted, next.report.persisted], [0, 2], "still held");
        await exporter.shutdown();
      }));

    it("does not drain the outbox while batches are held, nor until the probe is answered", () =>
      withReceiver(async (receiver) => {
        // Parked batches are due again at once.
        const { exporter } = outboxExporter(receiver, { timeoutMillis: 400, outboxDelayMillis: 1 });
        receiver.plan(SILENT);
        assert.equal((await exporter.export(makeSpanBatch(2))).persisted, 2);
        // Would be answered 200 (nothing planned): a drain now would wait out a hung receiver.
        assert.equal((await exporter.forceFlush()).exported, 0);
        assert.equal(receiver.requests.length, 1, "nothing sent while held");
        await sleep(600);
        // The hold is over: this flush sends the probe (answered 200), not the parked batch.
        assert.equal((await exporter.forceFlush()).exported, 0);
        await until(() => probesOf(receiver) == 1, "the probe");
        await sleep(100);
        assert.equal((await exporter.forceFlush()).exported, 2, "redelivered once it answered");
        await exporter.shutdown();
      }));

    it("holds the next batches for the receiver's Retry-After", () =>
      withReceiver(async (receiver) => {
        const { exporter } = outboxExporter(receiver, { retry: { maxAttempts: 1 } });
        receiver.plan({ status: 429, retryAfter: "1" });
        assert.equal((await exporter.export(makeSpanBatch(2))).persisted, 2);
        const before = receiver.requests.length;
        // Answered 200 if sent (nothing planned): the receiver asked for a second's rest.
        assert.equal((await exporter.export(makeSpanBatch(2))).persisted, 2);
        assert.equal(receiver.requests.length, before, "nothing sent during the Retry-After");
        await sleep(1200);
        assert.equal((await exporter.export(makeSpanBatch(2))).exported, 2);
        await exporter.shutdown();
      }));

    it("without an outbox, tries every batch (nothing else could keep it)", () =>
      withReceiver(async (receiver) => {
        const exporter = createOtlpExporter({ endpoint: receiver.url, timeoutMillis: 300 });
        receiver.plan(SILENT);
        assert.deepEqual((await exporter.export(makeSpanBatch(2))).dropped, { deadline: 2 });
        assert.equal((await exporter.export(makeSpanBatch(2))).exported, 2, "tried, and answered");
        await exporter.shutdown();
      }));

    it("parks every span of steady traffic to a receiver that never answers", () =>
      withReceiver(async (receiver) => {
        receiver.plan(...Array.from({ length: 1000 }, () => SILENT));
        const { exporter } = outboxExporter(receiver, { timeoutMillis: 300 });
        const tracer = new Tracer({
          processors: [
            new BatchSpanProcessor(exporter, {
              maxQueueSize: 1024,
              maxExportBatchSize: 64,
              scheduledDelayMillis: 10,
            }),
          ],
        });
        // 64 spans every 40 ms for about 2 s; each batch held for 300 ms would let 256 of every 300
        // spans overflow the queue.
        for (let batch = 0; batch < 48; batch++) {
          for (let i = 0; i < 64; i++) tracer.startSpan("work").end();
          await sleep(40);
        }
        const report = await tracer.shutdown(10_000);
        assert.deepEqual(report.dropped, {}, JSON.stringify(report));
        assert.equal(report.persisted, 48 * 64);
      }));
  },
);

// Through a fetch stub, so workerd runs it too.
describe("OTLP exporter's probe whose Worker invocation ended", () => {
  it("holds no request slot when it never settles: batches flow once the collector answers", async () => {
    // A probe runs in the background; on Workers the invocation that started it may end first,
    // and its fetch never settles. Each took one of the 2 request slots for good, so after two
    // such probes nothing was sent again, to a healthy collector too (0 of 40 batches).
    let mode: "hung" | "orphaned" | "up" = "hung";
    const fetch = (_url: string | URL | Request, init?: RequestInit) =>
      mode === "up"
        ? Promise.resolve(new Response(null, { status: 200 }))
        : new Promise<Response>((_, reject) => {
          // Hung: ends by the attempt's timeout. Orphaned: never ends.
          if (mode === "hung") {
            init!.signal!.addEventListener("abort", () => reject(new Error("x")));
          }
        });
    const exporter = createOtlpExporter({
      endpoint: "https://collector.test/v1/traces",
      fetch,
      storage: new MemoryStorage(),
      outboxRetry: { initialDelayMillis: 1 },
      timeoutMillis: 300,
      compression: "none",
    });
    await captureDiagnostics(async () => {
      assert.equal((await exporter.export(makeSpanBatch(2))).persisted, 2); // hangs: a hold
      mode = "orphaned";
      for (let i = 0; i < 2; i++) {
        await sleep(350);
        await exporter.export(makeSpanBatch(2)); // starts a probe that never settles
      }
      mode = "up";
      let exported = 0;
      for (let i = 0; i < 20 && exported === 0; i++) {
        await sleep(100);
        exported += (await exporter.export(makeSpanBatch(2))).exported;
      }
      assert.ok(exported > 0, "batches are sent again");
    });
  });
});
