// The Cloudflare storage adapters (R2, KV, Durable Object) against the shared conformance suite:
// over in-memory structural fakes on every runtime, and over Miniflare's real local R2, KV and
// Durable Object bindings inside workerd (scripts/test_workerd.mjs publishes the worker's env as
// globalThis.__TRACELET_TEST_ENV__).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { R2Storage } from "../../src/storage/cloudflare_r2.ts";
import type { R2BucketLike } from "../../src/storage/cloudflare_r2.ts";
import { KvStorage } from "../../src/storage/cloudflare_kv.ts";
import type { KVNamespaceLike } from "../../src/storage/cloudflare_kv.ts";
import {
  DurableObjectStubStorage,
  DurableObjectTraceStorage,
} from "../../src/storage/durable_object.ts";
import type { DurableObjectNamespaceLike } from "../../src/storage/durable_object.ts";
import { TracerError } from "../../src/errors.ts";
import { cloudflareStorage, workerParts } from "../../src/runtime/worker.ts";
import { storageConformance } from "../_conformance/storage.ts";
import type { MakeStorage } from "../_conformance/storage.ts";
import {
  FakeDurableObjectNamespace,
  FakeDurableObjectStorage,
  FakeKVNamespace,
  FakeR2Bucket,
} from "../_fakes/cloudflare.ts";
import { isWorkerd } from "../_support/runtime.ts";

interface TestEnv {
  TEST_BUCKET?: R2BucketLike;
  TEST_KV?: KVNamespaceLike;
  TEST_DO?: DurableObjectNamespaceLike;
}
const env: TestEnv = (globalThis as { __TRACELET_TEST_ENV__?: TestEnv }).__TRACELET_TEST_ENV__ ??
  {};

const done = () => Promise.resolve();
const uniqueName = () => `t-${crypto.randomUUID()}`;

// ---- fakes, every runtime ----------------------------------------------------------------------

storageConformance("cloudflare-r2 (fake)", (options) => {
  const bucket = new FakeR2Bucket({ pageSize: 3 });
  return Promise.resolve({
    storage: new R2Storage(bucket, options),
    cleanup: done,
    reopen: () => Promise.resolve(new R2Storage(bucket, options)),
  });
}, { reopen: true });

storageConformance("cloudflare-kv (fake)", (options) => {
  const kv = new FakeKVNamespace({ pageSize: 3 });
  return Promise.resolve({
    storage: new KvStorage(kv, options),
    cleanup: done,
    reopen: () => Promise.resolve(new KvStorage(kv, options)),
  });
}, { reopen: true });

storageConformance("durable-object storage (fake)", (options) => {
  const storage = new FakeDurableObjectStorage();
  return Promise.resolve({
    storage: new DurableObjectTraceStorage(storage, options),
    cleanup: done,
    reopen: () => Promise.resolve(new DurableObjectTraceStorage(storage, options)),
  });
}, { reopen: true });

storageConformance("durable-object stub (fake)", (options) => {
  const namespace = new FakeDurableObjectNamespace();
  return Promise.resolve({
    storage: new DurableObjectStubStorage(namespace, { ...options, name: "a" }),
    cleanup: done,
    reopen: () => {
      namespace.evict();
      return Promise.resolve(new DurableObjectStubStorage(namespace, { ...options, name: "a" }));
    },
  });
}, { reopen: true });

// ---- real Miniflare bindings, workerd only ----------------------------------------------------

/** Deletes every R2 object or KV key under a prefix. */
async function clearPrefix(prefix: string): Promise<void> {
  for (
    let page = await env.TEST_BUCKET!.list({ prefix });;
    page = await env.TEST_BUCKET!.list({ prefix })
  ) {
    if (page.objects.length === 0) break;
    await env.TEST_BUCKET!.delete(page.objects.map((o) => o.key));
  }
}

const realR2: MakeStorage = (options) => {
  const prefix = `${uniqueName()}/`;
  return Promise.resolve({
    storage: new R2Storage(env.TEST_BUCKET!, { ...options, prefix }),
    cleanup: () => clearPrefix(prefix),
    reopen: () => Promise.resolve(new R2Storage(env.TEST_BUCKET!, { ...options, prefix })),
  });
};
storageConformance("cloudflare-r2 (miniflare)", realR2, { skip: !env.TEST_BUCKET, reopen: true });

const realKv: MakeStorage = (options) => {
  const prefix = `${uniqueName()}/`;
  return Promise.resolve({
    storage: new KvStorage(env.TEST_KV!, { ...options, prefix }),
    cleanup: async () => {
      const { keys } = await env.TEST_KV!.list({ prefix });
      for (const key of keys) await env.TEST_KV!.delete(key.name);
    },
    reopen: () => Promise.resolve(new KvStorage(env.TEST_KV!, { ...options, prefix })),
  });
};
storageConformance("cloudflare-kv (miniflare)", realKv, { skip: !env.TEST_KV, reopen: true });

const realDo: MakeStorage = (options) => {
  const name = uniqueName();
  return Promise.resolve({
    storage: new DurableObjectStubStorage(env.TEST_DO!, { ...options, name }),
    cleanup: done,
    reopen: () => Promise.resolve(new DurableObjectStubStorage(env.TEST_DO!, { ...options, name })),
  });
};
storageConformance("durable-object stub (miniflare)", realDo, { skip: !env.TEST_DO, reopen: true });

describe("Cloudflare bindings in the workerd test run", () => {
  it("are present inside workerd, so the real-binding suites above did run", {
    skip: !isWorkerd,
  }, () => {
    assert.ok(env.TEST_BUCKET, "TEST_BUCKET (R2) binding");
    assert.ok(env.TEST_KV, "TEST_KV (KV) binding");
    assert.ok(env.TEST_DO, "TEST_DO (Durable Object) binding");
  });
});

// ---- adapter specifics -------------------------------------------------------------------------

describe("Cloudflare adapters: key layout and limits", () => {
  it("write every key under their prefix, hostile paths included", async () => {
    const bucket = new FakeR2Bucket();
    const kv = new FakeKVNamespace();
    const storages = [new R2Storage(bucket, { prefix: "p/" }), new KvStorage(kv, { prefix: "p/" })];
    for (const s of storages) {
      await s.appendLines(["..", "..", "/etc/passwd"], ["x"]);
      await s.putBlob("../../escape", new Uint8Array([1]));
      await s.outbox.enqueue({
        body: new Uint8Array([1]),
        contentType: "application/json",
        spanCount: 1,
        reason: "network",
        createdAt: 0,
        notBefore: 0,
        attempts: 0,
      });
    }
    const keys = [...bucket.objects.keys(), ...kv.values.keys()];
    assert.equal(keys.length, 6);
    for (const key of keys) {
      assert.ok(key.startsWith("p/"), key);
      assert.ok(!key.split("/").includes(".."), key);
    }
  });

  it("read R2 and KV data in the documented key layout (earlier writes stay readable)", async () => {
    const id = "000001700000000-000000-0123abcd";
    const info = {
      id,
      contentType: "application/json",
      spanCount: 2,
      reason: "network",
      createdAt: 1,
      notBefore: 0,
      attempts: 0,
      size: 3,
    };
    const bytes = (text: string) => new TextEncoder().encode(text).buffer as ArrayBuffer;
    const bucket = new FakeR2Bucket();
    const kv = new FakeKVNamespace();
    await bucket.put(`p/l/projects/run/spans.jsonl/~/${id}`, "a\nb");
    await bucket.put("p/b/objects/k", bytes("blob"));
    await bucket.put(`p/o/${id}`, bytes("box"), {
      customMetadata: { tracelet: JSON.stringify(info) },
    });
    await kv.put(`p/l/projects/run/spans.jsonl/~/${id}`, "a\nb");
    await kv.put("p/b/objects/k", bytes("blob"));
    await kv.put(`p/o/${id}`, bytes("box"), { metadata: { tracelet: JSON.stringify(info) } });
    for (
      const s of [new R2Storage(bucket, { prefix: "p/" }), new KvStorage(kv, { prefix: "p/" })]
    ) {
      assert.deepEqual(await s.readLines(["projects", "run", "spans.jsonl"]), ["a", "b"], s.kind);
      assert.deepEqual(await s.getBlob("k"), new TextEncoder().encode("blob"), s.kind);
      const [entry] = await s.outbox.peek(1);
      const { size: _size, ...fields } = info;
      assert.deepEqual(entry, { ...fields, body: new TextEncoder().encode("box") }, s.kind);
    }
  });

  it("keep two prefixes on one binding apart", async () => {
    const bucket = new FakeR2Bucket();
    const a = new R2Storage(bucket, { prefix: "a/" });
    const b = new R2Storage(bucket, { prefix: "b/" });
    await a.appendLines(["log"], ["from a"]);
    await b.putBlob("k", new Uint8Array([2]));
    assert.deepEqual(await b.readLines(["log"]), []);
    assert.equal(await a.hasBlob("k"), false);
    assert.deepEqual(await a.readLines(["log"]), ["from a"]);
  });

  it("key very deep log paths by hash within KV's 512-byte key limit", async () => {
    const kv = new FakeKVNamespace();
    const s = new KvStorage(kv);
    const deep = Array.from({ length: 8 }, (_, i) => `${i}`.repeat(100));
    const deeper = [...deep.slice(0, 7), "7".repeat(99) + "8"];
    await s.appendLines(deep, ["deep"]);
    await s.appendLines(deeper, ["deeper"]);
    assert.deepEqual(await s.readLines(deep), ["deep"]);
    assert.deepEqual(await s.readLines(deeper), ["deeper"]);
  });

  it("split Durable Object values over 128 KiB into parts and read them back whole", async () => {
    const fake = new FakeDurableObjectStorage();
    const s = new DurableObjectTraceStorage(fake);
    const big = new Uint8Array(300 * 1024).map((_, i) => i % 251);
    await s.putBlob("big", big);
    assert.deepEqual(await s.getBlob("big"), big);
    const line = "x".repeat(200 * 1024);
    await s.appendLines(["log"], [line, "y"]);
    assert.deepEqual(await s.readLines(["log"]), [line, "y"]);
    await s.outbox.enqueue({
      body: big,
      contentType: "application/x-protobuf",
      spanCount: 3,
      reason: "network",
      createdAt: 1,
      notBefore: 0,
      attempts: 0,
    });
    const [entry] = await s.outbox.peek(1);
    assert.deepEqual(entry.body, big);
    await s.outbox.ack(entry.id);
    assert.equal(await s.outbox.bytes(), 0);
    const leftovers = [...fake.values.keys()].filter((k) => k.includes("/o/") || k.includes("/q/"));
    assert.deepEqual(leftovers, [], "ack removes the entry's metadata and every body part");
  });

  it("reject a prefix with control characters", () => {
    assert.throws(() => new R2Storage(new FakeR2Bucket(), { prefix: "a\nb" }), TracerError);
    assert.throws(
      () => new KvStorage(new FakeKVNamespace(), { prefix: "x".repeat(200) }),
      TracerError,
    );
  });

  it("pass TypeErrors from the Durable Object back as TypeErrors", async () => {
    const s = new DurableObjectStubStorage(new FakeDurableObjectNamespace());
    await assert.rejects(s.appendLines(["x"], ["a\nb"]), TypeError);
    await assert.rejects(
      s.outbox.update("id", { attempts: -1, notBefore: 0, reason: "r" }),
      TypeError,
    );
  });
});

describe("cloudflareStorage()", () => {
  const entry = {
    body: new Uint8Array([7]),
    contentType: "application/x-protobuf",
    spanCount: 1,
    reason: "http_503",
    createdAt: 1,
    notBefore: 0,
    attempts: 0,
  };

  it("puts lines and blobs on R2 and the outbox on the Durable Object", async () => {
    const bucket = new FakeR2Bucket();
    const namespace = new FakeDurableObjectNamespace();
    const storage = cloudflareStorage({
      r2: bucket,
      durableObject: namespace,
      durableObjectName: "q",
    });
    assert.equal(storage.kind, "cloudflare-r2+durable-object");
    await storage.appendLines(["projects", "p", "r", "spans.jsonl"], ["{}"]);
    await storage.putBlob("k", new Uint8Array([1]));
    await storage.outbox.enqueue(entry);
    const bucketKeys = [...bucket.objects.keys()];
    assert.equal(bucketKeys.length, 2);
    assert.ok(bucketKeys.every((k) => !k.startsWith("tracelet/o/")), "no outbox entry in R2");
    const doKeys = [...namespace.storages.get("q")!.values.keys()];
    assert.ok(doKeys.some((k) => k.startsWith("tracelet/o/")), "the outbox entry is in the object");
    assert.ok(doKeys.every((k) => !k.startsWith("tracelet/l/")), "no log lines in the object");
    assert.deepEqual(await storage.readLines(["projects", "p", "r", "spans.jsonl"]), ["{}"]);
    assert.equal((await storage.outbox.peek(5)).length, 1);
    await storage.close?.();
  });

  it("falls back to KV for the outbox, and to memory without bindings", async () => {
    const kv = new FakeKVNamespace();
    const withKv = cloudflareStorage({ r2: new FakeR2Bucket(), kv });
    assert.equal(withKv.kind, "cloudflare-r2+cloudflare-kv");
    await withKv.outbox.enqueue(entry);
    assert.equal(kv.values.size, 1);
    assert.equal(cloudflareStorage().kind, "memory");
  });

  it("the preset's memory storage asks drains for 16 deliveries at most (each is a subrequest)", () => {
    assert.equal(cloudflareStorage().outbox.maxDeliveriesPerDrain, 16);
    assert.equal(workerParts().storage(undefined).outbox.maxDeliveriesPerDrain, 16);
    assert.equal(
      cloudflareStorage({ maxDeliveriesPerDrain: 4 } as never).outbox.maxDeliveriesPerDrain,
      4,
    );
  });
});
