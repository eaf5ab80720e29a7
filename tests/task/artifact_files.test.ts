import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { Buffer } from "node:buffer";
import { mkdir, open, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import type { LocalFiles } from "../../src/config_state.ts";
import { Sha256 } from "../../src/hash/sha256.ts";
import { bytesToHex } from "../../src/ids.ts";
import { nodeLocalFiles } from "../../src/runtime/node_local_files.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import type { TraceStorage } from "../../src/storage/types.ts";
import type { ArtifactRecord } from "../../src/task/artifacts.ts";
import {
  type ChunkedFiles,
  sha256Hex,
  STREAM_ARTIFACT_BYTES,
} from "../../src/task/_artifact_blobs.ts";
import { taskSpan } from "../../src/task/mod.ts";
import { withTempDir } from "../_support/files.ts";
import { hasFileSystem } from "../_support/runtime.ts";
import { withTaskEnv } from "../_support/task_env.ts";

const MiB = 1024 * 1024;

/** Memory storage that also takes blobs as chunks, keeping only their digest and sizes. */
class StreamingStorage extends MemoryStorage implements TraceStorage {
  readonly streamed = new Map<string, { hex: string; size: number }>();
  largestChunk = 0;
  async putBlobStream(key: string, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const hash = new Sha256();
    let size = 0;
    for await (const chunk of chunks) {
      hash.update(chunk);
      size += chunk.length;
      this.largestChunk = Math.max(this.largestChunk, chunk.length);
    }
    this.streamed.set(key, { hex: bytesToHex(hash.digest()), size });
  }
  override async hasBlob(key: string): Promise<boolean> {
    return this.streamed.has(key) || await super.hasBlob(key);
  }
}

function mkfifo(path: string): boolean {
  try {
    execFileSync("mkfifo", [path]);
    return true;
  } catch {
    return false;
  }
}

/** A sparse file of `size` bytes: `head` at the start, `tail` at the end, zeros between. */
async function sparseFile(path: string, size: number): Promise<Uint8Array> {
  const head = new TextEncoder().encode("head");
  const tail = new TextEncoder().encode("tail");
  await writeFile(path, head);
  await truncate(path, size);
  const handle = await open(path, "r+");
  await handle.write(tail, 0, tail.length, size - tail.length);
  await handle.close();
  const bytes = new Uint8Array(size);
  bytes.set(head);
  bytes.set(tail, size - tail.length);
  return bytes;
}

describe("artifact files", () => {
  it("incremental SHA-256 matches crypto.subtle for any length and chunking", async () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 70_000]) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 31 + 7) & 255);
      for (const step of [1, 37, 64, 4096]) {
        const hash = new Sha256();
        for (let i = 0; i < n; i += step) hash.update(bytes.subarray(i, i + step));
        assert.equal(bytesToHex(hash.digest()), await sha256Hex(bytes), `${n} bytes by ${step}`);
      }
    }
  });

  it(
    "the presets' native SHA-256 for large files gives the portable one's digest",
    { skip: !hasFileSystem },
    () => {
      assert.equal(typeof nodeLocalFiles.sha256, "function");
      for (const n of [0, 1, 63, 64, 65, 1000, 70_000]) {
        const bytes = new Uint8Array(n).map((_, i) => (i * 13 + 5) & 255);
        for (const step of [1, 64, 4096]) {
          const native = nodeLocalFiles.sha256!();
          const portable = new Sha256();
          for (let i = 0; i < n; i += step) {
            native.update(bytes.subarray(i, i + step));
            portable.update(bytes.subarray(i, i + step));
          }
          assert.equal(
            bytesToHex(native.digest()),
            bytesToHex(portable.digest()),
            `${n} by ${step}`,
          );
        }
      }
    },
  );

  it("a FIFO settles at once with artifact_not_regular", { skip: !hasFileSystem }, async (t) => {
    await withTempDir("tracelet-artifact-files-", async (dir) => {
      const pipe = join(dir, "pipe");
      if (!mkfifo(pipe)) return t.skip("mkfifo is not available");
      await withTaskEnv(async (env) => {
        const t = taskSpan("t");
        const pending = t.logArtifact(pipe);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise((r) => timer = setTimeout(() => r("pending"), 2000));
        const first = await Promise.race([pending, timeout]);
        clearTimeout(timer);
        if (first === "pending") await (await open(pipe, "w")).close(); // unblocks a stuck read
        await pending;
        t.end();
        assert.equal(first, undefined, "resolved undefined, not still pending");
        assert.ok(env.codes().includes("artifact_not_regular"));
      }, { files: nodeLocalFiles });
    });
  });

  it(
    "a large file is hashed and stored a chunk at a time, with the same record",
    { skip: !hasFileSystem },
    async () => {
      await withTempDir("tracelet-artifact-files-", async (dir) => {
        const path = join(dir, "model.bin");
        const size = STREAM_ARTIFACT_BYTES + 3 * MiB + 5;
        const expected = `sha256:${await sha256Hex(await sparseFile(path, size))}`;
        const storage = new StreamingStorage();
        await withTaskEnv(async (env) => {
          const record = await taskSpan("t", {}, (t) => t.logArtifact(path)) as ArtifactRecord;
          assert.deepEqual(Object.keys(record), [
            "task_id",
            "span_id",
            "name",
            "oid",
            "path",
            "size",
            "mime_type",
            "timestamp",
          ]);
          assert.equal(record.oid, expected);
          assert.equal(record.size, size);
          assert.equal(record.path, path);
          assert.equal(record.name, "model.bin");
          assert.deepEqual(storage.streamed.get(expected), { hex: expected.slice(7), size });
          assert.ok(
            storage.largestChunk <= MiB,
            `chunks of at most 1 MiB: ${storage.largestChunk}`,
          );
          assert.equal(storage.stats().blobBytes, 0, "not put whole");
          assert.deepEqual(env.codes(), []);
        }, { files: nodeLocalFiles, storage });
      });
    },
  );

  it(
    "a large file is stored through the fs storage's putBlobStream, with the record of a whole read",
    { skip: !hasFileSystem },
    async () => {
      await withTempDir("tracelet-artifact-files-", async (dir) => {
        const path = join(dir, "model.bin");
        const size = STREAM_ARTIFACT_BYTES + 6 * MiB; // 70 MiB, sparse
        const expected = `sha256:${await sha256Hex(await sparseFile(path, size))}`;
        const calls: string[] = [];
        const storage = new class extends NodeFsStorage {
          override putBlob(key: string, bytes: Uint8Array): Promise<void> {
            calls.push("putBlob");
            return super.putBlob(key, bytes);
          }
          override putBlobStream(key: string, chunks: AsyncIterable<Uint8Array>): Promise<void> {
            calls.push("putBlobStream");
            return super.putBlobStream(key, chunks);
          }
        }({ root: join(dir, "root") });
        // The same file through a storage that only takes whole blobs: the file is read whole.
        let whole: ArtifactRecord | undefined;
        await withTaskEnv(async () => {
          whole = await taskSpan("t", {}, (t) => t.logArtifact(path)) as ArtifactRecord;
        }, { files: nodeLocalFiles, storage: new MemoryStorage({ maxBlobBytes: 2 * size }) });
        const comparable = ({ task_id: _, span_id: __, timestamp: ___, ...rest }: ArtifactRecord) =>
          rest;
        try {
          await withTaskEnv(async (env) => {
            const record = await taskSpan("t", {}, (t) => t.logArtifact(path)) as ArtifactRecord;
            assert.deepEqual(calls, ["putBlobStream"]);
            assert.deepEqual(env.codes(), []);
            assert.deepEqual(Object.keys(record), Object.keys(whole!));
            assert.deepEqual(comparable(record), comparable(whole!));
            assert.equal(record.oid, expected);
            assert.equal(record.size, size);
            const stored = await storage.getBlob(expected);
            assert.equal(stored?.byteLength, size);
            assert.equal(`sha256:${await sha256Hex(stored!)}`, expected);
          }, { files: nodeLocalFiles, storage });
        } finally {
          await storage.close();
        }
      });
    },
  );

  it("a file that changes while it is stored is not stored under the first hash", async () => {
    let reads = 0;
    const size = STREAM_ARTIFACT_BYTES + 1;
    const files: LocalFiles & ChunkedFiles = {
      resolve: (p) => p,
      stat: () => Promise.resolve({ isFile: true, isDirectory: false, size }),
      listFiles: () => Promise.resolve([]),
      readFile: () => Promise.reject(new Error("read whole")),
      async *readChunks(_path, chunkSize) {
        const fill = reads++;
        for (let done = 0; done < size; done += chunkSize) {
          yield new Uint8Array(Math.min(chunkSize, size - done)).fill(fill);
        }
      },
    };
    const storage = new StreamingStorage();
    await withTaskEnv(async (env) => {
      const record = await taskSpan("t", {}, (t) => t.logArtifact("/data/changing.bin"));
      assert.equal(record, undefined);
      assert.equal(storage.streamed.size, 0);
      assert.ok(env.codes().includes("artifact_failed"));
    }, { files, storage });
  });

  it(
    "a file larger than the storage can take whole fails with artifact_too_large",
    { skip: !hasFileSystem },
    async () => {
      await withTempDir("tracelet-artifact-files-", async (dir) => {
        const path = join(dir, "huge.bin");
        await writeFile(path, "");
        await truncate(path, 2 ** 31 + 1); // sparse: takes no disk space
        await withTaskEnv(async (env) => {
          const record = await taskSpan("t", {}, (t) => t.logArtifact(path));
          assert.equal(record, undefined);
          assert.ok(env.codes().includes("artifact_too_large"), env.codes().join());
        }, { files: nodeLocalFiles });
      });
    },
  );

  it("a directory's file that cannot be read is skipped; the other files are logged", async () => {
    // An agent's workspace: its temp file is removed between the listing and its read.
    const contents: Record<string, string> = { "a_report.md": "# report", "c_model.txt": "w" };
    const files: LocalFiles = {
      resolve: (p) => p,
      stat: (p) =>
        Promise.resolve(
          p === "/ws"
            ? { isFile: false, isDirectory: true, size: 0 }
            : { isFile: true, isDirectory: false, size: contents[p.slice(4)]?.length ?? 3 },
        ),
      listFiles: () => Promise.resolve(["a_report.md", "b_tmp.lock", "c_model.txt"]),
      readFile: (p) => {
        const text = contents[p.slice(4)];
        if (text === undefined) {
          return Promise.reject(
            Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT" }),
          );
        }
        return Promise.resolve(new TextEncoder().encode(text));
      },
    };
    const storage = new MemoryStorage();
    await withTaskEnv(async (env) => {
      let runId = "";
      const logged = await taskSpan("t", {}, (t) => {
        runId = t.runId;
        return t.logArtifact("/ws");
      });
      assert.deepEqual(
        (logged as { files: ArtifactRecord[] } | undefined)?.files.map((f) => f.name),
        ["ws/a_report.md", "ws/c_model.txt"],
      );
      const failure = env.diagnostics.find((d) => d.code === "artifact_failed");
      assert.match(failure?.message ?? "", /1 of 3 file\(s\).*ws\/b_tmp\.lock/);
      const lines = (await storage.readLines(["projects", "default", runId, "artifacts.jsonl"]))
        .map((line) => JSON.parse(line).name);
      assert.deepEqual(lines, ["ws/a_report.md", "ws/c_model.txt"], "recorded in the run's log");
    }, { files, storage });
  });

  it(
    "a directory holding a file name that is not UTF-8 logs its other files",
    { skip: !hasFileSystem || process.platform !== "linux" },
    async (t) => {
      await withTempDir("tracelet-artifact-files-", async (dir) => {
        const ws = join(dir, "ws");
        await mkdir(ws);
        await writeFile(join(ws, "a.txt"), "a");
        await writeFile(join(ws, "z.txt"), "z");
        try {
          // Linux allows any bytes but "/" and NUL in a name.
          await writeFile(Buffer.concat([Buffer.from(`${ws}/bad`), Buffer.from([0xff])]), "x");
        } catch {
          return t.skip("this runtime cannot create a file named by bytes");
        }
        if (await stat(join(ws, "bad\uFFFD")).then(() => true, () => false)) {
          return t.skip("this runtime names files by text: the name became valid UTF-8");
        }
        await withTaskEnv(async (env) => {
          const logged = await taskSpan("t", {}, (t) => t.logArtifact(ws));
          assert.deepEqual(
            (logged as { files: ArtifactRecord[] } | undefined)?.files.map((f) => f.name),
            ["ws/a.txt", "ws/z.txt"],
          );
          assert.ok(env.codes().includes("artifact_failed"), env.codes().join());
        }, { files: nodeLocalFiles });
      });
    },
  );
});
