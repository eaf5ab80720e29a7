// The outbox of every adapter drops an entry whose body is not as long as its stored size (a
// body cut short by a crash), instead of handing it to a drain that would send it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { withDiagnostics } from "../_support/otlp_helpers.ts";
import { BoundedOutbox, type OutboxStore } from "../../src/storage/_outbox.ts";
import { outboxLimits } from "../../src/storage/_outbox_entries.ts";
import type { OutboxEntryInfo } from "../../src/storage/types.ts";
import { batch } from "../_conformance/_storage_outbox.ts";

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
  remove(id: string): Promise<void> {
    if (this.failRemovals) return Promise.reject(new Error("EIO"));
    this.entries.delete(id);
    return Promise.resolve();
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
});
