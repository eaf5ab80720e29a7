// Ids from span data (session ids, run ids, project names) never write outside the storage root,
// beyond what sanitize.test.ts and the conformance suite cover: more names a file system treats
// specially (Unicode that normalizes to "..", Windows device and stream names, UNC paths), the
// whole JSONL route on a real directory, and roots and key prefixes that are rejected up front.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { TracerError } from "../../src/errors.ts";
import { JsonlSpanExporter, spanLogPath } from "../../src/exporter/jsonl.ts";
import type { FileSystem } from "../../src/storage/_fs.ts";
import { FsStorage } from "../../src/storage/_fs_storage.ts";
import { sanitizeSegment } from "../../src/storage/_sanitize.ts";
import { KvStorage } from "../../src/storage/cloudflare_kv.ts";
import { R2Storage } from "../../src/storage/cloudflare_r2.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import type { TraceStorage } from "../../src/storage/types.ts";
import { FakeKVNamespace, FakeR2Bucket } from "../_fakes/cloudflare.ts";
import { COLLIDING_IDS, HOSTILE_IDS } from "../_conformance/storage.ts";
import { hasFileSystem } from "../_support/runtime.ts";
import { makeSpanRecord } from "../_support/span_records.ts";
import { walk } from "../_support/files.ts";

/** Names not in HOSTILE_IDS that some file system or path API treats specially. */
const MORE_HOSTILE_IDS: readonly string[] = [
  "\uff0e\uff0e", // fullwidth full stops: ".." after NFKC
  "\u2025", // two dot leader: ".." after NFKC
  "\u2024\u2024", // one dot leader twice
  "\ufe52\ufe52", // small full stops
  "..\u200b", // ".." with a zero-width space
  "\u202e..", // right-to-left override
  "%2e%2e",
  "%2e%2e%2f..",
  "..\\..\\x",
  "/",
  "\\",
  "\\\\?\\C:\\Windows",
  "\\\\server\\share",
  "//server/share",
  "a:b",
  "file::$DATA",
  "CONIN$",
  "CONOUT$",
  "COM\u00b9",
  "LPT\u00b2.txt",
  "CON .txt",
  "NUL ",
  "nul.",
  "\u0000",
  "..\u0000",
  "\ud800..",
  "x".repeat(200) + "/../..",
];

describe("hostile ids: sanitizeSegment", () => {
  it("maps each to one ASCII component that normalization cannot turn into a path", () => {
    for (const id of MORE_HOSTILE_IDS) {
      const mapped = sanitizeSegment(id);
      const label = JSON.stringify(id).slice(0, 40);
      assert.match(mapped, /^_[A-Za-z0-9._-]*~[0-9a-f]{32}(\.[A-Za-z0-9]{1,16})?$/, label);
      for (const form of ["NFC", "NFD", "NFKC", "NFKD"] as const) {
        assert.equal(mapped.normalize(form), mapped, `${label} ${form}`);
      }
    }
  });

  it("never maps two of them, or one of them and an earlier hostile id, to the same name", () => {
    const inputs = new Set([...HOSTILE_IDS, ...MORE_HOSTILE_IDS]);
    assert.equal(new Set([...inputs].map(sanitizeSegment)).size, inputs.size);
  });
});

describe("hostile ids: JSONL spans on disk", { skip: !hasFileSystem }, () => {
  it("stay under the root, one file per id, whether the id is a session, a run or a project", async () => {
    const parent = await mkdtemp(join(tmpdir(), "tracelet-hostile-"));
    const root = join(parent, "root");
    const storage = new NodeFsStorage({ root });
    try {
      await mkdir(join(parent, "sibling"));
      await writeFile(join(parent, "sibling", "keep.txt"), "keep");
      const ids = [...HOSTILE_IDS, ...MORE_HOSTILE_IDS].filter((id) => id !== "");
      const spans = ids.flatMap((id) => [
        makeSpanRecord({ attributes: { "session.id": id } }),
        makeSpanRecord({ attributes: { "dreadnode.run.id": id } }),
        makeSpanRecord({ attributes: { "dreadnode.project": id } }),
      ]);
      const report = await new JsonlSpanExporter({ storage }).export(spans);
      assert.equal(report.exported, spans.length);
      for (const span of spans) {
        const lines = await storage.readLines(spanLogPath(span, "default"));
        assert.deepEqual(lines.map((line) => JSON.parse(line).span_id), [span.spanId]);
      }
      const files = await walk(parent);
      assert.deepEqual(files.filter((f) => !f.startsWith(root + sep)), [
        join(parent, "sibling", "keep.txt"),
      ]);
      assert.equal(await readFile(join(parent, "sibling", "keep.txt"), "utf8"), "keep");
      assert.equal(files.length - 1, spans.length, "every span has a file of its own");
    } finally {
      await storage.close();
      await rm(parent, { recursive: true, force: true });
    }
  });
});

describe("hostile ids: crafted hash collisions", () => {
  it("two runs whose ids were made to share a 64-bit hash each keep their own log", async () => {
    const [runA, runB] = COLLIDING_IDS;
    const parent = hasFileSystem ? await mkdtemp(join(tmpdir(), "tracelet-collide-")) : "";
    const storages: TraceStorage[] = [
      new R2Storage(new FakeR2Bucket()),
      new KvStorage(new FakeKVNamespace()),
    ];
    if (hasFileSystem) storages.push(new NodeFsStorage({ root: join(parent, "root") }));
    try {
      for (const storage of storages) {
        const alice = makeSpanRecord({
          name: "alice-secret",
          attributes: { "dreadnode.run.id": runA },
        });
        const bob = makeSpanRecord({ name: "bob", attributes: { "dreadnode.run.id": runB } });
        const report = await new JsonlSpanExporter({ storage }).export([alice, bob]);
        assert.equal(report.exported, 2);
        const names = async (span: typeof alice) =>
          (await storage.readLines(spanLogPath(span, "default"))).map((l) => JSON.parse(l).name);
        assert.deepEqual(await names(alice), ["alice-secret"], storage.kind);
        assert.deepEqual(await names(bob), ["bob"], storage.kind);
      }
    } finally {
      for (const storage of storages) await storage.close?.();
      if (parent !== "") await rm(parent, { recursive: true, force: true });
    }
  });
});

describe("hostile roots and key prefixes", () => {
  it("a file storage root that is empty, not a string or holds a NUL is a configuration error", () => {
    const resolved: string[] = [];
    const fs = { resolve: (path: string) => (resolved.push(path), path) } as FileSystem;
    for (const root of ["", 42, "/tmp/a\u0000b"]) {
      assert.throws(
        () => new FsStorage(fs, "fake-fs", { root: root as string }),
        (error) => error instanceof TracerError && error.code === "INVALID_CONFIG",
      );
    }
    assert.deepEqual(resolved, [], "an empty root would have resolved to the working directory");
  });

  it("a key prefix is bounded in bytes, so every key fits in KV's 512 bytes", async () => {
    for (const prefix of ["\u00e9".repeat(100), "\u4e2d".repeat(50), "a\ud800b"]) {
      assert.throws(
        () => new KvStorage(new FakeKVNamespace(), { prefix }),
        (error) => error instanceof TracerError && error.code === "INVALID_CONFIG",
      );
      assert.throws(() => new R2Storage(new FakeR2Bucket(), { prefix }), TracerError);
    }
    const longest = new KvStorage(new FakeKVNamespace(), { prefix: "\u00e9".repeat(64) });
    const deep = ["projects", "p".repeat(500), "r".repeat(500), "spans.jsonl"];
    await longest.appendLines(deep, ["line"]);
    assert.deepEqual(await longest.readLines(deep), ["line"]);
    await longest.putBlob("k".repeat(500), new Uint8Array([1]));
    assert.deepEqual(await longest.getBlob("k".repeat(500)), new Uint8Array([1]));
  });
});
