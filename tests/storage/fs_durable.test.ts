// The `durable` option of the file-system storages: every append, blob and outbox entry is flushed
// to the disk before its promise resolves, and the directory that got a new name after it (the
// first time, up to the root); without it only outbox bodies are. Checked through the storage's
// file-system seam (which flushes were asked for, and in which order) and on the real adapters
// (the flushes the runtime's file handles made). Also: a content-addressed blob left empty, cut
// short or overwritten (as a power loss leaves an unflushed file) is not taken as stored, and is
// written again.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { open, readFile, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TracerError } from "../../src/errors.ts";
import type { FileSystem } from "../../src/storage/_fs.ts";
import { FsStorage } from "../../src/storage/_fs_storage.ts";
import { DenoFsStorage } from "../../src/storage/deno_fs.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import type { OutboxInput, TraceStorage } from "../../src/storage/types.ts";
import { withTempDir } from "../_support/files.ts";
import { nodeFileSystem } from "../_support/node_file_system.ts";
import { hasFileSystem, isDeno } from "../_support/runtime.ts";

const encoder = new TextEncoder();
const HELLO = encoder.encode("hello");
const HELLO_KEY = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
const EMPTY_KEY = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const batch: OutboxInput = {
  body: encoder.encode("batch"),
  contentType: "application/x-protobuf",
  spanCount: 1,
  reason: "http_503",
  createdAt: Date.now(),
  notBefore: 0,
  attempts: 0,
};

/**
 * node:fs/promises as a FileSystem that records the writes and flushes asked of it, in order, once
 * done (a write retried after its directory is made is recorded once). Paths are shown from the
 * root; a temporary file as `<its target> (temp)`.
 */
function recording(events: string[], root: string): FileSystem {
  const shown = (path: string) => {
    const short = path.slice(root.length) || "/";
    const temp = /^(.*\/)\.(.+)\.\d+\.tmp$/.exec(short);
    return temp === null ? short : `${temp[1]}${temp[2]} (temp)`;
  };
  return {
    ...nodeFileSystem,
    async appendFile(path, data, sync) {
      await nodeFileSystem.appendFile(path, data);
      events.push(`append${sync ? "+sync" : ""} ${shown(path)}`);
    },
    async writeFile(path, data, sync) {
      await nodeFileSystem.writeFile(path, data);
      events.push(`write${sync ? "+sync" : ""} ${shown(path)}`);
    },
    async rename(from, to) {
      await nodeFileSystem.rename(from, to);
      events.push(`rename ${shown(to)}`);
    },
    syncDir(path) {
      events.push(`syncDir ${shown(path)}`);
      return Promise.resolve();
    },
  };
}

describe("durable fs storage, through its file system", { skip: !hasFileSystem }, () => {
  it("flushes each append, blob and outbox entry, then the directory that got the name", () =>
    withTempDir("tracelet-durable-", async (dir) => {
      const root = join(dir, "root");
      const events: string[] = [];
      const s = new FsStorage(recording(events, root), "recording", { root, durable: true });
      await s.appendLines(["projects", "p", "r", "spans.jsonl"], ["a"]);
      assert.deepEqual(events.splice(0), [
        "append+sync /projects/p/r/spans.jsonl",
        "syncDir /projects/p/r", // the first time, up to the root: the directories are new
        "syncDir /projects/p",
        "syncDir /projects",
        "syncDir /",
      ]);
      await s.appendLines(["projects", "p", "r", "spans.jsonl"], ["b"]);
      await s.appendLines(["projects", "p", "r", "events.jsonl"], ["c"]);
      assert.deepEqual(events.splice(0), [
        "append+sync /projects/p/r/spans.jsonl", // its name is on the disk already
        "append+sync /projects/p/r/events.jsonl",
        "syncDir /projects/p/r", // a new name there; the directories above are flushed
      ]);
      await s.putBlob(HELLO_KEY, HELLO);
      const blob = `/artifacts/sha256/2c/f2/${HELLO_KEY.slice(7)}`;
      assert.deepEqual(events.splice(0), [
        `write+sync ${blob} (temp)`, // flushed before the rename
        `rename ${blob}`,
        "syncDir /artifacts/sha256/2c/f2", // after it
        "syncDir /artifacts/sha256/2c",
        "syncDir /artifacts/sha256",
        "syncDir /artifacts", // the root's entries are on the disk already
      ]);
      await s.outbox.enqueue(batch);
      const written = events.splice(0);
      assert.deepEqual(written.map((e) => e.replace(/[0-9]{15}-[0-9]{6}-[0-9a-f]{8}/, "<id>")), [
        "write+sync /outbox/<id>.bin (temp)",
        "rename /outbox/<id>.bin",
        "write+sync /outbox/<id>.json (temp)",
        "rename /outbox/<id>.json",
        "syncDir /outbox",
      ]);
      await s.close();
    }));

  it("flushes nothing but outbox bodies without the option", () =>
    withTempDir("tracelet-durable-", async (dir) => {
      const root = join(dir, "root");
      const events: string[] = [];
      const s = new FsStorage(recording(events, root), "recording", { root });
      await s.appendLines(["spans.jsonl"], ["a"]);
      await s.putBlob(HELLO_KEY, HELLO);
      await s.outbox.enqueue(batch);
      await s.close();
      const flushes = events.filter((e) => e.includes("+sync") || e.startsWith("syncDir"));
      assert.equal(flushes.length, 1, flushes.join());
      assert.match(flushes[0], /^write\+sync \/outbox\/.*\.bin/);
    }));

  it("takes `durable` as true or false only", () => {
    assert.throws(
      () =>
        new FsStorage(nodeFileSystem, "x", { root: "/r", durable: "yes" as unknown as boolean }),
      (e) => e instanceof TracerError && e.code === "INVALID_CONFIG",
    );
  });
});

/** Counts the flushes the runtime's file handles make while `fn` runs. */
async function countingFlushes(dir: string, fn: () => Promise<void>): Promise<number> {
  let flushes = 0;
  const probe = join(dir, "probe");
  await writeFile(probe, "");
  const deno =
    (globalThis as unknown as { Deno?: { FsFile?: { prototype: Record<string, unknown> } } })
      .Deno;
  const handle = await open(probe, "r");
  const prototypes = [Object.getPrototypeOf(handle) as Record<string, unknown>];
  await handle.close();
  if (deno?.FsFile !== undefined) prototypes.push(deno.FsFile.prototype);
  const restore: (() => void)[] = [];
  for (const prototype of prototypes) {
    for (const name of ["sync", "datasync", "syncData"]) {
      const original = prototype[name];
      if (typeof original !== "function") continue;
      prototype[name] = function (this: unknown, ...args: unknown[]) {
        flushes++;
        return original.apply(this, args);
      };
      restore.push(() => prototype[name] = original);
    }
  }
  try {
    await fn();
  } finally {
    for (const undo of restore) undo();
  }
  return flushes;
}

const adapters: [string, (root: string, durable?: boolean) => TraceStorage][] = [
  ["node-fs", (root, durable) => new NodeFsStorage({ root, durable })],
];
if (isDeno) adapters.push(["deno-fs", (root, durable) => new DenoFsStorage({ root, durable })]);

for (const [name, create] of adapters) {
  describe(`${name}: durable writes on a real disk`, { skip: !hasFileSystem }, () => {
    it("flushes files and directories with `durable`, only outbox bodies without", () =>
      withTempDir("tracelet-durable-", async (dir) => {
        const work = async (durable: boolean) => {
          const s = create(join(dir, `root-${durable}`), durable);
          const appended = await countingFlushes(dir, () => s.appendLines(["a.jsonl"], ["x"]));
          const stored = await countingFlushes(dir, () => s.putBlob(HELLO_KEY, HELLO));
          const parked = await countingFlushes(dir, async () => void await s.outbox.enqueue(batch));
          await s.close?.();
          return { appended, stored, parked };
        };
        const durable = await work(true);
        // The file, then its directory (the first time, the root's too).
        assert.ok(durable.appended >= 2, JSON.stringify(durable));
        assert.ok(durable.stored >= 2, JSON.stringify(durable));
        assert.ok(durable.parked >= 3, JSON.stringify(durable)); // body, metadata, directory
        assert.deepEqual(await work(false), { appended: 0, stored: 0, parked: 1 });
        assert.deepEqual(await readFile(join(dir, "root-true", "a.jsonl"), "utf8"), "x\n");
      }));

    it("writes again a content-addressed blob a power loss left empty, cut short or wrong", () =>
      withTempDir("tracelet-durable-", async (dir) => {
        const root = join(dir, "root");
        const file = join(root, "artifacts", "sha256", "2c", "f2", HELLO_KEY.slice(7));
        const first = create(root);
        await first.putBlob(HELLO_KEY, HELLO);
        await first.putBlob(EMPTY_KEY, new Uint8Array());
        await first.close?.();
        for (const left of ["", "hel", "jello"]) {
          await writeFile(file, left); // what the disk kept of an unflushed write
          const next = create(root);
          assert.equal(await next.hasBlob(HELLO_KEY), false, `"${left}" is not stored`);
          if (left === "") assert.equal(await next.getBlob(HELLO_KEY), undefined);
          await next.putBlob(HELLO_KEY, HELLO);
          assert.equal(await readFile(file, "utf8"), "hello");
          assert.equal(await next.hasBlob(HELLO_KEY), true);
          await next.close?.();
        }
        await truncate(file, 0);
        const streamed = create(root);
        await streamed.putBlobStream!(
          HELLO_KEY,
          (async function* () {
            yield encoder.encode("hel");
            yield encoder.encode("lo");
          })(),
        );
        assert.equal(await readFile(file, "utf8"), "hello");
        const empty = create(root);
        assert.equal(await empty.hasBlob(EMPTY_KEY), true, "the empty content's blob is empty");
        assert.deepEqual(await empty.getBlob(EMPTY_KEY), new Uint8Array());
        await Promise.all([streamed.close?.(), empty.close?.()]);
      }));
  });
}
