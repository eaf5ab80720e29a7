import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { nodeLocalFiles } from "../../src/runtime/node_local_files.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import {
  type ArtifactRecord,
  artifactsLogPath,
  type DirectoryArtifact,
  guessMimeType,
  logArtifact,
  run,
  sha256Hex,
  taskAndRun,
  taskSpan,
} from "../../src/task/mod.ts";
import { hasFileSystem } from "../_support/runtime.ts";
import { jsonAttr, withTaskEnv } from "../_support/task_env.ts";
import { walk, withTempDir } from "../_support/files.ts";

const encoder = new TextEncoder();

describe("artifacts", () => {
  it("logs bytes and Blobs without a file system: sha256 blob, span metadata, artifacts.jsonl", async () => {
    await withTaskEnv(async (env) => {
      const bytes = encoder.encode("model weights");
      let records: (ArtifactRecord | undefined)[] = [];
      const runId = await run("training", { project: "ml" }, async (r) => {
        records = [
          await logArtifact(bytes, { name: "model.bin" }) as ArtifactRecord,
          await logArtifact(new Blob(["a,b\n1,2\n"]), { name: "scores.csv" }) as ArtifactRecord,
        ];
        return r.runId;
      });
      const [bin, csv] = records;
      assert.equal(bin?.oid, `sha256:${await sha256Hex(bytes)}`);
      assert.equal(
        bin?.oid,
        "sha256:a2d42c4aa884e21216cbb8da4c7ba2fcf9b6033b2331666e666145c24caf7a38",
      );
      assert.equal(bin?.size, bytes.length);
      assert.equal(bin?.mime_type, "application/octet-stream");
      assert.equal(bin?.path, null);
      assert.equal(csv?.mime_type, "text/csv");
      assert.deepEqual(await env.storage.getBlob(bin!.oid), bytes);
      const lines = await env.runLines(runId, "ml");
      assert.deepEqual(jsonAttr<ArtifactRecord[]>(lines[0], "dreadnode.artifacts"), records);
      const logged = (await env.storage.readLines(artifactsLogPath("ml", runId))).map((l) =>
        JSON.parse(l)
      );
      assert.deepEqual(logged, records, "same run id for spans.jsonl and artifacts.jsonl");
      assert.equal(bin?.task_id, runId);
      assert.equal(bin?.span_id, lines[0].span_id);
    });
  });

  it("copies bytes at call time: a caller reusing its buffer changes neither the oid nor the blob", async () => {
    await withTaskEnv(async (env) => {
      await run("reuse", {}, async () => {
        const originals: string[] = [];
        for (let ticks = 0; ticks < 8; ticks++) {
          for (const kind of ["Uint8Array", "ArrayBuffer", "subarray"] as const) {
            const original = `weights v${ticks} ${kind}`;
            originals.push(original);
            const bytes = encoder.encode(original);
            // The caller's memory: a larger buffer holding the bytes at offset 2.
            const memory = new Uint8Array(bytes.length + 4);
            memory.set(bytes, 2);
            const view = memory.subarray(2, 2 + bytes.length);
            const source = kind === "subarray"
              ? view
              : kind === "Uint8Array"
              ? memory.slice(2, 2 + bytes.length)
              : view.slice().buffer;
            const pending = logArtifact(source, { name: "chunk.bin" });
            for (let i = 0; i < ticks; i++) await Promise.resolve();
            // The caller recycles its buffer before the promise settles.
            (source instanceof ArrayBuffer ? new Uint8Array(source) : source).fill(0x41);
            memory.fill(0x41);
            const record = await pending as ArtifactRecord;
            const label = `${kind} reused after ${ticks} ticks`;
            assert.equal(record.oid, `sha256:${await sha256Hex(bytes)}`, label);
            assert.equal(record.size, bytes.length, label);
            assert.deepEqual(await env.storage.getBlob(record.oid), bytes, label);
          }
        }
        // The same contents logged later from fresh buffers find the right blobs.
        for (const original of originals) {
          const record = await logArtifact(encoder.encode(original), { name: "again" });
          assert.deepEqual(
            await env.storage.getBlob((record as ArtifactRecord).oid),
            encoder.encode(original),
          );
        }
      });
    });
  });

  it("writes artifacts.jsonl lines as dreadnode's json.dumps does", async () => {
    await withTaskEnv(async (env) => {
      let record: ArtifactRecord | undefined;
      const runId = await run("lines", {}, async (r) => {
        record = await logArtifact(encoder.encode("hello"), {
          name: "résumé ✓.txt",
        }) as ArtifactRecord;
        return r.runId;
      });
      const [line] = await env.storage.readLines(artifactsLogPath("default", runId));
      const r = record!;
      assert.equal(
        line,
        `{"task_id": "${r.task_id}", "span_id": "${r.span_id}", ` +
          `"name": "r\\u00e9sum\\u00e9 \\u2713.txt", "oid": "${r.oid}", "path": null, ` +
          `"size": 5, "mime_type": "text/plain", "timestamp": "${r.timestamp}"}`,
      );
      assert.deepEqual(JSON.parse(line), r);
    });
  });

  it("taskAndRun shares one run id between spans.jsonl and artifacts.jsonl and honours project", async () => {
    await withTaskEnv(async (env) => {
      const runId = await taskAndRun(
        "eval-run",
        { taskName: "scoring", project: "p2" },
        async (t) => {
          await t.logArtifact(encoder.encode("{}"), { name: "report.json" });
          return t.runId;
        },
      );
      assert.equal((await env.runLines(runId, "p2"))[0].name, "scoring");
      assert.equal((await env.storage.readLines(artifactsLogPath("p2", runId))).length, 1);
    });
  });

  it("never rejects: no file system and outside-task are diagnostics", async () => {
    await withTaskEnv(async (env) => {
      await taskSpan("t", {}, async (t) => {
        assert.equal(await t.logArtifact("./does/not/matter.txt"), undefined);
      });
      assert.equal(await logArtifact(encoder.encode("x"), { name: "x" }), undefined);
      assert.ok(env.codes().includes("artifact_no_fs"));
      assert.ok(env.codes().includes("outside_task"));
    });
  });

  it("guesses MIME types from names", () => {
    assert.equal(guessMimeType("checkpoints/model.bin"), "application/octet-stream");
    assert.equal(guessMimeType("a/b/C.JSON"), "application/json");
    assert.equal(guessMimeType("notes.md"), "text/markdown");
    assert.equal(guessMimeType("README"), null);
    assert.equal(guessMimeType(".hidden"), null);
    assert.equal(guessMimeType("weird.unknownext"), null);
  });

  it("logs a file and a directory recursively from disk", { skip: !hasFileSystem }, async () => {
    await withTempDir("tracelet-artifacts-", async (dir) => {
      await mkdir(join(dir, "results", "nested"), { recursive: true });
      await writeFile(join(dir, "model.bin"), "weights");
      await writeFile(join(dir, "results", "a.csv"), "a\n");
      await writeFile(join(dir, "results", "nested", "b.json"), "{}");
      await withTaskEnv(async (env) => {
        let file: ArtifactRecord | undefined;
        let folder: DirectoryArtifact | undefined;
        const runId = await taskSpan("training", {}, async (t) => {
          file = await t.logArtifact(join(dir, "model.bin"), {
            name: "model.bin",
          }) as ArtifactRecord;
          folder = await t.logArtifact(join(dir, "results")) as DirectoryArtifact;
          return t.runId;
        });
        assert.equal(file?.path, join(dir, "model.bin"));
        assert.equal(file?.size, 7);
        assert.equal(folder?.type, "directory");
        assert.equal(folder?.name, "results");
        assert.deepEqual(folder?.files.map((f) => f.name), [
          "results/a.csv",
          "results/nested/b.json",
        ]);
        assert.equal(folder?.files[1].mime_type, "application/json");
        const lines = await env.storage.readLines(artifactsLogPath("default", runId));
        assert.equal(lines.length, 3, "one line per file");
        const [span] = await env.runLines(runId);
        assert.equal(jsonAttr<ArtifactRecord[]>(span, "dreadnode.artifacts").length, 3);
        const missing = await taskSpan("missing", {}, (t) => t.logArtifact(join(dir, "nope.txt")));
        assert.equal(missing, undefined);
        assert.ok(env.codes().includes("artifact_not_found"));
      }, { files: nodeLocalFiles });
    });
  });

  it(
    "logs files reached through symbolic links in a directory, never following linked directories",
    { skip: !hasFileSystem },
    async () => {
      await withTempDir("tracelet-artifacts-", async (dir) => {
        await mkdir(join(dir, "logged", "sub"), { recursive: true });
        await writeFile(join(dir, "outside.txt"), "outside");
        await writeFile(join(dir, "logged", "a.txt"), "a");
        await writeFile(join(dir, "logged", "sub", "c.txt"), "c");
        await symlink(join(dir, "outside.txt"), join(dir, "logged", "link.txt"));
        await symlink(join(dir, "logged"), join(dir, "logged", "sub", "loop")); // a cycle
        await symlink(join(dir, "missing.txt"), join(dir, "logged", "broken.txt"));
        await withTaskEnv(async () => {
          const folder = await taskSpan(
            "t",
            {},
            (t) => t.logArtifact(join(dir, "logged"), { followLinksOutside: true }),
          );
          const files = (folder as DirectoryArtifact).files;
          assert.deepEqual(files.map((f) => f.name), [
            "logged/a.txt",
            "logged/link.txt",
            "logged/sub/c.txt",
          ]);
          assert.equal(files[1].size, "outside".length);
          assert.equal(files[1].oid, `sha256:${await sha256Hex(encoder.encode("outside"))}`);
        }, { files: nodeLocalFiles });
      });
    },
  );

  it(
    "hostile names and projects cannot escape the storage root",
    { skip: !hasFileSystem },
    async () => {
      await withTempDir("tracelet-artifacts-", async (parent) => {
        const root = join(parent, "root");
        const storage = new NodeFsStorage({ root });
        await withTaskEnv(async () => {
          await run("evil", { project: "../../outside" }, async () => {
            await logArtifact(encoder.encode("pwned"), { name: "../../../escape.txt" });
            await logArtifact(encoder.encode("pwned2"), { name: "/etc/passwd" });
          });
        }, { storage });
        await storage.close?.();
        const outside = (await readdir(parent)).filter((n) => n !== "root");
        assert.deepEqual(outside, [], "nothing written next to the root");
        const files = await walk(root);
        assert.ok(files.length > 0);
        assert.ok(files.every((f) => f.startsWith(root)));
        assert.ok(!files.some((f) => f.endsWith("escape.txt") || f.endsWith("passwd")));
      });
    },
  );
});
