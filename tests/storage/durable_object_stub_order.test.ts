// DurableObjectStubStorage sends a log's calls one after another, in call order, whatever order
// the object would receive concurrent requests in: here a stub whose first requests take longest
// to arrive (as a large body arrives after a small one). Calls on different logs still run at
// once. Over the Durable Object fake, on every runtime (tests/storage/
// durable_object_append_order.test.ts runs the same in a real workerd).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DurableObjectStubStorage } from "../../src/storage/durable_object.ts";
import type {
  DurableObjectNamespaceLike,
  DurableObjectStubLike,
} from "../../src/storage/durable_object.ts";
import { FakeDurableObjectNamespace } from "../_fakes/cloudflare.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The fake namespace, its requests delayed: the n-th request of 8 arrives after (8 - n) × 5 ms. */
class SlowFirstNamespace implements DurableObjectNamespaceLike {
  readonly #inner = new FakeDurableObjectNamespace();
  sent = 0;
  inFlight = 0;
  maxInFlight = 0;

  idFromName(name: string): unknown {
    return this.#inner.idFromName(name);
  }

  get(id: never): DurableObjectStubLike {
    const stub = this.#inner.get(id);
    return {
      fetch: async (input, init) => {
        const delay = Math.max(0, 8 - this.sent++) * 5;
        this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
        try {
          await sleep(delay);
          return await stub.fetch(input, init);
        } finally {
          this.inFlight--;
        }
      },
    };
  }
}

describe("DurableObjectStubStorage: concurrent calls on one log", () => {
  it("reach the object in call order, a read after every append made before it", async () => {
    const namespace = new SlowFirstNamespace();
    const storage = new DurableObjectStubStorage(namespace, { name: "order" });
    const log = ["runs", "r", "spans.jsonl"];
    const appends = Array.from({ length: 6 }, (_, i) => storage.appendLines(log, [`line ${i}`]));
    const early = storage.readLines(log);
    await Promise.all(appends);
    const expected = Array.from({ length: 6 }, (_, i) => `line ${i}`);
    assert.deepEqual(await early, expected);
    assert.deepEqual(await storage.readLines(log), expected);
  });

  it("keep two storages over one binding in call order; other logs run at once", async () => {
    const namespace = new SlowFirstNamespace();
    const first = new DurableObjectStubStorage(namespace, { name: "order" });
    const second = new DurableObjectStubStorage(namespace, { name: "order" });
    const log = ["shared.jsonl"];
    await Promise.all([
      first.appendLines(log, ["a"]),
      second.appendLines(log, ["b"]),
      first.appendLines(log, ["c"]),
      ...Array.from({ length: 4 }, (_, i) => second.appendLines([`other-${i}.jsonl`], ["x"])),
    ]);
    assert.deepEqual(await second.readLines(log), ["a", "b", "c"]);
    assert.ok(namespace.maxInFlight >= 4, `${namespace.maxInFlight} requests at once`);
  });
});
