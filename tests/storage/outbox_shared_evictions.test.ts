// Two outboxes over the same entries (two processes, or two storage objects, on one fs root) that
// evict the same oldest entry at once: only the one whose removal deleted it reports it, so an
// `outbox_full` drop is counted once.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BoundedOutbox, type OutboxStore } from "../../src/storage/_outbox.ts";
import { outboxLimits } from "../../src/storage/_outbox_entries.ts";
import { DenoFsStorage } from "../../src/storage/deno_fs.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import type { EnqueueResult, OutboxEntryInfo, TraceStorage } from "../../src/storage/types.ts";
import { batch } from "../_conformance/_storage_outbox.ts";
import { hasFileSystem, isDeno } from "../_support/runtime.ts";

/** Entries in a Map that several outboxes share, as processes share a directory. */
class SharedStore implements OutboxStore {
  readonly entries = new Map<string, { info: OutboxEntryInfo; body: Uint8Array }>();
  list = () => Promise.resolve([...this.entries.values()].map((e) => e.info));
  get = (id: string) => Promise.resolve(this.entries.get(id)?.info);
  readBody = (id: string) => Promise.resolve(this.entries.get(id)?.body);
  write(info: OutboxEntryInfo, body: Uint8Array): Promise<void> {
    this.entries.set(info.id, { info, body });
    return Promise.resolve();
  }
  remove(id: string): Promise<boolean> {
    return Promise.resolve(this.entries.delete(id));
  }
}

const removedIds = (results: readonly EnqueueResult[]): string[] =>
  results.flatMap((r) => [...r.evicted, ...(r.expired ?? [])].map((e) => e.id));

describe("shared outbox evictions", () => {
  it("two outboxes over one store that evict the same entry report it once", async () => {
    const store = new SharedStore();
    const limits = outboxLimits({ outboxMaxEntries: 1 });
    const a = new BoundedOutbox(store, limits);
    const b = new BoundedOutbox(store, limits);
    const first = await a.enqueue(batch(10, 1));
    assert.equal(first.accepted, true);
    const [oldest] = await store.list();
    // Both list the full outbox before either removes anything, then both evict `oldest`.
    const results = await Promise.all([a.enqueue(batch(10, 2)), b.enqueue(batch(10, 3))]);
    assert.deepEqual(results.map((r) => r.accepted), [true, true]);
    assert.deepEqual(removedIds(results), [oldest.id]);
  });

  const adapters: [string, (root: string) => TraceStorage][] = [
    ["node-fs", (root) => new NodeFsStorage({ root, outboxMaxEntries: 5 })],
  ];
  if (isDeno) {
    adapters.push(["deno-fs", (root) => new DenoFsStorage({ root, outboxMaxEntries: 5 })]);
  }
  for (const [name, create] of adapters) {
    it(`${name}: two storage objects on one root report each evicted entry once`, {
      skip: !hasFileSystem,
    }, async () => {
      const root = await mkdtemp(join(tmpdir(), "tracelet-evict-"));
      const storages = [create(root), create(root)];
      try {
        const results = await Promise.all(storages.map(async (s, k) => {
          const own: EnqueueResult[] = [];
          for (let i = 0; i < 40; i++) own.push(await s.outbox.enqueue(batch(10, 1 + k)));
          return own;
        }));
        const all = results.flat();
        const removed = removedIds(all);
        assert.equal(new Set(removed).size, removed.length, "an entry reported twice");
        const accepted = all.filter((r) => r.accepted).length;
        const left = (await storages[0].outbox.peek(1000)).length;
        assert.equal(accepted - removed.length, left, "every removed entry reported once");
      } finally {
        for (const s of storages) await s.close?.();
        await rm(root, { recursive: true, force: true });
      }
    });
  }
});
