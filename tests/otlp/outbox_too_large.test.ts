// A batch parked in the outbox during an outage may meet a body limit on redelivery (a
// Collector's, a proxy's: answered 413). The drain then sends it in halves from memory, halved
// again while refused, so every span arrives once, the outbox needs no room for the parts, and
// only a span too large on its own is dropped (http_413, at once). Parts left undelivered replace
// the entry. Against a real loopback receiver with a body limit over the memory and file-system
// outboxes (Deno, Node, Bun), and a fetch stub with the same limit (every runtime, workerd
// included). Also: an entry of the drain's page that the drain's own parts evict before its turn
// is not sent, and is counted dropped once (another exporter's park: outbox.test.ts).
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Diagnostic } from "../../src/diagnostics.ts";
import { createOtlpExporter, type OtlpExporterOptions } from "../../src/exporter/otlp_factory.ts";
import { OTLP_PROTOBUF_ENCODER } from "../../src/otlp/encode_protobuf.ts";
import { OTLP_JSON_ENCODER } from "../../src/otlp/encode_json.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import type { Outbox, TraceStorage } from "../../src/storage/types.ts";
import type { FlushReport, SpanRecord } from "../../src/types.ts";
import { assertArrived, delay, withDiagnostics } from "../_support/otlp_helpers.ts";
import { decodeTraceRequest, spanIdsOf } from "../_support/otlp_proto.ts";
import { OtlpReceiver } from "../_support/otlp_receiver.ts";
import { withOutbox } from "../_support/outbox_override.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { makeSpanRecord } from "../_support/span_records.ts";

const BACKOFF = 40;

/** `n` spans, each with a `size`-character attribute. */
function bulkySpans(n: number, size: number, name = "bulky"): SpanRecord[] {
  return Array.from(
    { length: n },
    (_, i) =>
      makeSpanRecord({ name: `${name}-${i}`, attributes: { "gen_ai.prompt": "p".repeat(size) } }),
  );
}

const ids = (spans: readonly SpanRecord[]) => spans.map((s) => s.spanId);
const splitWarnings = (list: Diagnostic[]) => list.filter((d) => d.code == "export_split");
const total = (reports: FlushReport[], pick: (r: FlushReport) => number) =>
  reports.reduce((sum, r) => sum + pick(r), 0);

/** Exporter options: one attempt per export (a refused batch is parked at once), no gzip. */
function options(
  endpoint: string,
  storage: TraceStorage,
  extra: OtlpExporterOptions = {},
): OtlpExporterOptions {
  return {
    endpoint,
    storage,
    compression: "none",
    retry: { maxAttempts: 1 },
    outboxRetry: { initialDelayMillis: 0 },
    timeoutMillis: 5000,
    ...extra,
  };
}

describe("an outbox entry refused as too large (413) on redelivery", { skip: isWorkerd }, () => {
  const storages: [string, () => { storage: TraceStorage; cleanup(): Promise<void> }][] = [
    ["memory", () => ({ storage: new MemoryStorage(), cleanup: () => Promise.resolve() })],
    ["node-fs", () => {
      const root = join(tmpdir(), `tracelet-outbox413-${crypto.randomUUID()}`);
      return {
        storage: new NodeFsStorage({ root }),
        cleanup: () => rm(root, { recursive: true, force: true }),
      };
    }],
  ];
  for (const [kind, open] of storages) {
    it(`is sent in halves, halved again while refused: every span arrives once, in order (${kind})`, async () => {
      const receiver = await OtlpReceiver.start();
      const { storage, cleanup } = open();
      const exporter = createOtlpExporter(options(receiver.url, storage));
      try {
        await withDiagnostics(async (list) => {
          const spans = bulkySpans(64, 1000);
          receiver.plan({ status: 503 }); // the outage: the batch is parked
          assert.equal((await exporter.export(spans)).persisted, 64);
          const [parked] = await storage.outbox.peek(10);
          // The receiver comes back behind a limit its halves exceed and its quarters meet.
          receiver.maxBodyBytes = Math.floor(parked.body.length / 3);
          const report = await exporter.forceFlush();
          assert.deepEqual(report, {
            exported: 64,
            retried: 64,
            persisted: 0,
            dropped: {},
            failed: 0,
          });
          assert.deepEqual(await storage.outbox.peek(10), []);
          assertArrived(receiver, spans, 0);
          const outcomes = receiver.requests.slice(1).map((r) => r.outcome);
          // The entry, its first half, that half's quarters, its second half and their quarters.
          const [refused, sent] = ["http_413", "http_200"];
          assert.deepEqual(outcomes, [refused, refused, sent, sent, refused, sent, sent]);
          const accepted = receiver.requests.filter((r) => r.outcome == "http_200");
          assert.deepEqual(accepted.flatMap((r) => r.spanIds), ids(spans));
          assert.ok(splitWarnings(list).length >= 1, "the split is reported");
        });
      } finally {
        await exporter.shutdown();
        await receiver.close();
        await storage.close?.();
        await cleanup();
      }
    });
  }

  it("drops a span too large on its own at once, as http_413, not stored again; the others arrive", async () => {
    const receiver = await OtlpReceiver.start();
    const storage = new MemoryStorage();
    const exporter = createOtlpExporter(options(receiver.url, storage, {
      outboxRetry: { initialDelayMillis: BACKOFF },
    }));
    try {
      await withDiagnostics(async (list) => {
        const spans = bulkySpans(20, 500);
        const [huge] = bulkySpans(1, 20_000, "huge");
        spans.splice(7, 0, huge);
        receiver.plan({ status: 503 });
        assert.equal((await exporter.export(spans)).persisted, 21);
        receiver.maxBodyBytes = 8 * 1024; // the 20 small spans need 2 requests; the huge one fits none
        await delay(BACKOFF + 10);
        const first = await exporter.forceFlush();
        assert.deepEqual([first.exported, first.retried, first.dropped], [20, 20, { http_413: 1 }]);
        assert.deepEqual(await storage.outbox.peek(10), []);
        assert.ok(list.some((d) => d.code == "export_dropped" && d.message.includes("413")));
        const requests = receiver.requests.length;
        await delay(2 * BACKOFF + 10);
        const second = await exporter.forceFlush();
        assert.deepEqual([second.exported, second.dropped], [0, {}]);
        assert.equal(receiver.requests.length, requests, "nothing is sent again");
        assertArrived(receiver, spans.filter((s) => s !== huge), 0);
        assert.ok(!receiver.acceptedCounts().has(huge.spanId));
      });
    } finally {
      await exporter.shutdown();
      await receiver.close();
    }
  });
});

/**
 * A receiver behind a body limit, as a fetch stub (so it runs in workerd too): 503 while `down`,
 * 413 to a body over `limit` bytes, else 200, counting the span ids it accepts.
 */
class LimitedReceiver {
  readonly endpoint = "http://127.0.0.1:9/v1/traces";
  down = true;
  limit = Infinity;
  /** Each request's status, in order. */
  readonly statuses: number[] = [];
  readonly #accepted = new Map<string, number>();
  readonly #json: boolean;
  readonly #lag: number;

  constructor(json: boolean, lag = 0) {
    this.#json = json;
    this.#lag = lag;
  }

  readonly fetch = async (_url: string | URL | Request, init?: RequestInit) => {
    if (this.#lag) await delay(this.#lag);
    const body = init?.body as Uint8Array;
    const status = this.down ? 503 : body.length > this.limit ? 413 : 200;
    this.statuses.push(status);
    if (status == 200) {
      const decoded = this.#json
        ? JSON.parse(new TextDecoder().decode(body))
        : decodeTraceRequest(body);
      for (const id of spanIdsOf(decoded)) {
        this.#accepted.set(id, (this.#accepted.get(id) ?? 0) + 1);
      }
    }
    return new Response(status == 200 && this.#json ? "{}" : "", { status });
  };

  /** How many times each span id was accepted (what `assertArrived` reads). */
  acceptedCounts(): Map<string, number> {
    return new Map(this.#accepted);
  }

  /** Options of an exporter that sends here. */
  options(storage: TraceStorage, extra: OtlpExporterOptions = {}): OtlpExporterOptions {
    const protocol = this.#json ? "http/json" as const : "http/protobuf" as const;
    return options(this.endpoint, storage, { fetch: this.fetch, protocol, ...extra });
  }
}

/** `assertArrived` for the stub (it reads only `acceptedCounts()`). */
const arrived = (stub: LimitedReceiver, spans: readonly SpanRecord[]) =>
  assertArrived(stub as unknown as OtlpReceiver, spans, 0);

/** How many bytes the outbox keeps for `spans`. */
const bodyLength = (spans: readonly SpanRecord[], json = true) =>
  (json ? OTLP_JSON_ENCODER : OTLP_PROTOBUF_ENCODER).encode(spans).length;

/** `memory` whose outbox enqueues through `enqueue` (its own enqueue is passed in). */
function withEnqueue(
  memory: MemoryStorage,
  enqueue: (own: Outbox["enqueue"], ...args: Parameters<Outbox["enqueue"]>) => ReturnType<
    Outbox["enqueue"]
  >,
): TraceStorage {
  return withOutbox(memory, {
    enqueue: (input) => enqueue((i) => memory.outbox.enqueue(i), input),
  });
}

/** Parks `spans` through an exporter while `stub` is down, then brings it back behind `limit`. */
async function parkThenLimit(
  exporter: { export(spans: readonly SpanRecord[]): Promise<FlushReport> },
  stub: LimitedReceiver,
  spans: readonly SpanRecord[],
  limit: number,
): Promise<void> {
  assert.equal((await exporter.export(spans)).persisted, spans.length);
  stub.down = false;
  stub.limit = limit;
}

describe("an outbox entry refused as too large (413) on redelivery (fetch stub)", () => {
  for (const json of [true, false]) {
    it(`is sent in halves, halved again while refused (${json ? "OTLP/JSON" : "protobuf"})`, {
      skip: !json && isWorkerd, // the protobuf decoder of the tests needs `Function`
    }, async () => {
      const stub = new LimitedReceiver(json);
      const storage = new MemoryStorage();
      const exporter = createOtlpExporter(stub.options(storage));
      await withDiagnostics(async (list) => {
        const spans = bulkySpans(24, 300);
        await parkThenLimit(exporter, stub, spans, Math.floor(bodyLength(spans, json) / 3));
        const report = await exporter.forceFlush();
        assert.deepEqual(report, {
          exported: 24,
          retried: 24,
          persisted: 0,
          dropped: {},
          failed: 0,
        });
        assert.deepEqual(stub.statuses, [503, 413, 413, 200, 200, 413, 200, 200]);
        assert.deepEqual(await storage.outbox.peek(10), []);
        arrived(stub, spans);
        assert.ok(splitWarnings(list).length >= 1);
      });
      await exporter.shutdown();
    });
  }

  it("keeps to the delivery budget: the half not sent replaces the entry, for the next drain", async () => {
    const stub = new LimitedReceiver(true);
    const storage = new MemoryStorage();
    const exporter = createOtlpExporter(
      stub.options(storage, { outboxRetry: { initialDelayMillis: 0, maxDeliveriesPerDrain: 2 } }),
    );
    await withDiagnostics(async () => {
      const spans = bulkySpans(24, 300);
      await parkThenLimit(exporter, stub, spans, Math.floor(bodyLength(spans) * 0.75));
      const first = await exporter.forceFlush(); // the refused entry and its first half
      assert.deepEqual(stub.statuses, [503, 413, 200]);
      const [half, ...rest] = await storage.outbox.peek(10);
      assert.equal(rest.length, 0);
      assert.deepEqual([half.spanCount, half.attempts, half.reason], [
        24 - first.exported,
        0,
        "http_413",
      ]);
      const second = await exporter.forceFlush();
      assert.equal(first.exported + second.exported, 24);
      assert.ok(first.exported > 0 && second.exported > 0);
      assert.deepEqual(await storage.outbox.peek(10), []);
      arrived(stub, spans);
    });
    await exporter.shutdown();
  });

  it("two drainers of a shared outbox send each span once", async () => {
    const stub = new LimitedReceiver(true, 3);
    const storage = new MemoryStorage();
    const settings = { outboxRetry: { initialDelayMillis: 0, maxDeliveriesPerDrain: 2 } };
    const a = createOtlpExporter(stub.options(storage, settings));
    const b = createOtlpExporter(stub.options(storage, settings));
    await withDiagnostics(async () => {
      const batches = ["a", "b", "c", "d"].map((name) => bulkySpans(8, 300, name));
      for (const batch of batches) assert.equal((await a.export(batch)).persisted, 8);
      stub.down = false;
      stub.limit = Math.floor(bodyLength(batches[0]) / 3);
      const reports: FlushReport[] = [];
      for (let round = 0; round < 30 && (await storage.outbox.peek(1)).length; round++) {
        reports.push(...await Promise.all([a.forceFlush(), b.forceFlush()]));
      }
      assert.equal(total(reports, (r) => r.exported), 32);
      assert.equal(total(reports, (r) => Object.keys(r.dropped).length + r.failed), 0);
      const byB = total(reports.filter((_, i) => i % 2 == 1), (r) => r.exported);
      assert.ok(byB > 0 && byB < 32, `both drained (b: ${byB})`);
      arrived(stub, batches.flat());
    });
    await a.shutdown();
    await b.shutdown();
  });

  for (const policy of ["oldest", "newest"] as const) {
    it(`needs no room for the halves: an outbox at its entry bound loses no other batch (${policy})`, async () => {
      const memory = new MemoryStorage({ outboxMaxEntries: 3, outboxDropPolicy: policy });
      const enqueued: number[] = [];
      const storage = withEnqueue(memory, (own, input) => {
        enqueued.push(input.spanCount);
        return own(input);
      });
      const stub = new LimitedReceiver(true);
      const exporter = createOtlpExporter(stub.options(storage));
      await withDiagnostics(async () => {
        const [e, f, g] = [
          bulkySpans(4, 300, "e"),
          bulkySpans(1, 300, "f"),
          bulkySpans(1, 300, "g"),
        ];
        for (const batch of [e, f]) {
          assert.equal((await exporter.export(batch)).persisted, batch.length);
        }
        await parkThenLimit(exporter, stub, g, Math.floor(bodyLength(e) * 0.75));
        const report = await exporter.forceFlush(); // e refused, its halves delivered; f; g
        assert.deepEqual([report.exported, report.dropped, report.failed], [6, {}, 0]);
        assert.deepEqual(enqueued, [4, 1, 1], "only the parked batches are stored");
        assert.deepEqual(await storage.outbox.peek(10), []);
        arrived(stub, [...e, ...f, ...g]);
      });
      await exporter.shutdown();
    });
  }

  it("keeps the entry as it was when the halves it has no delivery left for cannot be written", async () => {
    let broken = false;
    const storage = withEnqueue(
      new MemoryStorage(),
      (own, input) => broken ? Promise.reject(new Error("disk full")) : own(input),
    );
    const stub = new LimitedReceiver(true);
    const exporter = createOtlpExporter(
      stub.options(storage, { outboxRetry: { initialDelayMillis: 0, maxDeliveriesPerDrain: 1 } }),
    );
    await withDiagnostics(async () => {
      const spans = bulkySpans(24, 300);
      await parkThenLimit(exporter, stub, spans, Math.floor(bodyLength(spans) * 0.75));
      broken = true;
      const first = await exporter.forceFlush(); // the entry is refused; its halves must wait
      assert.deepEqual([first.exported, first.dropped, first.failed], [0, {}, 0]);
      const [kept, ...rest] = await storage.outbox.peek(10);
      assert.equal(rest.length, 0);
      assert.deepEqual([kept.spanCount, kept.attempts, kept.reason], [24, 1, "http_413"]);
      broken = false;
      const reports: FlushReport[] = [];
      for (let round = 0; round < 5 && (await storage.outbox.peek(1)).length; round++) {
        reports.push(await exporter.forceFlush()); // refused again: halves stored; then one each
      }
      assert.deepEqual(stub.statuses, [503, 413, 413, 200, 200]);
      assert.equal(total(reports, (r) => r.exported), 24);
      assert.equal(total(reports, (r) => Object.keys(r.dropped).length + r.failed), 0);
      arrived(stub, spans);
    });
    await exporter.shutdown();
  });

  it("counts a part that cannot be stored even in the entry's room as outbox_full", async () => {
    let calls = 0;
    const storage = withEnqueue(new MemoryStorage(), (own, input) =>
      // 1: parking; 2 and 3: the second half, not sent, beside the entry and in its room.
      ++calls >= 2
        ? Promise.resolve({ accepted: false, rejected: "full" as const, evicted: [] })
        : own(input));
    const stub = new LimitedReceiver(true);
    const exporter = createOtlpExporter(
      stub.options(storage, { outboxRetry: { initialDelayMillis: 0, maxDeliveriesPerDrain: 2 } }),
    );
    await withDiagnostics(async (list) => {
      const spans = bulkySpans(24, 300);
      await parkThenLimit(exporter, stub, spans, Math.floor(bodyLength(spans) * 0.75));
      const report = await exporter.forceFlush(); // the entry and its first half
      assert.equal(calls, 3);
      const lost = report.dropped.outbox_full ?? 0;
      assert.ok(report.exported > 0 && lost > 0, JSON.stringify(report));
      assert.equal(report.exported + lost, 24);
      assert.deepEqual(await storage.outbox.peek(10), []);
      arrived(stub, spans.slice(0, report.exported));
      assert.equal(stub.acceptedCounts().size, report.exported);
      assert.ok(list.some((d) => d.code == "outbox_full"));
    });
    await exporter.shutdown();
  });

  it("does not send a batch of its page that the parts it stores evict, and counts it once", async () => {
    // e (4 spans), f and g fill an outbox of 3 entries. e and its halves are refused, single
    // spans fit; the drain may start 3 deliveries: e, its first half, one quarter. The 2 parts
    // left replace e: the first takes e's room, the second evicts f, which the drain holds in
    // its page.
    const memory = new MemoryStorage({ outboxMaxEntries: 3 });
    const stub = new LimitedReceiver(true);
    const exporter = createOtlpExporter(
      stub.options(memory, { outboxRetry: { initialDelayMillis: 0, maxDeliveriesPerDrain: 3 } }),
    );
    await withDiagnostics(async () => {
      const [e, f, g] = [bulkySpans(4, 300, "e"), bulkySpans(1, 300, "f"), bulkySpans(1, 300, "g")];
      for (const batch of [e, f]) {
        assert.equal((await exporter.export(batch)).persisted, batch.length);
      }
      const limit = (bodyLength(f) + bodyLength(e.slice(0, 2))) / 2;
      await parkThenLimit(exporter, stub, g, Math.floor(limit));
      const first = await exporter.forceFlush();
      assert.deepEqual([first.exported, first.dropped], [1, { outbox_full: 1 }]);
      assert.deepEqual((await memory.outbox.peek(10)).map((entry) => entry.spanCount), [1, 1, 2]);
      const reports = [first];
      for (let round = 0; round < 5 && (await memory.outbox.peek(1)).length; round++) {
        reports.push(await exporter.forceFlush());
      }
      assert.equal(total(reports, (r) => r.exported), 5);
      assert.equal(total(reports, (r) => Object.keys(r.dropped).length + r.failed), 1);
      arrived(stub, [...e, ...g]);
      assert.ok(!stub.acceptedCounts().has(f[0].spanId), "f is not sent");
    });
    await exporter.shutdown();
  });
});
