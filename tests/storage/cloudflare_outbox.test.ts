// The outbox on the Cloudflare adapters as a drain uses it: what a failed write, another
// endpoint's backlog, a long backlog, two Workers draining one Durable Object and entries nobody
// drains any more cost or count (over the structural fakes, on every runtime).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { KvStorage } from "../../src/storage/cloudflare_kv.ts";
import { R2Storage } from "../../src/storage/cloudflare_r2.ts";
import { DurableObjectStubStorage } from "../../src/storage/durable_object.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import type { Outbox, OutboxInput, TraceStorage } from "../../src/storage/types.ts";
import {
  type DrainContext,
  drainOutbox,
  type OutboxRetryOptions,
  outboxRetryPolicy,
  parkBatch,
} from "../../src/exporter/_outbox.ts";
import type { SendResult } from "../../src/exporter/otlp_http.ts";
import type { FlushReport } from "../../src/types.ts";
import { drainBoth } from "../_support/outbox_drain.ts";
import { FakeDurableObjectNamespace, FakeKVNamespace, FakeR2Bucket } from "../_fakes/cloudflare.ts";

const OURS = "aaaaaaaa";
const THEIRS = "0badc0de";
const DAY = 24 * 60 * 60 * 1000;

const emptyReport = (): FlushReport => ({
  exported: 0,
  retried: 0,
  persisted: 0,
  dropped: {},
  failed: 0,
});

function entry(destination: string, overrides: Partial<OutboxInput> = {}): OutboxInput {
  return {
    body: new Uint8Array(64),
    contentType: `application/x-protobuf; tracelet-destination=${destination}`,
    spanCount: 1,
    reason: "http_400",
    createdAt: Date.now(),
    notBefore: 0,
    attempts: 0,
    ...overrides,
  };
}

/** Wraps a binding so every method call is counted by name. */
function counted<T extends object>(target: T, ops: Record<string, number>): T {
  return new Proxy(target, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        ops[String(key)] = (ops[String(key)] ?? 0) + 1;
        return value.apply(object, args);
      };
    },
  });
}

const total = (ops: Record<string, number>): number =>
  Object.values(ops).reduce((sum, n) => sum + n, 0);

const clear = (ops: Record<string, number>): void => {
  for (const key of Object.keys(ops)) delete ops[key];
};

/** Drains `outbox` for OURS with a `deliver` that answers `result` (400 by default). */
async function drain(
  outbox: Outbox,
  options: OutboxRetryOptions = {},
  extra: Partial<DrainContext> = {},
  result: SendResult = { ok: false, retryable: false, attempts: 1, reason: "http_400" },
): Promise<{ report: FlushReport; delivered: Uint8Array[] }> {
  const report = emptyReport();
  const delivered: Uint8Array[] = [];
  await drainOutbox({
    outbox,
    destination: OURS,
    policy: outboxRetryPolicy(options),
    deadline: Date.now() + 60_000,
    report,
    deliver: (e) => {
      delivered.push(e.body);
      return Promise.resolve(result);
    },
    ...extra,
  });
  return { report, delivered };
}

const OK: SendResult = { ok: true, attempts: 1, reason: "http_200" };

/** A KV namespace whose outbox writes or deletes fail on demand. */
class FlakyKV extends FakeKVNamespace {
  failPuts = false;
  failDeletes = false;

  override put(key: string, value: ArrayBuffer | string, options?: { metadata?: unknown }) {
    if (this.failPuts && key.includes("/o/")) {
      return Promise.reject(new Error("KV PUT failed: 429 Too Many Requests"));
    }
    return super.put(key, value, options);
  }

  override delete(key: string) {
    if (this.failDeletes) return Promise.reject(new Error("KV DELETE failed"));
    return super.delete(key);
  }
}

describe("Cloudflare outbox: enqueue", () => {
  it("evicts nothing when the new entry cannot be written, so every span stays counted", async () => {
    const flaky = new FlakyKV();
    const storage = new KvStorage(flaky, { outboxMaxEntries: 2 });
    const policy = outboxRetryPolicy();
    const reports = [emptyReport(), emptyReport(), emptyReport()];
    const park = (spans: number, report: FlushReport) =>
      parkBatch(
        storage.outbox,
        {
          body: new Uint8Array(10),
          contentType: "application/x-protobuf",
          spanCount: spans,
          reason: "http_400",
        },
        OURS,
        undefined,
        policy,
        report,
      );
    await park(5, reports[0]);
    await park(7, reports[1]);
    flaky.failPuts = true;
    const third = await park(3, reports[2]);
    assert.equal(third.problem?.code, "outbox_failed");
    assert.deepEqual(reports[2], { ...emptyReport(), failed: 3 });
    const left = await storage.outbox.peek(10);
    assert.deepEqual(left.map((e) => e.spanCount), [5, 7], "the older entries are kept");
  });

  it("keeps the new entry when an older one cannot be evicted, and evicts it later", async () => {
    const flaky = new FlakyKV();
    flaky.failDeletes = true;
    const storage = new KvStorage(flaky, { outboxMaxEntries: 1 });
    await storage.outbox.enqueue(entry(OURS, { spanCount: 1 }));
    const second = await storage.outbox.enqueue(entry(OURS, { spanCount: 2 }));
    assert.deepEqual(second, { accepted: true, evicted: [] }); // 1 is still stored: not lost
    assert.deepEqual((await storage.outbox.peek(10)).map((e) => e.spanCount), [1, 2]);
    flaky.failDeletes = false;
    const third = await storage.outbox.enqueue(entry(OURS, { spanCount: 3 }));
    assert.deepEqual(third.evicted.map((e) => e.spanCount), [1, 2]);
    assert.deepEqual((await storage.outbox.peek(10)).map((e) => e.spanCount), [3]);
  });

  it("rejects an entry whose metadata cannot fit KV's 1024 bytes, evicting nothing", async () => {
    const storage = new KvStorage(new FakeKVNamespace(), { outboxMaxEntries: 1 });
    await storage.outbox.enqueue(entry(OURS));
    await assert.rejects(
      storage.outbox.enqueue(entry(OURS, { contentType: "application/x-" + "a".repeat(1200) })),
      TypeError,
    );
    assert.equal((await storage.outbox.peek(10)).length, 1);
  });
});

describe("Cloudflare outbox: what one drain costs", () => {
  it("reads no body of another endpoint's entries and lists the outbox once", async () => {
    const ops: Record<string, number> = {};
    const storage = new KvStorage(counted(new FakeKVNamespace(), ops));
    for (let i = 0; i < 1000; i++) await storage.outbox.enqueue(entry(THEIRS));
    await storage.outbox.enqueue(entry(OURS));
    clear(ops);
    const { report, delivered } = await drain(storage.outbox, {}, {}, OK);
    assert.equal(delivered.length, 1);
    assert.equal(report.exported, 1);
    assert.equal(ops.get, 1, "only our entry's body is read");
    assert.ok(total(ops) <= 6, `binding operations: ${JSON.stringify(ops)}`);
  });

  for (
    const [name, make] of [
      ["KV", (ops: Record<string, number>) => new KvStorage(counted(new FakeKVNamespace(), ops))],
      ["R2", (ops: Record<string, number>) => new R2Storage(counted(new FakeR2Bucket(), ops))],
    ] as const
  ) {
    it(`delivers at most 16 entries per drain on ${name}, within a Worker's budget`, async () => {
      const ops: Record<string, number> = {};
      const storage: TraceStorage = make(ops);
      for (let i = 0; i < 300; i++) await storage.outbox.enqueue(entry(OURS));
      clear(ops);
      const { delivered } = await drain(storage.outbox);
      assert.equal(delivered.length, 16);
      // Per failed delivery: read the body, read the entry, write it back; plus one listing.
      assert.ok(total(ops) <= 16 * 3 + 2, `binding operations: ${JSON.stringify(ops)}`);
      const more = await drain(storage.outbox, { maxDeliveriesPerDrain: 40 });
      assert.equal(more.delivered.length, 40, "the exporter option overrides the hint");
    });

    it(`updates an entry on ${name} with one read and one write`, async () => {
      const ops: Record<string, number> = {};
      const storage: TraceStorage = make(ops);
      await storage.outbox.enqueue(entry(OURS));
      const [stored] = await storage.outbox.peek(1);
      clear(ops);
      await storage.outbox.update(stored.id, { attempts: 1, notBefore: 5, reason: "http_503" });
      assert.equal(total(ops), 2, JSON.stringify(ops));
      const [updated] = await storage.outbox.peek(1);
      assert.deepEqual(updated, { ...stored, attempts: 1, notBefore: 5, reason: "http_503" });
    });
  }

  it("keeps the default of 256 deliveries per drain for other adapters", async () => {
    const storage = new MemoryStorage();
    for (let i = 0; i < 300; i++) await storage.outbox.enqueue(entry(OURS));
    assert.equal((await drain(storage.outbox)).delivered.length, 256);
  });
});

describe("Cloudflare outbox: several drainers", () => {
  it("two Workers draining one Durable Object outbox deliver each entry once", async () => {
    const namespace = new FakeDurableObjectNamespace();
    const workerA = new DurableObjectStubStorage(namespace, { name: "outbox" });
    const workerB = new DurableObjectStubStorage(namespace, { name: "outbox" });
    for (let i = 0; i < 5; i++) {
      await workerA.outbox.enqueue(entry(OURS, { body: new Uint8Array([i]) }));
    }
    const { delivered, exported } = await drainBoth(workerA, workerB, OURS);
    assert.deepEqual(delivered, [0, 1, 2, 3, 4]);
    assert.equal(exported, 5);
    assert.deepEqual(await workerB.outbox.peek(10), []);
  });

  it("does not hold a drainer back by its own leases when it stopped early", async () => {
    const storage = new DurableObjectStubStorage(new FakeDurableObjectNamespace());
    for (let i = 0; i < 3; i++) await storage.outbox.enqueue(entry(OURS));
    const unhealthy: SendResult = { ok: false, retryable: true, attempts: 1, reason: "http_503" };
    const options = { initialDelayMillis: 600_000 };
    const first = await drain(storage.outbox, options, { leaseOwner: "me" }, unhealthy);
    assert.equal(first.delivered.length, 1, "a retryable failure ends the drain");
    assert.equal(
      (await drain(storage.outbox, options, { leaseOwner: "other" })).delivered.length,
      0,
    );
    const again = await drain(storage.outbox, options, { leaseOwner: "me" }, OK);
    assert.equal(again.delivered.length, 2);
  });
});

describe("Cloudflare outbox: entries nobody drains any more", () => {
  it("expire by age, so a newest-dropping outbox full of them accepts new batches again", async () => {
    const kv = new FakeKVNamespace();
    const bounds = { outboxMaxEntries: 3, outboxDropPolicy: "newest" } as const;
    // Parked by an earlier deployment (that kept entries 30 days) for an endpoint gone since.
    const before = new KvStorage(kv, { ...bounds, outboxMaxAgeMillis: 30 * DAY });
    const storage = new KvStorage(kv, bounds);
    for (let i = 0; i < 3; i++) {
      await before.outbox.enqueue(
        entry(THEIRS, { spanCount: 4, createdAt: Date.now() - 8 * DAY }),
      );
    }
    assert.equal((await drain(storage.outbox, {}, {}, OK)).delivered.length, 0);
    const report = emptyReport();
    const parked = await parkBatch(
      storage.outbox,
      {
        body: new Uint8Array(10),
        contentType: "application/x-protobuf",
        spanCount: 2,
        reason: "network",
      },
      OURS,
      undefined,
      outboxRetryPolicy(),
      report,
    );
    assert.equal(parked.problem, undefined);
    assert.deepEqual(report, { ...emptyReport(), persisted: 2, dropped: { outbox_expired: 12 } });
    assert.deepEqual((await storage.outbox.peek(10)).map((e) => e.spanCount), [2]);
  });
});
