// The outbox of every adapter drops an entry whose body is not as long as its stored size (a
// body cut short by a crash), instead of handing it to a drain that would send it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { withDiagnostics } from "../_support/otlp_helpers.ts";
import { BoundedOutbox, type OutboxStore } from "../../src/storage/_outbox.ts";
import { outboxLimits } from "../../src/storage/_outbox_entries.ts";
import type { OutboxEntryInfo } from "../../src/storage/types.ts";
import { batch } from "../_conformance/_storage_outbox.ts";
import {
  type DurableObjectStorageLike,
  DurableObjectTraceStorage,
} from "../../src/storage/_durable_object_storage.ts";

/** A store in a Map, whose bodies a test can cut, and whose removals can be made to fail. */
class CuttableStore implements OutboxStore {
  readonly entries = new Map<string, { info: OutboxEntryInfo; body: Uint8Array }>();
  failRemovals = false;
  list = () => Promise.resolve([...this.entries.values()].map((e) => e.info));
  get = (id: string) => Promise.resolve(this.entries.get(id)?.info);
  readBody = (id: string) => Promise.resolve(this.entries.get(id)?.body);
  write(info: OutboxEntryInfo, body: Uint8Array): Promise<void> {
    this.entries.set(info.id, { info, body: new Uint8Array(body) });
    return Promise.resolve();
  }
  remove(id: string): Promise<boolean> {
    if (this.failRemovals) return Promise.reject(new Error("EIO"));
    return Promise.resolve(this.entries.delete(id));
  }
  cut(id: string, length: number): void {
    const entry = this.entries.get(id)!;
    entry.body = entry.body.subarray(0, length);
  }
}

describe("outbox: a body cut short", () => {
  it("is removed with one outbox_corrupt warning, never returned by peek", async () => {
    const store = new CuttableStore();
    const outbox = new BoundedOutbox(store, outboxLimits());
    await withDiagnostics(async (seen) => {
      for (const fill of [1, 2]) await outbox.enqueue(batch(10, fill));
      const [first] = await outbox.peek(1);
      store.cut(first.id, 3);
      const lease = { owner: "drainer", millis: 60_000 };
      assert.deepEqual((await outbox.peek(10, { lease })).map((e) => e.body[0]), [2]);
      assert.deepEqual([...store.entries.keys()].includes(first.id), false);
      assert.equal(await outbox.bytes(), 10);
      assert.deepEqual(seen.map((d) => [d.level, d.code]), [["warn", "outbox_corrupt"]]);
      assert.match(seen[0].message, /3 bytes instead of 10.*1 spans are lost/);
    });
  });

  it("is skipped, reported once, when it cannot be removed; peek does not reject", async () => {
    const store = new CuttableStore();
    const outbox = new BoundedOutbox(store, outboxLimits());
    await withDiagnostics(async (seen) => {
      await outbox.enqueue(batch(10, 1));
      const [entry] = await outbox.peek(1);
      store.cut(entry.id, 0);
      store.failRemovals = true;
      assert.deepEqual(await outbox.peek(10), []);
      assert.deepEqual(await outbox.peek(10), []);
      assert.equal(seen.filter((d) => d.code === "outbox_corrupt").length, 1);
      store.failRemovals = false;
      assert.deepEqual(await outbox.peek(10), []);
      assert.equal(store.entries.size, 0);
    });
  });

  it("an entry acked by another Durable Object instance while this one reads it is gone, not corrupt", async () => {
    // Two instances over one storage: one acks while the other has read the metadata and lists
    // the body parts, which are already deleted. That read an empty body and reported the
    // delivered batch as lost (outbox_corrupt).
    const map = new Map<string, unknown>();
    const tick = () => new Promise((resolve) => setTimeout(resolve, 1));
    const storage: DurableObjectStorageLike = {
      async get(key) {
        await tick();
        return map.get(key);
      },
      async put(entries) {
        await tick();
        for (const [key, value] of Object.entries(entries)) map.set(key, value);
      },
      async delete(keys) {
        await tick();
        let n = 0;
        for (const key of keys) n += map.delete(key) ? 1 : 0;
        return n;
      },
      async list({ prefix = "", startAfter, limit = Infinity } = {}) {
        await tick();
        const keys = [...map.keys()]
          .filter((k) => k.startsWith(prefix) && (startAfter === undefined || k > startAfter))
          .sort()
          .slice(0, limit);
        return new Map(keys.map((k) => [k, map.get(k)]));
      },
    };
    await withDiagnostics(async (seen) => {
      for (let delay = 0; delay < 4; delay++) {
        map.clear();
        const a = new DurableObjectTraceStorage(storage);
        const b = new DurableObjectTraceStorage(storage);
        await a.outbox.enqueue(batch(100));
        const [entry] = await a.outbox.peek(1);
        const peeking = b.outbox.peek(10);
        await new Promise((resolve) => setTimeout(resolve, delay));
        await a.outbox.ack(entry.id);
        await peeking;
      }
      assert.deepEqual(seen.map((d) => d.code), []);
    });
  });
});
