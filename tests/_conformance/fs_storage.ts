/**
 * The file-system storage suite shared by node_fs.test.ts and deno_fs.test.ts: the conformance
 * suite over real temp directories, plus on-disk checks (layout, path safety, orphans, default
 * root), and the checks of other writers on the same root (fs_storage_sharing.ts). Uses
 * node:fs/node:os/node:path, which Deno, Node and Bun all provide.
 *
 * @module
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import process from "node:process";
import { type Diagnostic, setDiagnosticsHook } from "../../src/diagnostics.ts";
import { defaultStorageRoot, type FsStorageOptions } from "../../src/storage/_fs_storage.ts";
import type { TraceStorage } from "../../src/storage/types.ts";
import { chunksOf, HOSTILE_IDS, storageConformance, withStorage } from "./storage.ts";
import { batch } from "./_storage_outbox.ts";
import { fsSharingSuite } from "./fs_storage_sharing.ts";
import { walk } from "../_support/files.ts";

/** An fs adapter constructor. */
export type CreateFsStorage = (
  options: FsStorageOptions,
) => TraceStorage & { readonly root: string };

async function tempRoot(): Promise<{ parent: string; root: string }> {
  const parent = await mkdtemp(join(tmpdir(), "tracelet-storage-"));
  return { parent, root: join(parent, "root") };
}

/**
 * Registers the conformance suite and the on-disk checks for one fs adapter.
 *
 * @param name Adapter name.
 * @param create Builds the adapter.
 * @param skip Skip everything on this runtime.
 */
export function fsStorageSuite(name: string, create: CreateFsStorage, skip: boolean): void {
  storageConformance(name, async (options) => {
    const { parent, root } = await tempRoot();
    return {
      storage: create({ ...options, root }),
      cleanup: () => rm(parent, { recursive: true, force: true }),
      reopen: () => Promise.resolve(create({ ...options, root })),
    };
  }, { skip, reopen: true, skipsEmptyLines: true, streamsBlobs: true });

  const inTemp =
    (fn: (s: TraceStorage, root: string, parent: string) => Promise<void>) => async () => {
      const { parent, root } = await tempRoot();
      try {
        await withStorage(
          () => Promise.resolve({ storage: create({ root }), cleanup: async () => {} }),
          undefined,
          (f) => fn(f.storage, root, parent),
        );
      } finally {
        await rm(parent, { recursive: true, force: true });
      }
    };

  fsSharingSuite(name, create, inTemp, skip);

  describe(`${name} on disk`, { skip }, () => {
    it(
      "writes logs, blobs and outbox files in the documented layout, with no temp files left",
      inTemp(async (s, root) => {
        await s.appendLines(["projects", "p", "run-1", "spans.jsonl"], ["a", "b"]);
        await s.appendLines(["projects", "p", "run-1", "spans.jsonl"], ["c"]);
        const hash = "0f".repeat(32);
        await s.putBlob(`sha256:${hash}`, new Uint8Array([1, 2]));
        await s.putBlob("0123456789abcdef", new Uint8Array([3]));
        await s.outbox.enqueue(batch(4, 7));
        const [entry] = await s.outbox.peek(1);
        assert.equal(
          await readFile(join(root, "projects", "p", "run-1", "spans.jsonl"), "utf8"),
          "a\nb\nc\n",
        );
        assert.deepEqual([...await readFile(join(root, "artifacts", "sha256", "0f", "0f", hash))], [
          1,
          2,
        ]);
        assert.deepEqual([...await readFile(join(root, "objects", "0123456789abcdef"))], [3]);
        assert.deepEqual([...await readFile(join(root, "outbox", `${entry.id}.bin`))], [
          7,
          7,
          7,
          7,
        ]);
        const meta = JSON.parse(await readFile(join(root, "outbox", `${entry.id}.json`), "utf8"));
        assert.equal(meta.spanCount, 7);
        assert.equal((await walk(root)).filter((f) => f.includes(`${sep}.`)).length, 0);
        await s.outbox.ack(entry.id);
        assert.deepEqual(await readdir(join(root, "outbox")), []);
      }),
    );

    it(
      "never writes outside the root, and hostile ids never share a file",
      inTemp(async (s, root, parent) => {
        await mkdir(join(parent, "sibling"));
        await writeFile(join(parent, "sibling", "keep.txt"), "keep");
        for (const id of HOSTILE_IDS) {
          await s.appendLines(["projects", id, "spans.jsonl"], [
            `run ${id.length}:${id.slice(0, 20)}`,
          ]);
          await s.appendLines(["sessions", id, `spans_${id}.jsonl`], [
            `session ${id.slice(0, 20)}`,
          ]);
          await s.appendLines([id], [`top ${id.slice(0, 20)}`]);
          await s.putBlob(id, new TextEncoder().encode(`blob ${id}`));
          await s.putBlob(`sha256:${id}`, new TextEncoder().encode(`artifact ${id}`));
          await s.outbox.ack(id);
          await s.outbox.update(id, { attempts: 1, notBefore: 0, reason: "x" });
        }
        const files = await walk(parent);
        const outside = files.filter((f) =>
          !f.startsWith(root + sep) && f !== join(parent, "sibling", "keep.txt")
        );
        assert.deepEqual(outside, []);
        assert.equal(await readFile(join(parent, "sibling", "keep.txt"), "utf8"), "keep");
        assert.equal(files.length - 1, 5 * HOSTILE_IDS.length, "every write has a file of its own");
        for (const file of files) {
          const relative = file.slice(root.length + 1).split(sep);
          for (const part of relative) {
            assert.ok(part.length > 0 && part.length <= 120 && part !== "..", part);
          }
        }
      }),
    );

    it(
      "streams a blob to disk a chunk at a time, through a temporary file that is then gone",
      inTemp(async (s, root) => {
        const hash = "5a".repeat(32);
        const dir = join(root, "artifacts", "sha256", "5a", "5a");
        const sizes: number[] = [];
        const chunk = new Uint8Array(1000).fill(9);
        async function* chunks(): AsyncGenerator<Uint8Array> {
          for (let i = 0; i < 4; i++) {
            // What is on disk when the next chunk is asked for: every earlier chunk, no more.
            const [temp] = (await readdir(dir)).filter((name) => name.startsWith("."));
            sizes.push((await stat(join(dir, temp))).size);
            yield chunk;
          }
        }
        await s.putBlobStream!(`sha256:${hash}`, chunks());
        assert.deepEqual(sizes, [0, 1000, 2000, 3000]);
        assert.equal((await readFile(join(dir, hash))).byteLength, 4000);
        assert.deepEqual(await readdir(dir), [hash]);
      }),
    );

    it(
      "leaves no temporary file when the chunks reject",
      inTemp(async (s, root) => {
        const failed = new Error("source failed");
        const chunks = chunksOf([new Uint8Array(100), new Uint8Array(100)], failed);
        await assert.rejects(s.putBlobStream!(`sha256:${"5b".repeat(32)}`, chunks), failed);
        await assert.rejects(s.putBlobStream!("object-key", chunksOf([], failed)), failed);
        assert.deepEqual(await walk(root), []);
      }),
    );

    it(
      "does not rewrite an existing blob, nor read the chunks",
      inTemp(async (s, root) => {
        const hash = "5c".repeat(32);
        await s.putBlob(`sha256:${hash}`, new Uint8Array([1]));
        const file = join(root, "artifacts", "sha256", "5c", "5c", hash);
        const before = await stat(file);
        let read = false;
        async function* chunks(): AsyncGenerator<Uint8Array> {
          read = true;
          yield new Uint8Array([2]);
        }
        await s.putBlobStream!(`sha256:${hash}`, chunks());
        const after = await stat(file);
        assert.equal(read, false);
        assert.deepEqual([after.ino, after.mtimeMs], [before.ino, before.mtimeMs]);
        assert.deepEqual([...await readFile(file)], [1]);
      }),
    );

    it(
      "never streams a blob outside the root, whatever its key",
      inTemp(async (s, root, parent) => {
        const keys = [...HOSTILE_IDS, ...HOSTILE_IDS.map((id) => `sha256:${id}`)];
        for (const key of keys) {
          await s.putBlobStream!(key, chunksOf([new TextEncoder().encode(key)]));
        }
        const files = await walk(parent);
        assert.deepEqual(files.filter((f) => !f.startsWith(root + sep)), []);
        assert.equal(files.length, keys.length, "every key has a file of its own");
        for (const file of files) {
          for (const part of file.slice(root.length + 1).split(sep)) {
            assert.ok(part.length > 0 && part.length <= 120 && part !== "..", part);
          }
        }
      }),
    );

    it(
      "recreates directories removed while the adapter is in use",
      inTemp(async (s, root) => {
        await s.appendLines(["projects", "p", "r", "spans.jsonl"], ["one"]);
        await rm(root, { recursive: true, force: true });
        await s.appendLines(["projects", "p", "r", "spans.jsonl"], ["two"]);
        await s.outbox.enqueue(batch(3, 1));
        assert.deepEqual(await s.readLines(["projects", "p", "r", "spans.jsonl"]), ["two"]);
        assert.equal(await s.outbox.bytes(), 3);
      }),
    );

    it(
      "sweeps old orphaned outbox files and skips corrupt metadata with a diagnostic",
      inTemp(async (_s, root) => {
        const dir = join(root, "outbox");
        await mkdir(dir, { recursive: true });
        const old = new Date(Date.now() - 60 * 60 * 1000);
        const oldOrphans = [
          "000000000000001-000000-0000000a.bin",
          "000000000000004-000000-0000000d.json",
          ".x.bin.1.tmp",
        ];
        for (const name of oldOrphans) {
          await writeFile(join(dir, name), "orphan");
          await utimes(join(dir, name), old, old);
        }
        await writeFile(join(dir, "000000000000002-000000-0000000b.bin"), "young orphan");
        await writeFile(join(dir, "000000000000003-000000-0000000c.json"), "{not json");
        await writeFile(join(dir, "000000000000003-000000-0000000c.bin"), "body");
        const seen: Diagnostic[] = [];
        const previous = setDiagnosticsHook((d) => void seen.push(d));
        const fresh = create({ root });
        try {
          await fresh.outbox.enqueue(batch(2, 9));
          assert.deepEqual((await fresh.outbox.peek(10)).map((e) => e.spanCount), [9]);
        } finally {
          setDiagnosticsHook(previous);
          await fresh.close?.();
        }
        const names = await readdir(dir);
        for (const name of oldOrphans) assert.ok(!names.includes(name), `${name} removed`);
        assert.ok(names.includes("000000000000002-000000-0000000b.bin"), "young orphan kept");
        assert.ok(names.includes("000000000000003-000000-0000000c.json"), "young corrupt kept");
        assert.ok(seen.some((d) => d.code === "outbox_corrupt"));
      }),
    );

    it("resolves the default root from TRACELET_HOME, else .tracelet in the cwd", () => {
      const saved = process.env.TRACELET_HOME;
      try {
        process.env.TRACELET_HOME = join(tmpdir(), "tracelet-home");
        assert.equal(defaultStorageRoot(), join(tmpdir(), "tracelet-home"));
        assert.equal(create({}).root, join(tmpdir(), "tracelet-home"));
        delete process.env.TRACELET_HOME;
        assert.equal(defaultStorageRoot(), `${process.cwd()}/.tracelet`);
      } finally {
        if (saved === undefined) delete process.env.TRACELET_HOME;
        else process.env.TRACELET_HOME = saved;
      }
    });
  });
}
