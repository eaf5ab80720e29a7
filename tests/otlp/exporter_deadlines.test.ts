// Deadlines and abort signals of the OTLP/HTTP exporter, against a real loopback receiver: an
// export waiting for a request slot gives up at its deadline or abort without sending, a
// tracer's shutdown deadline reaches the final export, and timeouts too long for a timer still
// mean "wait". Skipped in workerd (no node:http server there), but for the outbox link's test.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createOtlpExporter } from "../../src/exporter/otlp_factory.ts";
import { OtlpHttpExporter } from "../../src/exporter/otlp_http.ts";
import type { ExportOutbox } from "../../src/exporter/otlp_outbox.ts";
import { BatchSpanProcessor } from "../../src/processor/batch.ts";
import { Tracer } from "../../src/tracer.ts";
import { captureDiagnostics, delay } from "../_support/otlp_helpers.ts";
import { withReceiver } from "../_support/otlp_receiver.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { makeSpanBatch } from "../_support/span_records.ts";

describe("OTLP/HTTP exporter deadlines", { skip: isWorkerd }, () => {
  for (const cause of ["deadline", "abort"] as const) {
    it(`an export waiting for a request slot gives up at its ${cause}, sending nothing`, () =>
      withReceiver(async (receiver) => {
        receiver.plan({ stall: true }, { stall: true });
        const exporter = new OtlpHttpExporter({ endpoint: receiver.url, compression: "none" });
        const holders = new AbortController();
        // Two stalled exports take both request slots (the default maximum is 2).
        const held = [1, 2].map((i) =>
          exporter.export(makeSpanBatch(1, `held${i}`), { signal: holders.signal })
        );
        await delay(50);
        const controller = new AbortController();
        if (cause === "abort") setTimeout(() => controller.abort(), 100);
        const started = Date.now();
        const report = await exporter.export(makeSpanBatch(1, "waiting"), {
          deadline: Date.now() + (cause === "abort" ? 5000 : 300),
          signal: controller.signal,
        });
        const elapsed = Date.now() - started;
        assert.ok(elapsed < 2000, `settled after ${elapsed} ms`);
        assert.deepEqual(report.dropped, { [cause === "abort" ? "aborted" : "deadline"]: 1 });
        assert.equal(receiver.requests.length, 2, "the waiting batch was never sent");

        // The slots come back: once the holders give up, the next export is delivered.
        holders.abort();
        await Promise.all(held);
        const next = await exporter.export(makeSpanBatch(2, "next"));
        assert.equal(next.exported, 2);
        await exporter.shutdown();
      }));
  }

  it("many exports waiting for one slot are delivered in turn, none twice", () =>
    withReceiver(async (receiver) => {
      receiver.plan(...Array.from({ length: 6 }, () => ({ status: 200, delayMs: 20 })));
      const exporter = new OtlpHttpExporter({
        endpoint: receiver.url,
        maxConcurrentRequests: 1,
      });
      const reports = await Promise.all(
        Array.from({ length: 6 }, (_, i) => exporter.export(makeSpanBatch(1, `b${i}`))),
      );
      assert.deepEqual(reports.map((r) => r.exported), [1, 1, 1, 1, 1, 1]);
      assert.equal(receiver.requests.length, 6);
      assert.equal(receiver.maxConcurrent, 1);
      await exporter.shutdown();
    }));

  it("tracer.shutdown(deadline) reaches the final export through the batch processor", () =>
    withReceiver(async (receiver) => {
      receiver.plan({ stall: true }, { stall: true }, { stall: true });
      const exporter = new OtlpHttpExporter({ endpoint: receiver.url, compression: "none" });
      const tracer = new Tracer({ processors: [new BatchSpanProcessor(exporter)] });
      tracer.startSpan("last").end();
      const started = Date.now();
      const report = await tracer.shutdown(Date.now() + 300);
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 3000, `shutdown(+300 ms) took ${elapsed} ms`);
      assert.deepEqual(report.dropped, { deadline: 1 });
    }));

  it("tracer.shutdown(deadline) is not held by an export a full batch started: every span is counted by then", () =>
    withReceiver(async (receiver) => {
      receiver.plan(...Array.from({ length: 6 }, () => ({ stall: true as const })));
      // The default 10 s export timeout and 30 s exportTimeoutMillis: the first export would hold
      // the shutdown (and the spans queued behind it) for that long.
      const exporter = createOtlpExporter({ endpoint: receiver.url });
      const tracer = new Tracer({
        processors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 2 })],
      });
      for (let i = 0; i < 6; i++) tracer.startSpan(`s${i}`).end();
      await delay(100); // the first batch is on the wire
      const { list, restore } = captureDiagnostics();
      const started = Date.now();
      const report = await tracer.shutdown(Date.now() + 500).finally(restore);
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 1400, `shutdown(+500 ms) took ${elapsed} ms`);
      assert.deepEqual(report.dropped, { deadline: 6 });
      assert.equal(report.exported, 0);
      assert.deepEqual(list.filter((d) => d.code === "processor_failed"), []);
      // Nothing runs on after the shutdown returned.
      const before = Date.now();
      await exporter.shutdown();
      assert.ok(Date.now() - before < 200, "no export still in flight");
    }));

  it('an export aborted with the reason "deadline" drops its spans as deadline, not aborted', () =>
    withReceiver(async (receiver) => {
      receiver.plan({ stall: true });
      const exporter = new OtlpHttpExporter({ endpoint: receiver.url, compression: "none" });
      const controller = new AbortController();
      setTimeout(() => controller.abort("deadline"), 100);
      const report = await exporter.export(makeSpanBatch(3), { signal: controller.signal });
      assert.deepEqual(report.dropped, { deadline: 3 });
      // Aborted before it started: the same.
      const late = await exporter.export(makeSpanBatch(2), { signal: controller.signal });
      assert.deepEqual(late.dropped, { deadline: 2 });
      await exporter.shutdown();
    }));

  it("a timeout beyond 2^31 - 1 ms waits for the answer instead of timing out at once", () =>
    withReceiver(async (receiver) => {
      const huge = 3_000_000_000;
      for (
        const options of [{ timeoutMillis: huge }, {
          timeoutMillis: huge,
          attemptTimeoutMillis: huge,
        }]
      ) {
        receiver.plan({ status: 200, delayMs: 50 });
        const exporter = createOtlpExporter({
          endpoint: receiver.url,
          ...options,
          retry: { maxAttempts: 2, initialDelayMillis: 10 },
        });
        const report = await exporter.export(makeSpanBatch(1));
        assert.equal(report.exported, 1, JSON.stringify(options));
        await exporter.shutdown();
      }
      assert.equal(receiver.requests.length, 2);
    }));

  it("a deadline that is not a number means none: the export is sent", () =>
    withReceiver(async (receiver) => {
      const exporter = new OtlpHttpExporter({
        endpoint: receiver.url,
        retry: { maxAttempts: 2, initialDelayMillis: 5 },
      });
      const report = await exporter.export(makeSpanBatch(2), { deadline: NaN });
      assert.equal(report.exported, 2);
      assert.equal((await exporter.forceFlush({ deadline: NaN })).exported, 0);
      await exporter.shutdown();
      assert.equal(receiver.requests.length, 1);
    }));
});

describe("OTLP/HTTP exporter: the link it lends an outbox", () => {
  it("send() with the signal left out (a custom outbox) makes one attempt and resolves", async () => {
    let fetches = 0;
    let sent: unknown = "not called";
    const outbox: ExportOutbox = {
      park: () => Promise.resolve(),
      async drain(link, deadline) {
        // A plain-JS outbox calling with three arguments: the signal is optional to it.
        const send = link.send as (body: Uint8Array, type: string, deadline: number) => unknown;
        try {
          sent = await send(new Uint8Array([1]), "application/x-protobuf", deadline);
        } catch (error) {
          sent = `rejected: ${error}`;
        }
      },
    };
    const exporter = new OtlpHttpExporter({
      endpoint: "http://127.0.0.1:9/v1/traces",
      outbox,
      fetch: () => {
        fetches++;
        return Promise.resolve(new Response("", { status: 503 }));
      },
    });
    await exporter.forceFlush({ deadline: Date.now() + 2000 });
    await exporter.shutdown();
    assert.equal((sent as { ok?: boolean }).ok, false, String(sent));
    assert.equal((sent as { attempts?: number }).attempts, 1);
    assert.equal(fetches, 1);
  });
});
