// A Worker flushes at the end of every invocation. Over a Cloudflare outbox (KV, R2, Durable
// Object), whose every look is a billed listing or request, a flush that finds nothing due does
// not look again for `idleRecheckMillis` (30 s) unless its exporter parked a batch since: an
// empty outbox cost one binding operation per request (1,000 KV listings a day is the Free plan's
// quota). Over the structural fakes on every runtime, and over Miniflare's real KV inside workerd.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { OtlpHttpExporter } from "../../src/exporter/otlp_http.ts";
import { OtlpOutbox } from "../../src/exporter/otlp_outbox.ts";
import { KvStorage } from "../../src/storage/cloudflare_kv.ts";
import type { KVNamespaceLike } from "../../src/storage/cloudflare_kv.ts";
import { R2Storage } from "../../src/storage/cloudflare_r2.ts";
import { DurableObjectStubStorage } from "../../src/storage/durable_object.ts";
import { destinationTag } from "../../src/storage/_destination.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import type { Outbox, TraceStorage } from "../../src/storage/types.ts";
import { FakeDurableObjectNamespace, FakeKVNamespace, FakeR2Bucket } from "../_fakes/cloudflare.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { makeSpanBatch } from "../_support/span_records.ts";

const env = (globalThis as { __TRACELET_TEST_ENV__?: { TEST_KV?: KVNamespaceLike } })
  .__TRACELET_TEST_ENV__ ?? {};

const ENDPOINT = "https://collector.example/v1/traces";

/** Wraps a binding so that every method call is counted. */
function counted<T extends object>(target: T, calls: { n: number }): T {
  return new Proxy(target, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.n++;
        return value.apply(object, args);
      };
    },
  });
}

/** A collector stub: answers `status` (200 unless changed). */
function collector() {
  const state = { status: 200, requests: 0 };
  const fetch = () => {
    state.requests++;
    return Promise.resolve(new Response(null, { status: state.status }));
  };
  return { state, fetch };
}

function exporterOver(storage: TraceStorage, fetch: () => Promise<Response>) {
  return new OtlpHttpExporter({
    endpoint: ENDPOINT,
    fetch,
    retry: { maxAttempts: 1 },
    outbox: new OtlpOutbox(storage, { initialDelayMillis: 0 }),
  });
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const adapters: [string, (calls: { n: number }) => TraceStorage][] = [
  ["KV", (calls) => new KvStorage(counted(new FakeKVNamespace(), calls))],
  ["R2", (calls) => new R2Storage(counted(new FakeR2Bucket(), calls))],
  [
    "Durable Object",
    (calls) => new DurableObjectStubStorage(counted(new FakeDurableObjectNamespace(), calls)),
  ],
];
if (isWorkerd && env.TEST_KV !== undefined) {
  const kv = env.TEST_KV;
  adapters.push([
    "KV (Miniflare)",
    (calls) => new KvStorage(counted(kv, calls), { prefix: `idle-${crypto.randomUUID()}` }),
  ]);
}

describe("a Cloudflare outbox found empty is not read on every flush", () => {
  for (const [name, make] of adapters) {
    it(`${name}: ten invocations' flushes read the empty outbox once`, async () => {
      const calls = { n: 0 };
      const storage = make(calls);
      assert.equal(storage.outbox.idleRecheckMillis, 30_000);
      const { state, fetch } = collector();
      const exporter = exporterOver(storage, fetch);
      try {
        let firstLook = 0;
        for (let invocation = 0; invocation < 10; invocation++) {
          assert.equal((await exporter.export(makeSpanBatch(2))).exported, 2);
          await exporter.forceFlush();
          if (invocation === 0) firstLook = calls.n;
        }
        assert.ok(firstLook > 0, "the first flush looks");
        assert.equal(calls.n, firstLook, "no binding call after the first look");
        assert.equal(state.requests, 10);
      } finally {
        await exporter.shutdown();
      }
    });

    it(`${name}: a batch it parks is redelivered by the next flush once due`, async () => {
      const calls = { n: 0 };
      const { state, fetch } = collector();
      const exporter = exporterOver(make(calls), fetch);
      try {
        await exporter.forceFlush(); // the look that finds the outbox empty
        state.status = 400;
        const spans = makeSpanBatch(3);
        assert.equal((await exporter.export(spans)).persisted, 3);
        state.status = 200;
        await delay(5);
        assert.equal((await exporter.forceFlush()).exported, 3);
        assert.equal(state.requests, 2);
      } finally {
        await exporter.shutdown();
      }
    });
  }
});

describe("an outbox's idleRecheckMillis hint", () => {
  /** MemoryStorage whose outbox says reads are billed, after `millis`, and counts its peeks. */
  function billedMemory(millis: number) {
    const memory = new MemoryStorage();
    const peeks = { n: 0 };
    const inner = memory.outbox;
    const outbox: Outbox = {
      idleRecheckMillis: millis,
      enqueue: (entry) => inner.enqueue(entry),
      peek: (limit, options) => (peeks.n++, inner.peek(limit, options)),
      ack: (id) => inner.ack(id),
      update: (id, changes) => inner.update(id, changes),
      bytes: () => inner.bytes(),
      release: (id) => inner.release?.(id) ?? Promise.resolve(),
    };
    const storage: TraceStorage = Object.assign(Object.create(memory), { outbox });
    return { storage, peeks, inner };
  }

  it("looks again once the time is up, and finds what another process parked", async () => {
    const { storage, peeks, inner } = billedMemory(200);
    const { state, fetch } = collector();
    const exporter = exporterOver(storage, fetch);
    try {
      await exporter.forceFlush();
      await exporter.forceFlush();
      assert.equal(peeks.n, 1);
      // Another process parks a batch: not seen until the recheck time is up.
      await inner.enqueue({
        body: new Uint8Array(0),
        contentType: `application/x-protobuf; tracelet-destination=${destinationTag(ENDPOINT)}`,
        spanCount: 1,
        reason: "network",
        createdAt: Date.now(),
        notBefore: 0,
        attempts: 0,
      });
      await exporter.forceFlush();
      assert.equal(peeks.n, 1, "not looked at within the recheck time");
      await delay(210);
      assert.equal((await exporter.forceFlush()).exported, 1);
      assert.equal(peeks.n, 2);
      assert.equal(await inner.bytes(), 0, "the other process's batch was delivered");
      assert.equal(state.requests, 1);
    } finally {
      await exporter.shutdown();
    }
  });

  it("without it, every flush looks (a file-system or memory outbox)", async () => {
    const { storage, peeks } = billedMemory(60);
    (storage.outbox as { idleRecheckMillis?: number }).idleRecheckMillis = undefined;
    const exporter = exporterOver(storage, collector().fetch);
    try {
      for (let i = 0; i < 3; i++) await exporter.forceFlush();
      assert.equal(peeks.n, 3);
    } finally {
      await exporter.shutdown();
    }
  });
});
