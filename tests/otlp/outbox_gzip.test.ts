// The OTLP outbox keeps a batch as the gzip it was sent as: compressed once, parked compressed
// (so the outbox's byte bound holds several times more spans during an outage), redelivered as
// stored with `Content-Encoding: gzip`. Entries parked uncompressed (compression off, a failed
// gzip, an older version) still redeliver, and a parked gzip batch refused as too large is cut
// from its uncompressed body into gzip parts. Real loopback receiver; skipped in workerd (no
// node:http server there).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import { createOtlpExporter, type OtlpExporterOptions } from "../../src/exporter/otlp_factory.ts";
import { OTLP_PROTOBUF_ENCODER } from "../../src/otlp/encode_protobuf.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import type { TraceStorage } from "../../src/storage/types.ts";
import type { SpanRecord } from "../../src/types.ts";
import { assertArrived, delay, withDiagnostics } from "../_support/otlp_helpers.ts";
import { decodeTraceRequest, spanIdsOf } from "../_support/otlp_proto.ts";
import { withReceiver } from "../_support/otlp_receiver.ts";
import { outboxExporterOptions } from "../_support/outbox_options.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { makeSpanRecord, testId } from "../_support/span_records.ts";

const BACKOFF = 20;

/** Redelivery after BACKOFF ms, not doubling: every `waitDue()` makes the parked batches due. */
const options = (url: string, storage: TraceStorage, extra: OtlpExporterOptions = {}) =>
  outboxExporterOptions(url, storage, BACKOFF, {
    outboxRetry: { initialDelayMillis: BACKOFF, maxDelayMillis: BACKOFF },
    ...extra,
  });

/** `n` spans of one trace, with the attributes of a traced model call. */
function modelCalls(n: number, prefix: string): SpanRecord[] {
  const traceId = testId(16);
  return Array.from({ length: n }, (_, i) =>
    makeSpanRecord({
      traceId,
      name: `${prefix} chat gpt-4o-mini`,
      kind: "CLIENT",
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": 1200 + i,
        "gen_ai.usage.output_tokens": 80 + (i % 7),
        "server.address": "api.openai.com",
        "http.response.status_code": 200,
      },
    }));
}

/** The spans' ids, in order. */
const ids = (spans: SpanRecord[]): string[] => spans.map((s) => s.spanId);

/** Every due entry now: waits out the backoff. */
const waitDue = (): Promise<void> => delay(BACKOFF + 15);

describe("OTLP outbox keeps the gzip it sent", { skip: isWorkerd }, () => {
  it("compresses a batch once, however often it is redelivered", () =>
    withReceiver(async (receiver) => {
      let compressed = 0;
      const compress = (bytes: Uint8Array) => {
        compressed++;
        return Promise.resolve(new Uint8Array(gzipSync(bytes)));
      };
      const storage = new MemoryStorage();
      const exporter = createOtlpExporter(options(receiver.url, storage, { compress }));
      try {
        const spans = modelCalls(20, "once");
        receiver.plan({ status: 400 }, { status: 400 }, { status: 400 });
        assert.equal((await exporter.export(spans)).persisted, 20);
        for (let flush = 0; flush < 2; flush++) {
          await waitDue();
          assert.equal((await exporter.forceFlush()).exported, 0);
        }
        await waitDue();
        assert.equal((await exporter.forceFlush()).exported, 20);
        assert.equal(compressed, 1);
        assert.equal(receiver.requests.length, 4);
        for (const { headers } of receiver.requests) {
          assert.equal(headers["content-encoding"], "gzip");
          assert.equal(headers["content-type"], "application/x-protobuf");
        }
        assertArrived(receiver, spans, 0);
      } finally {
        await exporter.shutdown();
      }
    }));

  it("holds every batch of an outage whose gzip fits the byte bound, where the encoded batches do not", () =>
    withReceiver(async (receiver) => {
      const batches = Array.from({ length: 10 }, (_, i) => modelCalls(50, `batch ${i}`));
      const encoded = batches.map((b) => OTLP_PROTOBUF_ENCODER.encode(b).length);
      const gzipped = batches.map((b) => gzipSync(OTLP_PROTOBUF_ENCODER.encode(b)).length);
      const sum = (sizes: number[]) => sizes.reduce((a, b) => a + b, 0);
      // A bound of three encoded batches: ten fit only when kept compressed.
      const bound = 3 * encoded[0];
      assert.ok(sum(gzipped) < bound && sum(encoded) > bound, `${sum(gzipped)} ${bound}`);
      const storage = new MemoryStorage({ outboxMaxBytes: bound });
      // Not due again within the test: each export's drain leaves the parked batches alone.
      const exporter = createOtlpExporter(options(receiver.url, storage, {
        outboxRetry: { initialDelayMillis: 60_000, maxDelayMillis: 60_000 },
      }));
      try {
        receiver.plan(...batches.map(() => ({ status: 400 })));
        for (const batch of batches) {
          assert.deepEqual(await exporter.export(batch), {
            exported: 0,
            retried: 0,
            persisted: 50,
            dropped: {},
            failed: 0,
          });
        }
        const parked = await storage.outbox.peek(100);
        assert.deepEqual(
          parked.flatMap((entry) => spanIdsOf(decodeTraceRequest(gunzipSync(entry.body)))),
          ids(batches.flat()),
        );
      } finally {
        await exporter.shutdown();
      }
    }));

  it("redelivers a batch parked uncompressed as it is, to an exporter that compresses", () =>
    withReceiver(async (receiver) => {
      const storage = new MemoryStorage();
      const plain = createOtlpExporter(
        options(receiver.url, storage, { compression: "none" }),
      );
      const spans = modelCalls(6, "plain");
      try {
        receiver.plan({ status: 400 });
        assert.equal((await plain.export(spans)).persisted, 6);
      } finally {
        await plain.shutdown();
      }
      const [entry] = await storage.outbox.peek(1);
      assert.match(entry.contentType, /^application\/x-protobuf; tracelet-destination=/);
      assert.deepEqual(spanIdsOf(decodeTraceRequest(entry.body)), ids(spans));
      const gzip = createOtlpExporter(options(receiver.url, storage));
      try {
        await waitDue();
        assert.equal((await gzip.forceFlush()).exported, 6);
        const last = receiver.requests.at(-1)!;
        assert.equal(last.headers["content-encoding"], undefined);
        assert.equal(last.headers["content-type"], "application/x-protobuf");
        assertArrived(receiver, spans, 0);
      } finally {
        await gzip.shutdown();
      }
    }));

  it("sends and parks a batch uncompressed when gzip fails, with a gzip_failed warning", () =>
    withReceiver((receiver) =>
      withDiagnostics(async (list) => {
        const storage = new MemoryStorage();
        const compress = () => Promise.reject(new Error("no codec"));
        const exporter = createOtlpExporter(options(receiver.url, storage, { compress }));
        try {
          const spans = modelCalls(5, "failed gzip");
          receiver.plan({ status: 400 });
          assert.equal((await exporter.export(spans)).persisted, 5);
          assert.equal(receiver.requests[0].headers["content-encoding"], undefined);
          const [entry] = await storage.outbox.peek(1);
          assert.doesNotMatch(entry.contentType, /encoding=gzip/);
          assert.deepEqual(spanIdsOf(decodeTraceRequest(entry.body)), ids(spans));
          assert.ok(list.some((d) => d.code === "gzip_failed" && /no codec/.test(d.message)));
          await waitDue();
          assert.equal((await exporter.forceFlush()).exported, 5);
          assertArrived(receiver, spans, 0);
        } finally {
          await exporter.shutdown();
        }
      })
    ));

  it("cuts a parked gzip batch refused as too large into gzip parts, and stores parts gzip", () =>
    withReceiver(async (receiver) => {
      const storage = new MemoryStorage();
      const exporter = createOtlpExporter(options(receiver.url, storage));
      try {
        const spans = modelCalls(40, "large");
        receiver.plan({ status: 400 });
        assert.equal((await exporter.export(spans)).persisted, 40);
        const [whole] = await storage.outbox.peek(1);
        // The whole gzip body is refused (413); its halves fit. The first half is delivered, the
        // second answered 400: stored as a part of its own, gzip.
        receiver.maxBodyBytes = whole.body.length - 1;
        receiver.plan({ status: 200 }, { status: 400 });
        await waitDue();
        const first = await exporter.forceFlush();
        assert.equal(first.exported, 20);
        const [part, ...rest] = await storage.outbox.peek(10);
        assert.equal(rest.length, 0);
        assert.equal(part.spanCount, 20);
        assert.match(part.contentType, /^application\/x-protobuf; encoding=gzip; /);
        assert.deepEqual(
          spanIdsOf(decodeTraceRequest(gunzipSync(part.body))),
          ids(spans.slice(20)),
        );
        await waitDue();
        assert.equal((await exporter.forceFlush()).exported, 20);
        const sent = receiver.requests.filter((r) => r.outcome !== "413");
        for (const { headers } of sent) assert.equal(headers["content-encoding"], "gzip");
        assertArrived(receiver, spans, 0);
        assert.deepEqual(await storage.outbox.peek(10), []);
      } finally {
        await exporter.shutdown();
      }
    }));
});
