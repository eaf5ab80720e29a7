// Task blobs on their way to a slow storage are bounded in memory: at most MAX_BLOB_BACKLOG_BYTES
// (64 MiB) of them are held at once across the process. Logged objects past it are exported
// inline (object_blob_backlog) instead of held; file artifacts logged without `await` wait their
// turn instead of being read all at once. Nothing accepted is lost: every artifact is stored once
// the storage catches up. Node, Deno and Bun (the values take ~150 MB, more than a Worker has;
// artifacts need a file system).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { nodeLocalFiles } from "../../src/runtime/node_local_files.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { blobBytesHeld, MAX_BLOB_BACKLOG_BYTES } from "../../src/task/_blob_backlog.ts";
import type { ArtifactRecord } from "../../src/task/artifacts.ts";
import { logOutput, run, type StoredObject, taskSpan } from "../../src/task/mod.ts";
import { withTempDir } from "../_support/files.ts";
import { hasFileSystem, isWorkerd } from "../_support/runtime.ts";
import { jsonAttr, withTaskEnv } from "../_support/task_env.ts";

const MiB = 1024 * 1024;

/** A memory storage whose blob writes wait until `open()`; counts the writes waiting. */
class GatedBlobs extends MemoryStorage {
  waiting = 0;
  mostWaiting = 0;
  #open!: () => void;
  readonly #opened = new Promise<void>((resolve) => (this.#open = resolve));
  constructor() {
    super({ maxBlobBytes: 2 ** 31 });
  }
  open(): void {
    this.#open();
  }
  override async putBlob(key: string, bytes: Uint8Array): Promise<void> {
    this.mostWaiting = Math.max(this.mostWaiting, ++this.waiting);
    await this.#opened;
    this.waiting--;
    return super.putBlob(key, bytes);
  }
}

/** Waits until `predicate` holds (at most 10 s). */
async function until(predicate: () => boolean): Promise<void> {
  for (const start = Date.now(); !predicate();) {
    if (Date.now() - start > 10_000) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("task blobs on their way to a slow storage", { skip: isWorkerd }, () => {
  it("hold at most 64 MiB of logged objects; later ones are exported inline, reported", async () => {
    const storage = new GatedBlobs();
    const objectMiB = 2;
    // A string is stored as its text: each blob is objectMiB MiB.
    const fit = Math.floor(MAX_BLOB_BACKLOG_BYTES / (objectMiB * MiB));
    const count = fit + 3;
    await withTaskEnv(async (env) => {
      const runId = await run("slow", {}, async (r) => {
        for (let k = 0; k < count; k++) {
          logOutput(`o${k}`, String(k).padEnd(objectMiB * MiB, "x"));
        }
        assert.ok(blobBytesHeld() <= MAX_BLOB_BACKLOG_BYTES, String(blobBytesHeld()));
        await until(() => storage.waiting === fit);
        storage.open();
        await r.settled();
        return r.runId;
      });
      assert.equal(blobBytesHeld(), 0, "every hold is released");
      assert.equal(storage.mostWaiting, fit);
      const line = (await env.runLines(runId))[0];
      const objects = Object.values(
        jsonAttr<Record<string, StoredObject>>(line, "dreadnode.objects"),
      );
      assert.deepEqual(
        objects.map((o) => o.type),
        [...Array(fit).fill("uri"), "val", "val", "val"],
      );
      assert.ok(env.codes().includes("object_blob_backlog"), env.codes().join());
    }, { storage });
  });

  it(
    "read file artifacts logged without await a bounded number of bytes at a time, and store all",
    { skip: !hasFileSystem },
    async () => {
      await withTempDir("tracelet-blob-backlog-", async (dir) => {
        const fileMiB = 20;
        const paths: string[] = [];
        for (let k = 0; k < 6; k++) {
          const path = join(dir, `file${k}.bin`);
          await writeFile(path, `file ${k}`);
          await truncate(path, fileMiB * MiB); // sparse
          paths.push(path);
        }
        const storage = new GatedBlobs();
        const fit = Math.floor(MAX_BLOB_BACKLOG_BYTES / (fileMiB * MiB));
        await withTaskEnv(async (env) => {
          const records = await taskSpan("t", {}, async (t) => {
            const pending = paths.map((path) => t.logArtifact(path));
            await until(() => storage.waiting === fit);
            await new Promise((resolve) => setTimeout(resolve, 50));
            assert.equal(storage.waiting, fit, "the other files wait before they are read");
            storage.open();
            return await Promise.all(pending);
          }) as ArtifactRecord[];
          assert.equal(storage.mostWaiting, fit);
          assert.equal(new Set(records.map((r) => r.oid)).size, paths.length);
          for (const record of records) {
            assert.equal(record.size, fileMiB * MiB);
            assert.equal((await storage.getBlob(record.oid))?.byteLength, fileMiB * MiB);
          }
          assert.deepEqual(env.codes(), []);
          assert.equal(blobBytesHeld(), 0);
        }, { files: nodeLocalFiles, storage });
      });
    },
  );
});
