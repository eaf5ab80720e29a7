// A receiver (or a proxy before it) that refuses a body as too large answers 413: the exporter
// sends the batch again in halves, halved while refused, so every span a smaller request can
// carry arrives and only a span too large on its own is dropped (as http_413). Against a real
// loopback receiver with a body limit (Deno, Node, Bun) and a fetch stub with the same limit
// (every runtime, workerd included).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Diagnostic } from "../../src/diagnostics.ts";
import { OtlpHttpExporter } from "../../src/exporter/otlp_http.ts";
import { OTLP_JSON_ENCODER } from "../../src/otlp/encode_json.ts";
import type { ExportOutbox, UndeliveredBatch } from "../../src/exporter/otlp_outbox.ts";
import { assertArrived, withDiagnostics } from "../_support/otlp_helpers.ts";
import { OtlpReceiver } from "../_support/otlp_receiver.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { makeSpanRecord } from "../_support/span_records.ts";
import type { SpanRecord } from "../../src/types.ts";

/** `n` spans of one trace, each with a distinct ~`size`-character attribute (gzip cannot hide it). */
function bulkySpans(n: number, size = 2000): SpanRecord[] {
  return Array.from({ length: n }, (_, i) => {
    let text = "";
    for (let j = 0; text.length < size; j++) text += ((i * 7919 + j * 104729) % 1e9).toString(36);
    return makeSpanRecord({ name: `bulky-${i}`, attributes: { "gen_ai.prompt": text } });
  });
}

/** A fetch that answers 413 to bodies over `limit` bytes and 200 to others, recording both. */
function limitedFetch(limit: number) {
  const sizes: { bytes: number; status: number }[] = [];
  const fetch = (_url: string, init: RequestInit) => {
    const bytes = (init.body as Uint8Array).length;
    const status = bytes > limit ? 413 : 200;
    sizes.push({ bytes, status });
    return Promise.resolve(new Response(status == 200 ? "" : "too large", { status }));
  };
  return { fetch, sizes };
}

/** An outbox that keeps what is parked in memory (counting it persisted) and never drains. */
function parkingOutbox(): { outbox: ExportOutbox; parked: UndeliveredBatch[] } {
  const parked: UndeliveredBatch[] = [];
  const outbox: ExportOutbox = {
    park(_link, batch, _retryAfter, report) {
      parked.push(batch);
      report.persisted += batch.spanCount;
      return Promise.resolve();
    },
    drain: () => Promise.resolve(),
  };
  return { outbox, parked };
}

const splitWarnings = (list: Diagnostic[]) => list.filter((d) => d.code == "export_split");

describe("a 413 answer (body too large)", () => {
  it("sends the batch again in halves until each request fits: every span arrives once", {
    skip: isWorkerd,
  }, async () => {
    const receiver = await OtlpReceiver.start();
    const spans = bulkySpans(300);
    const exporter = new OtlpHttpExporter({ endpoint: receiver.url, timeoutMillis: 10_000 });
    try {
      await withDiagnostics(async (list) => {
        receiver.maxBodyBytes = 64 * 1024; // what 300 such spans take, gzipped, several times
        const report = await exporter.export(spans);
        assert.equal(report.exported, 300);
        assert.equal(report.retried, 300, "delivered by later requests than the first");
        assert.deepEqual(report.dropped, {});
        assert.equal(report.failed, 0);
        assertArrived(receiver, spans, 0);
        const refused = receiver.requests.filter((r) => r.outcome == "http_413");
        const accepted = receiver.requests.filter((r) => r.outcome == "http_200");
        assert.ok(
          refused.length >= 1 && accepted.length >= 2,
          JSON.stringify(receiver.requests.map((r) => r.outcome)),
        );
        // Spans stay in order across the parts.
        assert.deepEqual(accepted.flatMap((r) => r.spanIds), spans.map((s) => s.spanId));
        assert.ok(splitWarnings(list).length >= 1, "the split is reported");
      });
    } finally {
      await exporter.shutdown();
      await receiver.close();
    }
  });

  it("drops only a span too large for any request, as http_413; the others arrive", {
    skip: isWorkerd,
  }, async () => {
    const receiver = await OtlpReceiver.start();
    const spans = bulkySpans(40, 200);
    spans.splice(17, 0, ...bulkySpans(1, 200_000)); // one span far past the limit on its own
    const exporter = new OtlpHttpExporter({ endpoint: receiver.url, timeoutMillis: 10_000 });
    try {
      await withDiagnostics(async () => {
        receiver.maxBodyBytes = 16 * 1024;
        const report = await exporter.export(spans);
        assert.equal(report.exported, 40);
        assert.deepEqual(report.dropped, { http_413: 1 });
        assert.equal(report.failed, 0);
        assertArrived(receiver, spans.filter((_, i) => i != 17), 0);
        assert.ok(!receiver.acceptedCounts().has(spans[17].spanId));
      });
    } finally {
      await exporter.shutdown();
      await receiver.close();
    }
  });

  for (const json of [false, true]) {
    it(`splits ${json ? "OTLP/JSON" : "protobuf"} bodies the same way (fetch stub)`, async () => {
      const { fetch, sizes } = limitedFetch(json ? 24 * 1024 : 12 * 1024);
      const exporter = new OtlpHttpExporter({
        compression: "none",
        encoder: json ? OTLP_JSON_ENCODER : undefined,
        fetch,
      });
      await withDiagnostics(async (list) => {
        const report = await exporter.export(bulkySpans(64, 500));
        assert.deepEqual(
          { exported: report.exported, dropped: report.dropped, failed: report.failed },
          { exported: 64, dropped: {}, failed: 0 },
        );
        const refused = sizes.filter((s) => s.status == 413).length;
        assert.ok(refused >= 1, "the first body is refused");
        assert.equal(sizes.length, 2 * refused + 1, "each refused body became two requests");
        assert.ok(splitWarnings(list).length >= 1);
      });
      await exporter.shutdown();
    });
  }

  it("is bounded: a receiver refusing everything gets at most 2n - 1 requests, all spans counted", async () => {
    const { fetch, sizes } = limitedFetch(0);
    const exporter = new OtlpHttpExporter({ compression: "none", fetch });
    await withDiagnostics(async (list) => {
      const report = await exporter.export(bulkySpans(100, 10));
      assert.deepEqual(report.dropped, { http_413: 100 });
      assert.equal(report.exported, 0);
      assert.equal(sizes.length, 199);
      assert.ok(splitWarnings(list).length <= 1, "the split warning is throttled");
    });
    await exporter.shutdown();
  });

  it("stops splitting at the export's deadline: the rest is counted as deadline", async () => {
    let calls = 0;
    const exporter = new OtlpHttpExporter({
      compression: "none",
      timeoutMillis: 150,
      fetch: async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 40));
        return new Response("too large", { status: 413 });
      },
    });
    await withDiagnostics(async () => {
      const started = Date.now();
      const report = await exporter.export(bulkySpans(64, 10));
      assert.ok(Date.now() - started < 2000, "settles near its deadline");
      const dropped = Object.values(report.dropped).reduce((a, b) => a + b, 0);
      assert.equal(dropped + report.exported + report.failed, 64, "every span counted once");
      assert.ok((report.dropped.deadline ?? 0) > 0, JSON.stringify(report.dropped));
      assert.ok(calls < 20, `requests: ${calls}`);
    });
    await exporter.shutdown();
  });

  it("parks a half that then fails for another reason in the outbox, as a whole batch would be", async () => {
    const { outbox, parked } = parkingOutbox();
    let call = 0;
    const exporter = new OtlpHttpExporter({
      compression: "none",
      outbox,
      retry: { maxAttempts: 1 },
      fetch: () => {
        call++;
        // 1: the whole batch is too large; 2: the first half arrives; 3: the second half meets an outage.
        const status = call == 1 ? 413 : call == 2 ? 200 : 503;
        return Promise.resolve(new Response("", { status }));
      },
    });
    await withDiagnostics(async () => {
      const report = await exporter.export(bulkySpans(10, 10));
      assert.equal(report.exported, 5);
      assert.equal(report.persisted, 5);
      assert.deepEqual(report.dropped, {});
      assert.deepEqual(parked.map((p) => [p.spanCount, p.reason]), [[5, "http_503"]]);
    });
    await exporter.shutdown();
  });
  it("drops a single span refused as too large at once, with an outbox too (parking it cannot help)", async () => {
    const { outbox, parked } = parkingOutbox();
    const { fetch, sizes } = limitedFetch(0); // a receiver refusing everything as too large
    const exporter = new OtlpHttpExporter({ compression: "none", outbox, fetch });
    await withDiagnostics(async () => {
      const report = await exporter.export(bulkySpans(8, 10));
      assert.deepEqual(report.dropped, { http_413: 8 });
      assert.equal(report.persisted, 0);
      assert.deepEqual(parked, [], "nothing parked: the outbox would only fill with them");
      assert.equal(sizes.length, 15);
    });
    await exporter.shutdown();
  });

  it("keeps sending the halves when shutdown() comes during the split (it waits for the export)", async () => {
    let release!: () => void;
    const first = new Promise<void>((resolve) => release = resolve);
    let calls = 0;
    const exporter = new OtlpHttpExporter({
      compression: "none",
      fetch: async (_url, init) => {
        calls++;
        if (calls == 1) await first; // the whole batch: answered 413 once shutdown() has begun
        const bytes = (init.body as Uint8Array).length;
        return new Response("", { status: calls == 1 || bytes > 2000 ? 413 : 200 });
      },
    });
    await withDiagnostics(async () => {
      const exported = exporter.export(bulkySpans(16, 200));
      await new Promise((resolve) => setTimeout(resolve, 10));
      const closed = exporter.shutdown();
      release();
      const report = await exported;
      await closed;
      assert.equal(report.exported, 16, JSON.stringify(report));
      assert.deepEqual(report.dropped, {});
      assert.ok(calls >= 3);
      // After shutdown, a new export is not sent.
      const late = await exporter.export(bulkySpans(2, 10));
      assert.deepEqual(late.dropped, { shutdown: 2 });
    });
  });

  it("stops compressing and sending once the export is aborted mid-split; every span counted once", async () => {
    const controller = new AbortController();
    let compressed = 0;
    let sentAfterAbort = 0;
    const exporter = new OtlpHttpExporter({
      compress: (bytes) => {
        compressed++;
        return Promise.resolve(bytes);
      },
      fetch: () => {
        if (controller.signal.aborted) sentAfterAbort++;
        controller.abort("deadline"); // a processor's shutdown deadline passes during the first request
        return Promise.resolve(new Response("too large", { status: 413 }));
      },
    });
    await withDiagnostics(async () => {
      const report = await exporter.export(bulkySpans(256, 10), { signal: controller.signal });
      const dropped = Object.values(report.dropped).reduce((a, b) => a + b, 0);
      assert.equal(dropped + report.exported + report.persisted + report.failed, 256);
      assert.equal(report.dropped.deadline, 256, JSON.stringify(report));
      assert.equal(compressed, 1, "only the body sent before the abort was compressed");
      assert.equal(sentAfterAbort, 0);
    });
    await exporter.shutdown();
  });
});
