// A line chunk larger than a keyed store's largest value (KV refuses values over 25 MiB) is
// written in parts that readLines joins: every line reads back exactly, in order, and a chunk is
// read whole or not at all. An append of 26 MiB to KV used to fail whole ("KV PUT failed: 413
// Value length of 27315723 exceeds limit of 26214400"), losing every line of the batch. KvStorage
// runs over Miniflare's real local KV inside workerd (scripts/test_workerd.mjs publishes it as
// TEST_KV), elsewhere over the KV fake with KV's value limit added; the part layout is tested over
// a small in-memory store with a 64-byte limit.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { KeyedStorage, KvStorage } from "../../src/storage/cloudflare_kv.ts";
import type { KVNamespaceLike } from "../../src/storage/cloudflare_kv.ts";
import type { KeyedMetadata, KeyedStore } from "../../src/storage/_keyed_store.ts";
import { FakeKVNamespace } from "../_fakes/cloudflare.ts";

const MiB = 1024 * 1024;
/** KV's value limit (25 MiB). */
const KV_LIMIT = 25 * MiB;

const utf8 = new TextEncoder();
const exact = new TextDecoder("utf-8", { fatal: true });

/** The KV fake, refusing values over 25 MiB as KV does. */
class LimitedKV extends FakeKVNamespace {
  override put(
    key: string,
    value: ArrayBuffer | string,
    options?: { metadata?: unknown },
  ): Promise<void> {
    const size = typeof value === "string" ? utf8.encode(value).byteLength : value.byteLength;
    if (size > KV_LIMIT) {
      return Promise.reject(new Error(`KV PUT failed: 413 Value length of ${size} exceeds limit`));
    }
    return super.put(key, value, options);
  }
}

const env = (globalThis as { __TRACELET_TEST_ENV__?: { TEST_KV?: KVNamespaceLike } })
  .__TRACELET_TEST_ENV__;
/** Miniflare's local KV inside workerd, else the limited fake. */
const kvNamespace = (): KVNamespaceLike => env?.TEST_KV ?? new LimitedKV();

/** An in-memory keyed store refusing values over `limit` bytes; `failAt` fails that put (1-based). */
class SmallStore implements KeyedStore {
  readonly values = new Map<string, { value: Uint8Array; metadata: KeyedMetadata }>();
  puts = 0;
  failAt = 0;

  constructor(readonly limit: number) {}

  put(key: string, value: ArrayBuffer | string, metadata?: KeyedMetadata): Promise<void> {
    const bytes = typeof value === "string" ? utf8.encode(value) : new Uint8Array(value.slice(0));
    if (++this.puts === this.failAt) return Promise.reject(new Error("put failed"));
    if (bytes.byteLength > this.limit) return Promise.reject(new Error("value too large"));
    this.values.set(key, { value: bytes, metadata: { ...metadata } });
    return Promise.resolve();
  }
  get(key: string): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.values.get(key)?.value.slice());
  }
  read(key: string): Promise<{ value: Uint8Array; metadata: KeyedMetadata } | undefined> {
    const stored = this.values.get(key);
    return Promise.resolve(stored && { value: stored.value.slice(), metadata: stored.metadata });
  }
  head(key: string): Promise<KeyedMetadata | undefined> {
    return Promise.resolve(this.values.get(key)?.metadata);
  }
  list(prefix: string, _cursor: string | undefined, metadata: boolean) {
    const keys = [...this.values.keys()].filter((key) => key.startsWith(prefix)).sort();
    const entries = keys.map((key) => ({
      key,
      ...(metadata ? { metadata: this.values.get(key)!.metadata } : {}),
    }));
    return Promise.resolve({ entries });
  }
  delete(key: string): Promise<void> {
    this.values.delete(key);
    return Promise.resolve();
  }
}

const LOG = ["projects", "p", "run", "spans.jsonl"];

describe("Cloudflare storage: a chunk larger than the largest value", () => {
  it("is written in parts within the limit and reads back exactly", async () => {
    const store = new SmallStore(64);
    const storage = new KeyedStorage(store, "small", "Small", {}, 64);
    const batches = [
      ["first", ""],
      [
        "a".repeat(30),
        "b".repeat(30),
        "\u00e9".repeat(100), // 200 bytes: cut inside the line, between characters
        "",
        "\u20ac".repeat(50) + "\u{1f389}".repeat(20), // 3- and 4-byte characters across cuts
        "c".repeat(63),
        "d".repeat(64),
        "e".repeat(65),
        "",
      ],
      ["last"],
    ];
    for (const lines of batches) await storage.appendLines(LOG, lines);
    assert.deepEqual(await storage.readLines(LOG), batches.flat());
    for (const [key, { value }] of store.values) {
      assert.ok(value.byteLength <= 64, `${key} holds ${value.byteLength} bytes`);
      exact.decode(value); // every part is whole characters
    }
    assert.ok(store.values.size > 10, `${store.values.size} values`);
  });

  it("is not read when its write failed part-way, and its parts are removed", async () => {
    const store = new SmallStore(64);
    const storage = new KeyedStorage(store, "small", "Small", {}, 64);
    const kept = ["x".repeat(50), "y".repeat(50), "z"];
    await storage.appendLines(LOG, kept);
    const before = new Set(store.values.keys());
    store.failAt = store.puts + 3; // the third part of the next chunk
    await assert.rejects(
      storage.appendLines(LOG, ["p".repeat(50), "q".repeat(50), "r".repeat(50), "s".repeat(50)]),
      /put failed/,
    );
    assert.deepEqual([...store.values.keys()], [...before], "nothing of the failed chunk is left");
    assert.deepEqual(await storage.readLines(LOG), kept);
  });

  it("is left out while one of its parts is missing (not yet seen), not cut short", async () => {
    const store = new SmallStore(64);
    const storage = new KeyedStorage(store, "small", "Small", {}, 64);
    await storage.appendLines(LOG, ["before"]);
    await storage.appendLines(LOG, ["m".repeat(100), "n".repeat(100)]);
    await storage.appendLines(LOG, ["after"]);
    const part = [...store.values.keys()].find((key) => /\/\d{6}$/.test(key))!;
    const value = store.values.get(part)!;
    store.values.delete(part);
    assert.deepEqual(await storage.readLines(LOG), ["before", "after"]);
    store.values.set(part, value);
    assert.deepEqual(await storage.readLines(LOG), [
      "before",
      "m".repeat(100),
      "n".repeat(100),
      "after",
    ]);
  });

  it("KvStorage: an append of 26 MiB, and a line of 27 MiB, read back intact", async () => {
    const kv = kvNamespace();
    // The limit is real (Miniflare's KV inside workerd): one value over 25 MiB is refused.
    await assert.rejects(kv.put("limit-probe", new Uint8Array(KV_LIMIT + 1).buffer));
    const storage = new KvStorage(kv, { prefix: `t-${crypto.randomUUID()}/` });
    const pad = "ab\u20ac".repeat(10_000); // 50,000 bytes
    const batch = Array.from({ length: 546 }, (_, i) => JSON.stringify({ i, pad })); // 26 MiB
    const giant = "\u20ac".repeat(9 * MiB + 1); // 27 MiB in one line, cut between characters
    await storage.appendLines(LOG, ["start"]);
    await storage.appendLines(LOG, batch);
    await storage.appendLines(LOG, [giant]);
    await storage.appendLines(LOG, ["end"]);
    const back = await storage.readLines(LOG);
    assert.equal(back.length, batch.length + 3);
    assert.equal(back[0], "start");
    assert.ok(batch.every((line, i) => back[i + 1] === line), "the 26 MiB batch is intact");
    assert.ok(back[batch.length + 1] === giant, "the 27 MiB line is intact");
    assert.equal(back.at(-1), "end");
  });
});
