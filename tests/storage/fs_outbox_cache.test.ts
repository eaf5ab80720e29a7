// The fs outbox keeps the metadata of the entries it lists in memory: an enqueue or a peek reads
// only the metadata files it has not seen (each listing read all of them, one after the other:
// 117 ms an enqueue at 1024 entries, O(n²) to fill), a few at a time. What other storage objects
// or processes do to the same directory still shows at once: entries they add or remove (or whose
// body is gone), the whole directory removed, and the retry fields of their updates.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { FileSystem } from "../../src/storage/_fs.ts";
import { FsStorage, type FsStorageOptions } from "../../src/storage/_fs_storage.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import type { OutboxEntry } from "../../src/storage/types.ts";
import { batch } from "../_conformance/_storage_outbox.ts";
import { withTempDir } from "../_support/files.ts";
import { nodeFileSystem } from "../_support/node_file_system.ts";
import { hasFileSystem } from "../_support/runtime.ts";

/** node:fs/promises as a FileSystem that counts the metadata files it reads, and how many at once. */
interface CountingFs extends FileSystem {
  readonly metadataReads: number;
  readonly mostAtOnce: number;
  /** The metadata files read by `fn`. */
  reads(fn: () => Promise<unknown>): Promise<number>;
}

function countingFs(): CountingFs {
  let reading = 0;
  const fs = {
    ...nodeFileSystem,
    metadataReads: 0,
    mostAtOnce: 0,
    async readFile(path: string): Promise<Uint8Array> {
      if (!path.endsWith(".json")) return await nodeFileSystem.readFile(path);
      fs.metadataReads++;
      fs.mostAtOnce = Math.max(fs.mostAtOnce, ++reading);
      try {
        return await nodeFileSystem.readFile(path);
      } finally {
        reading--;
      }
    },
    async reads(fn: () => Promise<unknown>): Promise<number> {
      const before = fs.metadataReads;
      await fn();
      return fs.metadataReads - before;
    },
  };
  return fs;
}

const inTemp = (fn: (root: string) => Promise<void>) =>
  withTempDir("tracelet-outbox-cache-", (dir) => fn(join(dir, "root")));

const counted = (fs: CountingFs, options: FsStorageOptions) =>
  new FsStorage(fs, "counting", options);
const spanCounts = (entries: readonly OutboxEntry[]): number[] => entries.map((e) => e.spanCount);

describe("fs outbox: metadata kept in memory", { skip: !hasFileSystem }, () => {
  it("reads each metadata file once: enqueues read none, a new object reads all a few at a time", async () => {
    await inTemp(async (root) => {
      const fs = countingFs();
      const a = counted(fs, { root });
      const b = counted(fs, { root });
      try {
        const enqueues = await fs.reads(async () => {
          for (let i = 1; i <= 60; i++) await a.outbox.enqueue(batch(10, i));
        });
        assert.equal(enqueues, 0, "an entry written here is not read back");
        assert.equal(await a.outbox.bytes(), 600);
        const firstListing = await fs.reads(() => b.outbox.bytes());
        assert.equal(firstListing, 60, "another object reads each entry once");
        assert.ok(fs.mostAtOnce > 1 && fs.mostAtOnce <= 8, `${fs.mostAtOnce} read at once`);
        assert.equal(await fs.reads(() => b.outbox.bytes()), 0);
        let peeked: OutboxEntry[] = [];
        const peek = await fs.reads(async () => peeked = await b.outbox.peek(5));
        assert.deepEqual(spanCounts(peeked), [1, 2, 3, 4, 5]);
        assert.equal(peek, 5, "a peek reads again the metadata of the entries it returns only");
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  });

  it("forgets entries removed elsewhere, a body gone included, and lists the ones added", async () => {
    await inTemp(async (root) => {
      const fs = countingFs();
      const a = counted(fs, { root, outboxMaxEntries: 3 });
      const other = new NodeFsStorage({ root });
      const dir = join(root, "outbox");
      try {
        for (let i = 1; i <= 3; i++) await a.outbox.enqueue(batch(i, i));
        assert.equal(await a.outbox.bytes(), 6); // all three known to `a` now
        const [first, second] = await other.outbox.peek(2);
        await other.outbox.ack(first.id); // removed by another object
        await rm(join(dir, `${second.id}.bin`)); // what an update racing an ack leaves elsewhere
        await other.outbox.enqueue(batch(4, 4)); // added by another object
        assert.equal(await a.outbox.bytes(), 3 + 4);
        assert.deepEqual(spanCounts(await a.outbox.peek(10)), [3, 4]);
        assert.ok(!(await readdir(dir)).includes(`${second.id}.json`), "the metadata is removed");
        assert.deepEqual((await a.outbox.enqueue(batch(5, 5))).evicted, [], "3 entries fit");
        const result = await a.outbox.enqueue(batch(6, 6));
        assert.deepEqual(result.evicted.map((e) => e.spanCount), [3], "only the oldest present");
        assert.deepEqual(spanCounts(await a.outbox.peek(10)), [4, 5, 6]);
        assert.deepEqual(spanCounts(await other.outbox.peek(10)), [4, 5, 6]);
      } finally {
        await Promise.all([a.close(), other.close()]);
      }
    });
  });

  it("starts empty again when the whole outbox directory is removed", async () => {
    await inTemp(async (root) => {
      const a = counted(countingFs(), { root });
      try {
        for (let i = 1; i <= 3; i++) await a.outbox.enqueue(batch(10, i));
        assert.equal(await a.outbox.bytes(), 30);
        await rm(join(root, "outbox"), { recursive: true });
        assert.equal(await a.outbox.bytes(), 0);
        assert.deepEqual(await a.outbox.peek(10), []);
        await a.outbox.enqueue(batch(7, 9));
        assert.deepEqual(spanCounts(await a.outbox.peek(10)), [9]);
      } finally {
        await a.close();
      }
    });
  });

  it("returns the retry fields another object stored last, and honors its notBefore", async () => {
    await inTemp(async (root) => {
      const a = counted(countingFs(), { root });
      const other = new NodeFsStorage({ root });
      try {
        await a.outbox.enqueue(batch(10, 1));
        const [entry] = await a.outbox.peek(1);
        assert.equal(entry.attempts, 0);
        const later = Date.now() + 60_000;
        await other.outbox.update(entry.id, { attempts: 3, notBefore: later, reason: "http_429" });
        assert.deepEqual(await a.outbox.peek(10, { dueBy: Date.now() }), [], "not due any more");
        const [deferred] = await a.outbox.peek(10);
        assert.deepEqual(
          [deferred.attempts, deferred.notBefore, deferred.reason],
          [3, later, "http_429"],
        );
        await other.outbox.update(entry.id, { attempts: 4, notBefore: 0, reason: "network" });
        const [due] = await a.outbox.peek(10, { dueBy: Date.now() });
        assert.deepEqual([due.attempts, due.notBefore, due.reason], [4, 0, "network"]);
        await a.outbox.update(entry.id, { attempts: 5, notBefore: 0, reason: "http_503" });
        assert.equal((await other.outbox.peek(1))[0].attempts, 5);
      } finally {
        await Promise.all([a.close(), other.close()]);
      }
    });
  });
});
