// The OTLP exporter's durable outbox: undeliverable batches are parked in the storage adapter
// and redelivered (oldest first, honouring not-before) by later exports, forceFlush and new
// exporter instances. Each scenario checks by span id that every span arrived and how many
// arrived twice. Skipped in workerd (no node:http server there), but for the scenarios over a
// fetch stub.
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { describe, it } from "node:test";
import { TracerError } from "../../src/errors.ts";
import { createOtlpExporter, type OtlpExporterOptions } from "../../src/exporter/otlp_factory.ts";
import { OtlpOutbox } from "../../src/exporter/otlp_outbox.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import type { OutboxEntry, TraceStorage } from "../../src/storage/types.ts";
import type { FlushReport } from "../../src/types.ts";
import { assertArrived, delay, withDiagnostics } from "../_support/otlp_helpers.ts";
import { decodeTraceRequest, spanIdsOf } from "../_support/otlp_proto.ts";
import { OtlpReceiver, withReceiver } from "../_support/otlp_receiver.ts";
import { outboxExporterOptions } from "../_support/outbox_options.ts";
import { withOutbox } from "../_support/outbox_override.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { makeSpanBatch, makeSpanRecord } from "../_support/span_records.ts";

const skip = isWorkerd;
const BACKOFF = 40;

const options = (url: string, storage: TraceStorage, extra: OtlpExporterOptions = {}) =>
  outboxExporterOptions(url, storage, BACKOFF, extra);

async function entries(storage: TraceStorage): Promise<OutboxEntry[]> {
  return await storage.outbox.peek(100);
}

const total = (reports: FlushReport[], pick: (r: FlushReport) => number) =>
  reports.reduce((sum, r) => sum + pick(r), 0);

describe("OTLP exporter outbox", { skip }, () => {
  it("parks a batch answered 400 with its reason, the gzip body it sent and not-before time", () =>
    withReceiver(async (receiver) => {
      const storage = new MemoryStorage();
      const exporter = createOtlpExporter(options(receiver.url, storage));
      try {
        receiver.plan({ status: 400 });
        const spans = makeSpanBatch(4);
        const before = Date.now();
        const report = await exporter.export(spans);
        assert.deepEqual(report, { exported: 0, retried: 0, persisted: 4, dropped: {}, failed: 0 });
        const [entry, ...rest] = await entries(storage);
        assert.equal(rest.length, 0);
        assert.equal(entry.reason, "http_400");
        assert.equal(entry.spanCount, 4);
        assert.match(
          entry.contentType,
          /^application\/x-protobuf; encoding=gzip; tracelet-destination=[0-9a-f]{8}$/,
        );
        assert.equal(entry.attempts, 0);
        assert.ok(entry.notBefore >= before + BACKOFF);
        assert.deepEqual(
          spanIdsOf(decodeTraceRequest(gunzipSync(entry.body))),
          spans.map((s) => s.spanId),
        );
        // Due later: forceFlush redelivers it and the outbox empties.
        await delay(BACKOFF + 10);
        const flushed = await exporter.forceFlush();
        assert.deepEqual(flushed, {
          exported: 4,
          retried: 4,
          persisted: 0,
          dropped: {},
          failed: 0,
        });
        assert.deepEqual(await entries(storage), []);
        assertArrived(receiver, spans, 0);
        // Redelivered as stored: gzip, the marker sent as the content encoding.
        const redelivery = receiver.requests.at(-1)!.headers;
        assert.equal(redelivery["content-type"], "application/x-protobuf");
        assert.equal(redelivery["content-encoding"], "gzip");
      } finally {
        await exporter.shutdown();
      }
    }));

  it("redelivers with a new exporter instance after the receiver was down a whole run", () =>
    withDiagnostics(async () => {
      const probe = await OtlpReceiver.start();
      const { port, url } = probe;
      await probe.close(); // down for the whole first run
      const storage = new MemoryStorage();
      const first = createOtlpExporter(options(url, storage));
      const early = makeSpanBatch(3, "early");
      const later = makeSpanBatch(2, "later");
      assert.equal((await first.export(early)).persisted, 3);
      assert.equal((await first.export(later)).persisted, 2);
      await first.shutdown();
      assert.deepEqual((await entries(storage)).map((e) => e.reason), ["network", "network"]);

      const receiver = await OtlpReceiver.start(port); // up again for the next process
      const second = createOtlpExporter(options(url, storage));
      try {
        await delay(BACKOFF + 10);
        const fresh = makeSpanBatch(4, "fresh");
        const report = await second.export(fresh);
        assert.deepEqual(report, { exported: 9, retried: 5, persisted: 0, dropped: {}, failed: 0 });
        assert.deepEqual(await entries(storage), []);
        // Oldest first: the parked batches go out before the new one.
        assert.deepEqual(receiver.requests.map((r) => r.spanIds.length), [3, 2, 4]);
        assert.deepEqual(receiver.requests[0].spanIds, early.map((s) => s.spanId));
        assertArrived(receiver, [...early, ...later, ...fresh], 0);
      } finally {
        await second.shutdown();
        await receiver.close();
      }
    }));

  it("honours not-before: nothing is sent before an entry is due", () =>
    withReceiver(async (receiver) => {
      const storage = new MemoryStorage();
      const exporter = createOtlpExporter(
        options(receiver.url, storage, { outboxRetry: { initialDelayMillis: 60_000 } }),
      );
      try {
        receiver.plan({ status: 503 }, { status: 503 });
        const spans = makeSpanBatch(2);
        assert.equal((await exporter.export(spans)).persisted, 2);
        const requests = receiver.requests.length;
        assert.deepEqual(await exporter.forceFlush(), {
          exported: 0,
          retried: 0,
          persisted: 0,
          dropped: {},
          failed: 0,
        });
        assert.equal(receiver.requests.length, requests);
        const [entry] = await entries(storage);
        assert.equal(entry.reason, "http_503");
        assert.ok(entry.notBefore - entry.createdAt >= 60_000);
      } finally {
        await exporter.shutdown();
      }
    }));

  it("stores the server's Retry-After as the not-before time when it ends past the deadline", () =>
    withReceiver(async (receiver) => {
      const storage = new MemoryStorage();
      const exporter = createOtlpExporter(options(receiver.url, storage));
      try {
        receiver.plan({ status: 429, retryAfter: "120" });
        assert.equal((await exporter.export(makeSpanBatch(1))).persisted, 1);
        const [entry] = await entries(storage);
        assert.equal(entry.reason, "http_429");
        assert.ok(entry.notBefore - entry.createdAt >= 119_000);
      } finally {
        await exporter.shutdown();
      }
    }));

  it("backs a failed redelivery off (doubling) and keeps draining past a non-retryable entry", () =>
    withReceiver(async (receiver) => {
      const storage = new MemoryStorage();
      const exporter = createOtlpExporter(options(receiver.url, storage));
      try {
        receiver.plan({ status: 400 }, { status: 400 });
        const poison = makeSpanBatch(1, "poison");
        const good = makeSpanBatch(2, "good");
        await exporter.export(poison);
        await exporter.export(good);
        await delay(BACKOFF + 10);
        receiver.plan({ status: 400 }); // poison fails again; good goes through
        const before = Date.now();
        const report = await exporter.forceFlush();
        assert.deepEqual(report, { exported: 2, retried: 2, persisted: 0, dropped: {}, failed: 0 });
        const [left, ...rest] = await entries(storage);
        assert.equal(rest.length, 0);
        assert.equal(left.attempts, 1);
        // Measured from before the failed try (not from now: a busy machine is slow to get here).
        assert.ok(left.notBefore - before >= 2 * BACKOFF, "second delay is doubled");
        assertArrived(receiver, good, 0);
      } finally {
        await exporter.shutdown();
      }
    }));

  it("gives an entry up after maxAttempts redeliveries, counted as outbox_expired", () =>
    withReceiver(async (receiver) => {
      const storage = new MemoryStorage();
      const exporter = createOtlpExporter(options(receiver.url, storage, {
        outboxRetry: { initialDelayMillis: 1, maxAttempts: 1 },
      }));
      try {
        receiver.plan({ status: 400 }, { status: 400 });
        await exporter.export(makeSpanBatch(3));
        await delay(5);
        const report = await exporter.forceFlush();
        assert.deepEqual(report.dropped, { outbox_expired: 3 });
        assert.deepEqual(await entries(storage), []);
      } finally {
        await exporter.shutdown();
      }
    }));

  it("counts batches evicted by the outbox byte bound as outbox_full", () =>
    withReceiver(async (receiver) => {
      const first = makeSpanBatch(4, "first");
      const second = makeSpanBatch(4, "second");
      const storage = new MemoryStorage({ outboxMaxBytes: 700 });
      // Uncompressed, so that one batch fits the bound and two do not.
      const exporter = createOtlpExporter(options(receiver.url, storage, { compression: "none" }));
      try {
        receiver.plan({ status: 400 }, { status: 400 });
        assert.equal((await exporter.export(first)).persisted, 4);
        const report = await exporter.export(second);
        assert.deepEqual(report, {
          exported: 0,
          retried: 0,
          persisted: 4,
          dropped: { outbox_full: 4 },
          failed: 0,
        });
        assert.deepEqual((await entries(storage)).map((e) => e.spanCount), [4]);
      } finally {
        await exporter.shutdown();
      }
    }));

  for (const redelivery of [200, 400]) {
    it(`counts a batch evicted while it is redelivered once (redelivery answered ${redelivery})`, () =>
      withReceiver(async (receiver) => {
        const storage = new MemoryStorage({ outboxMaxEntries: 1 });
        const exporter = createOtlpExporter(
          options(receiver.url, storage, { outboxRetry: { initialDelayMillis: 0 } }),
        );
        const [a, b, c] = ["a", "b", "c"].map((name) => makeSpanBatch(2, name));
        try {
          // a is parked; exporting b redelivers a slowly; meanwhile c is parked and evicts a.
          receiver.plan({ status: 400 }, { status: redelivery, delayMs: 300 }, { status: 400 });
          const first = await exporter.export(a);
          const second = exporter.export(b);
          await delay(100);
          const third = await exporter.export(c);
          const reports = [first, await second, third];
          const sum = (pick: (r: typeof first) => number) =>
            reports.reduce((total, r) => total + pick(r), 0);
          const dropped = sum((r) => r.dropped.outbox_full ?? 0);
          if (redelivery === 200) {
            assert.deepEqual([sum((r) => r.exported), dropped], [4, 0]); // a and b, not a drop
            assertArrived(receiver, a, 0);
          } else {
            assert.deepEqual([sum((r) => r.exported), dropped], [2, 2]); // b; a lost, once
          }
          assert.equal(sum((r) => r.persisted), 4); // a, then c
          assert.deepEqual((await entries(storage)).map((e) => e.spanCount), [2]);
        } finally {
          await exporter.shutdown();
        }
      }));
  }

  it("counts a batch given up while an enqueue evicts it once, when the eviction is reported late", () =>
    withReceiver(async (receiver) => {
      const memory = new MemoryStorage({ outboxMaxEntries: 1 });
      // The enqueue's result arrives well after the store changed, as over a Durable Object RPC.
      const storage = withOutbox(memory, {
        enqueue: async (input) => {
          const result = await memory.outbox.enqueue(input);
          await delay(400);
          return result;
        },
      });
      const exporter = createOtlpExporter(
        options(receiver.url, storage, { outboxRetry: { initialDelayMillis: 0, maxAttempts: 1 } }),
      );
      const [a, b, c] = ["a", "b", "c"].map((name) => makeSpanBatch(2, name));
      try {
        // a is parked; exporting b redelivers a (answered 400 after 300 ms: a is given up);
        // meanwhile c is parked and evicts a, and that is reported only after the give-up.
        receiver.plan({ status: 400 }, { status: 400, delayMs: 300 }, { status: 400 });
        const first = await exporter.export(a);
        const second = exporter.export(b);
        await delay(100);
        const third = await exporter.export(c);
        const reports = [first, await second, third];
        const dropped = reports.reduce(
          (total, r) => total + Object.values(r.dropped).reduce((sum, n) => sum + n, 0),
          0,
        );
        assert.equal(dropped, 2); // a, once
        assert.equal(reports.reduce((total, r) => total + r.persisted, 0), 4); // a, then c
      } finally {
        await exporter.shutdown();
      }
    }));

  it("redelivers each parked batch only to its own endpoint when exporters share a storage", () =>
    withDiagnostics(async () => {
      const a = await OtlpReceiver.start();
      const b = await OtlpReceiver.start();
      const storage = new MemoryStorage();
      const toA = createOtlpExporter(options(a.url, storage));
      const toB = createOtlpExporter(options(b.url, storage, { protocol: "http/json" }));
      try {
        a.plan({ status: 400 });
        b.plan({ status: 400 });
        const forA = makeSpanBatch(2, "a");
        const forB = makeSpanBatch(3, "b");
        await toA.export(forA);
        await toB.export(forB);
        await delay(BACKOFF + 10);
        assert.equal((await toB.forceFlush()).exported, 3);
        assert.equal((await toA.forceFlush()).exported, 2);
        assertArrived(a, forA, 0);
        assertArrived(b, forB, 0);
        assert.deepEqual(a.acceptedCounts().size, 2);
        assert.deepEqual(b.acceptedCounts().size, 3);
        assert.equal(b.requests[1].headers["content-type"], "application/json");
      } finally {
        await toA.shutdown();
        await toB.shutdown();
        await a.close();
        await b.close();
      }
    }));

  it("redelivers batches parked under a key the next exporter has rotated in the query string", () =>
    withDiagnostics(async () => {
      const receiver = await OtlpReceiver.start();
      const storage = new MemoryStorage();
      const old = createOtlpExporter(
        options(`${receiver.url}?api_key=OLD-KEY-1&env=prod`, storage),
      );
      const next = createOtlpExporter(
        options(`${receiver.url}?api_key=NEW-KEY-2&env=prod`, storage),
      );
      try {
        receiver.plan({ status: 400 });
        const parked = makeSpanBatch(3, "parked");
        assert.equal((await old.export(parked)).persisted, 3);
        await old.shutdown(); // the process that parked them is gone
        await delay(BACKOFF + 10);
        const fresh = makeSpanBatch(1, "fresh");
        const reports = [await next.export(fresh), await next.forceFlush()];
        assert.equal(total(reports, (r) => r.exported), 4, "the parked batch and the fresh one");
        assertArrived(receiver, [...parked, ...fresh], 0);
        assert.ok(receiver.requests.at(-1)!.path.includes("NEW-KEY-2"), "sent with the new key");
        assert.equal((await entries(storage)).length, 0);
      } finally {
        await next.shutdown();
        await receiver.close();
      }
    }));

  for (
    const [what, backlog] of [
      // Due, but tagged for some other endpoint.
      ["another endpoint's entries", {
        contentType: "application/x-protobuf; tracelet-destination=0badc0de",
        notBefore: 0,
      }],
      ["entries not due yet", { notBefore: Date.now() + 3_600_000 }],
    ] as const
  ) {
    it(`redelivers a due batch parked behind more than a page of ${what}`, () =>
      withReceiver(async (receiver) => {
        const storage = new MemoryStorage();
        for (let i = 0; i < 40; i++) { // more than one 32-entry page
          await storage.outbox.enqueue({
            body: new Uint8Array([i]),
            contentType: "application/x-protobuf",
            spanCount: 1,
            reason: "network",
            createdAt: Date.now(),
            attempts: 0,
            ...backlog,
          });
        }
        const exporter = createOtlpExporter(options(receiver.url, storage));
        try {
          receiver.plan({ status: 400 });
          const spans = makeSpanBatch(2, "mine");
          assert.equal((await exporter.export(spans)).persisted, 2);
          await delay(BACKOFF + 10);
          assert.equal((await exporter.forceFlush()).exported, 2);
          assertArrived(receiver, spans, 0);
          assert.equal(receiver.requests.length, 2); // the parked try and the redelivery only
          assert.equal((await entries(storage)).length, 40); // the backlog is left alone
        } finally {
          await exporter.shutdown();
        }
      }));
  }

  it("parks again in a newest-dropping outbox full of an old endpoint's expired batches", () =>
    withReceiver(async (receiver) => {
      const storage = new MemoryStorage({ outboxMaxEntries: 1, outboxDropPolicy: "newest" });
      const old = Date.now() - 8 * 24 * 60 * 60 * 1000;
      const parked = await storage.outbox.enqueue({
        body: new Uint8Array([1]),
        contentType: "application/x-protobuf; tracelet-destination=0badc0de",
        spanCount: 5,
        reason: "http_401",
        createdAt: old,
        notBefore: 0,
        attempts: 0,
      });
      assert.equal(parked.accepted, true);
      const exporter = createOtlpExporter(options(receiver.url, storage));
      try {
        receiver.plan({ status: 400 });
        const report = await exporter.export(makeSpanBatch(2));
        assert.deepEqual(report, {
          exported: 0,
          retried: 0,
          persisted: 2,
          dropped: { outbox_expired: 5 },
          failed: 0,
        });
        assert.deepEqual((await entries(storage)).map((e) => e.spanCount), [2]);
      } finally {
        await exporter.shutdown();
      }
    }));

  it("redelivers at most maxDeliveriesPerDrain batches per drain, oldest first", () =>
    withReceiver(async (receiver) => {
      const storage = new MemoryStorage();
      const exporter = createOtlpExporter(
        options(receiver.url, storage, {
          outboxRetry: { initialDelayMillis: BACKOFF, maxDeliveriesPerDrain: 2 },
        }),
      );
      try {
        receiver.plan({ status: 400 }, { status: 400 }, { status: 400 });
        const batches = ["a", "b", "c"].map((name) => makeSpanBatch(1, name));
        for (const batch of batches) await exporter.export(batch);
        await delay(BACKOFF + 10);
        assert.equal((await exporter.forceFlush()).exported, 2);
        assert.equal((await entries(storage)).length, 1);
        assert.equal((await exporter.forceFlush()).exported, 1);
        assertArrived(receiver, batches.flat(), 0);
        assert.deepEqual(receiver.requests.slice(3).map((r) => r.spanIds), [
          batches[0].map((s) => s.spanId),
          batches[1].map((s) => s.spanId),
          batches[2].map((s) => s.spanId),
        ]);
      } finally {
        await exporter.shutdown();
      }
    }));

  it("drains an outbox that ignores the peek options without looping or redelivering twice", () =>
    withReceiver(async (receiver) => {
      const memory = new MemoryStorage();
      const legacy = withOutbox(memory, {
        peek: (limit: number) => memory.outbox.peek(limit), // an Outbox written before options
      });
      const exporter = createOtlpExporter(options(receiver.url, legacy));
      try {
        receiver.plan({ status: 400 }, { status: 400 });
        const first = makeSpanBatch(2, "first");
        const second = makeSpanBatch(1, "second");
        await exporter.export(first);
        await exporter.export(second);
        await delay(BACKOFF + 10);
        assert.equal((await exporter.forceFlush()).exported, 3);
        assertArrived(receiver, [...first, ...second], 0);
        assert.deepEqual(await entries(memory), []);
      } finally {
        await exporter.shutdown();
      }
    }));

  it("counts spans as failed when the outbox itself cannot be written", () =>
    withReceiver((receiver) =>
      withDiagnostics(async (diagnostics) => {
        const memory = new MemoryStorage();
        const broken = withOutbox(memory, {
          enqueue: () => Promise.reject(new Error("disk full")),
          peek: () => Promise.resolve([]),
        });
        const exporter = createOtlpExporter(options(receiver.url, broken));
        try {
          receiver.plan({ status: 400 });
          assert.deepEqual(await exporter.export(makeSpanBatch(2)), {
            exported: 0,
            retried: 0,
            persisted: 0,
            dropped: {},
            failed: 2,
          });
          // Lost, so not reported as parked (it was: `export_parked`, after `outbox_failed`).
          const codes = diagnostics.map((d) => d.code);
          assert.ok(codes.includes("outbox_failed") && codes.includes("export_failed"), `${codes}`);
          assert.ok(!codes.includes("export_parked"), `${codes}`);
        } finally {
          await exporter.shutdown();
        }
      })
    ));
});

// An enqueue racing a drain, through a fetch stub (so workerd runs it too).
describe("OTLP exporter outbox, an enqueue evicting what a drain holds", () => {
  it("does not send a batch of its page that another exporter's park evicts, and counts it once", async () => {
    // Not about 413 (the split): a drain reads a page [a, b] and delivers a (slowly, then
    // refused for good); meanwhile another exporter parks c and d in an outbox of 2 entries,
    // evicting a (being delivered) and b (not sent yet). Both are lost, each counted once.
    const [a, b, c, d] = ["a", "b", "c", "d"].map((name) => [
      makeSpanRecord({ name: `${name}-0`, attributes: { "gen_ai.prompt": "p".repeat(10) } }),
    ]);
    let down = true;
    let started!: () => void;
    const sendingA = new Promise<void>((resolve) => started = resolve);
    let release!: () => void;
    const held = new Promise<void>((resolve) => release = resolve);
    const accepted: string[] = [];
    const fetch = async (_url: string | URL | Request, init?: RequestInit) => {
      const body = JSON.parse(new TextDecoder().decode(init?.body as Uint8Array));
      const sent = spanIdsOf(body);
      if (down) return new Response("", { status: 503 });
      if (sent.includes(a[0].spanId)) {
        started();
        await held;
        return new Response("", { status: 400 });
      }
      accepted.push(...sent);
      return new Response("{}", { status: 200 });
    };
    const storage = new MemoryStorage({ outboxMaxEntries: 2 });
    // One attempt per export (a refused batch is parked at once), due at once, no gzip.
    const settings = options("http://127.0.0.1:9/v1/traces", storage, {
      fetch,
      protocol: "http/json",
      compression: "none",
      retry: { maxAttempts: 1 },
      outboxRetry: { initialDelayMillis: 0 },
      timeoutMillis: 5000,
    });
    const drainer = createOtlpExporter(settings);
    const other = createOtlpExporter(settings);
    await withDiagnostics(async () => {
      const reports = [await drainer.export(a), await drainer.export(b)];
      down = false;
      const flushing = drainer.forceFlush();
      await sendingA;
      down = true;
      reports.push(await other.export(c), await other.export(d));
      down = false; // b would be accepted now
      release();
      reports.push(await flushing);
      assert.equal(total(reports, (r) => r.persisted), 4);
      assert.equal(total(reports, (r) => r.exported), 0);
      assert.equal(total(reports, (r) => r.dropped.outbox_full ?? 0), 2); // a and b, once each
      assert.deepEqual(accepted, [], "b is not sent");
      assert.deepEqual((await storage.outbox.peek(10)).map((e) => e.spanCount), [1, 1]);
    });
    await drainer.shutdown();
    await other.shutdown();
  });
});

describe("OtlpOutbox settings", () => {
  it("rejects a maxDeliveriesPerDrain that is not an integer >= 1", () => {
    for (const maxDeliveriesPerDrain of [0, 1.5, -1, NaN, "3"]) {
      assert.throws(
        () => new OtlpOutbox(new MemoryStorage(), { maxDeliveriesPerDrain } as never),
        (e) => e instanceof TracerError && e.code === "INVALID_CONFIG",
      );
    }
  });
});
