// A batch parked in the outbox during an outage may meet a body limit on redelivery (a
// Collector's, a proxy's: answered 413). The drain then replaces the entry by its halves, due
// now, halved again while refused, so every span arrives once and only a span too large on its
// own is given up (after maxAttempts, as before). Against a real loopback receiver with a body
// limit over the memory and file-system outboxes (Deno, Node, Bun), and a fetch stub with the
// same limit (every runtime, workerd included).
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
    outbox: { initialBackoffMillis: 0 },
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
          assert.deepEqual(outcomes, [...Array(3).fill("http_413"), ...Array(4).fill("http_200")]);
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

  it("gives a span too large on its own up after maxAttempts, as before; the others arrive", async () => {
    const receiver = await OtlpReceiver.start();
    const storage = new MemoryStorage();
    const exporter = createOtlpExporter(options(receiver.url, storage, {
      outbox: { initialBackoffMillis: BACKOFF, maxAttempts: 2 },
    }));
    try {
      await withDiagnostics(async () => {
        const spans = bulkySpans(20, 500);
        const [huge] = bulkySpans(1, 20_000, "huge");
        spans.splice(7, 0, huge);
        receiver.plan({ status: 503 });
        assert.equal((await exporter.export(spans)).persisted, 21);
        receiver.maxBodyBytes = 8 * 1024; // the 20 small spans need 2 requests; the huge one fits none
        await delay(BACKOFF + 10);
        const first = await exporter.forceFlush();
        assert.deepEqual([first.exported, first.retried, first.dropped], [20, 20, {}]);
        const [left, ...rest] = await storage.outbox.peek(10);
        assert.equal(rest.length, 0);
        assert.deepEqual([left.spanCount, left.attempts, left.reason], [1, 1, "http_413"]);
        await delay(2 * BACKOFF + 10);
        const second = await exporter.forceFlush();
        assert.deepEqual([second.exported, second.dropped], [0, { outbox_expired: 1 }]);
        assert.deepEqual(await storage.outbox.peek(10), []);
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
  const { outbox } = memory;
  return {
    kind: "wrapped",
    appendLines: (p, l) => memory.appendLines(p, l),
    readLines: (p) => memory.readLines(p),
    putBlob: (k, b) => memory.putBlob(k, b),
    getBlob: (k) => memory.getBlob(k),
    hasBlob: (k) => memory.hasBlob(k),
    outbox: {
      enqueue: (input) => enqueue((i) => outbox.enqueue(i), input),
      peek: (limit, o) => outbox.peek(limit, o),
      update: (id, changes) => outbox.update(id, changes),
      ack: (id) => outbox.ack(id),
      bytes: () => outbox.bytes(),
    },
  };
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
        assert.deepEqual(stub.statuses, [503, 413, 413, 413, 200, 200, 200, 200]);
        assert.deepEqual(await storage.outbox.peek(10), []);
        arrived(stub, spans);
        assert.ok(splitWarnings(list).length >= 1);
      });
      await exporter.shutdown();
    });
  }

  it("keeps to the delivery budget: the halves wait for the next drain", async () => {
    const stub = new LimitedReceiver(true);
    const storage = new MemoryStorage();
    const exporter = createOtlpExporter(
      stub.options(storage, { outbox: { initialBackoffMillis: 0, maxDeliveriesPerDrain: 2 } }),
    );
    await withDiagnostics(async () => {
      const spans = bulkySpans(24, 300);
      await parkThenLimit(exporter, stub, spans, Math.floor(bodyLength(spans) * 0.75));
      const first = await exporter.forceFlush(); // the refused entry and its first half
      assert.deepEqual(stub.statuses, [503, 413, 200]);
      assert.equal((await storage.outbox.peek(10)).length, 1);
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
    const settings = { outbox: { initialBackoffMillis: 0, maxDeliveriesPerDrain: 2 } };
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

  for (
    const [policy, bound, enqueues] of [
      // The entry and one half fit, not both halves: the entry is removed to make room.
      ["drop-newest", 1.6, ["stored", "stored", "full", "stored"]],
      // Only one half fits beside the entry: storing it evicts the entry, which counts nothing.
      ["drop-oldest", 1.3, ["stored", "stored, evicted 24 spans", "stored"]],
    ] as const
  ) {
    it(`stores the halves in an outbox of ${bound} times the entry's size (${policy}), losing none`, async () => {
      const spans = bulkySpans(24, 300);
      const length = bodyLength(spans);
      const seen: string[] = [];
      const memory = new MemoryStorage({
        outboxMaxBytes: Math.ceil(bound * length),
        outboxPolicy: policy,
      });
      const storage = withEnqueue(memory, async (own, input) => {
        const result = await own(input);
        const evicted = result.evicted.reduce((n, e) => n + e.spanCount, 0);
        seen.push(
          result.rejected ?? (evicted ? `stored, evicted ${evicted} spans` : "stored"),
        );
        return result;
      });
      const stub = new LimitedReceiver(true);
      const exporter = createOtlpExporter(stub.options(storage));
      await withDiagnostics(async () => {
        await parkThenLimit(exporter, stub, spans, Math.floor(length * 0.75));
        const report = await exporter.forceFlush();
        assert.deepEqual([report.exported, report.dropped, report.failed], [24, {}, 0]);
        assert.deepEqual(seen, enqueues);
        assert.deepEqual(await storage.outbox.peek(10), []);
        arrived(stub, spans);
      });
      await exporter.shutdown();
    });
  }

  it("keeps the entry as it was when its first half cannot be written, and splits it later", async () => {
    let broken = false;
    const storage = withEnqueue(
      new MemoryStorage(),
      (own, input) => broken ? Promise.reject(new Error("disk full")) : own(input),
    );
    const stub = new LimitedReceiver(true);
    const exporter = createOtlpExporter(stub.options(storage));
    await withDiagnostics(async () => {
      const spans = bulkySpans(24, 300);
      await parkThenLimit(exporter, stub, spans, Math.floor(bodyLength(spans) * 0.75));
      broken = true;
      const first = await exporter.forceFlush();
      assert.deepEqual([first.exported, first.dropped, first.failed], [0, {}, 0]);
      const [kept, ...rest] = await storage.outbox.peek(10);
      assert.equal(rest.length, 0);
      assert.deepEqual([kept.spanCount, kept.attempts, kept.reason], [24, 1, "http_413"]);
      broken = false;
      const second = await exporter.forceFlush();
      assert.deepEqual([second.exported, second.dropped, second.failed], [24, {}, 0]);
      assert.deepEqual(await storage.outbox.peek(10), []);
      arrived(stub, spans);
    });
    await exporter.shutdown();
  });

  it("counts a half that cannot be stored even in the entry's room as outbox_full", async () => {
    let calls = 0;
    const storage = withEnqueue(new MemoryStorage(), (own, input) =>
      // 1: parking; 2: the first half; 3 and 4: the second half, beside the entry and in its room.
      ++calls >= 3
        ? Promise.resolve({ accepted: false, rejected: "full" as const, evicted: [] })
        : own(input));
    const stub = new LimitedReceiver(true);
    const exporter = createOtlpExporter(stub.options(storage));
    await withDiagnostics(async (list) => {
      const spans = bulkySpans(24, 300);
      await parkThenLimit(exporter, stub, spans, Math.floor(bodyLength(spans) * 0.75));
      const report = await exporter.forceFlush();
      assert.equal(calls, 4);
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
});
