// Task objects and artifacts against storage bounds: an exported blob reference always points to
// a stored blob, and the inline object values of one task share a budget.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryStorage } from "../../src/storage/memory.ts";
import {
  type ArtifactRecord,
  loadObjectValue,
  logArtifact,
  logOutput,
  run,
  type StoredObject,
  type TaskSpan,
} from "../../src/task/mod.ts";
import { MAX_INLINE_OBJECT_CHARS_PER_TASK, OMITTED_OBJECT_VALUE } from "../../src/task/objects.ts";
import { jsonAttr, withTaskEnv } from "../_support/task_env.ts";

/** A storage whose blob writes always fail. */
class FailingBlobs extends MemoryStorage {
  override putBlob(_key: string, _bytes: Uint8Array): Promise<void> {
    return Promise.reject(new Error("disk full"));
  }
}

describe("task objects and artifacts on bounded memory storage", () => {
  it("exports no reference to a blob the storage did not keep, and returns no artifact without bytes", async () => {
    // MemoryStorage resolved putBlob for blobs it dropped (and evicted older ones): objects were
    // exported as {type: "uri"} references to missing blobs, artifacts returned records with no
    // bytes (what Workers without bindings get, with their 4 MiB blob bound).
    const storage = new MemoryStorage({ maxBlobBytes: 50_000 });
    await withTaskEnv(async (env) => {
      let artifact: unknown = "not logged";
      const runId = await run("mem", {}, async (r) => {
        for (let k = 0; k < 3; k++) {
          logOutput(`o${k}`, Array.from({ length: 4000 }, (_, i) => i * 3 + k)); // ~20 KB each
        }
        await r.settled();
        artifact = await logArtifact(new Uint8Array(60_000).fill(7), { name: "weights.bin" });
        return r.runId;
      });
      assert.equal(artifact, undefined);
      const line = (await env.runLines(runId))[0];
      assert.deepEqual(jsonAttr<ArtifactRecord[]>(line, "dreadnode.artifacts"), []);
      const objects = Object.values(
        jsonAttr<Record<string, StoredObject>>(line, "dreadnode.objects"),
      );
      assert.deepEqual(objects.map((o) => o.type), ["uri", "uri", "val"]);
      for (const o of objects) {
        if (o.type === "uri") assert.equal(await storage.hasBlob(o.uri.slice(16)), true, o.uri);
        const value = await loadObjectValue(storage, o);
        assert.ok(Array.isArray(value) && value.length === 4000);
      }
      assert.ok(env.codes().includes("artifact_failed"), env.codes().join());
      assert.ok(env.codes().includes("object_blob_failed"), env.codes().join());
      assert.equal(storage.stats().droppedBlobs, 2);
    }, { storage });
  });
});

describe("task objects: the inline value budget", () => {
  it("keeps hash and schema of inline objects past the budget, reports once and counts them", async () => {
    // Inline values had no total bound: 20 outputs of ~1 MB made one 16 MB dreadnode.objects.
    // ~920 KB of JSON each (the span copy cuts long strings, so many short ones).
    const value = (k: number) =>
      Array.from({ length: 40_000 }, (_, i) => `${k}:${i}`.padEnd(20, "x"));
    const kept = Math.floor(MAX_INLINE_OBJECT_CHARS_PER_TASK / JSON.stringify(value(0)).length);
    await withTaskEnv(async (env) => {
      let task: TaskSpan | undefined;
      const hashes: string[] = [];
      const runId = await run("big", {}, async (r) => {
        task = r;
        for (let k = 0; k < kept + 3; k++) hashes.push(logOutput(`o${k}`, value(k))!);
        hashes.push(logOutput("small", "a short one")!);
        await r.settled();
        return r.runId;
      });
      const line = (await env.runLines(runId))[0];
      const text = line.attributes["dreadnode.objects"] as string;
      assert.ok(text.length < MAX_INLINE_OBJECT_CHARS_PER_TASK + 10_000, String(text.length));
      const objects = jsonAttr<Record<string, StoredObject>>(line, "dreadnode.objects");
      assert.deepEqual(Object.keys(objects), hashes);
      const values = hashes.map((h) => (objects[h] as { value: unknown }).value);
      for (let k = 0; k < kept; k++) assert.deepEqual(values[k], value(k));
      for (let k = kept; k < kept + 3; k++) {
        assert.equal(values[k], OMITTED_OBJECT_VALUE);
        assert.equal(objects[hashes[k]].hash, hashes[k]);
        assert.equal(objects[hashes[k]].type, "val");
      }
      assert.equal(values.at(-1), "a short one", "a later object that fits is kept");
      assert.equal(task!.droppedCounts.objects, 3);
      assert.deepEqual(env.codes().filter((c) => c === "task_objects_budget_full"), [
        "task_objects_budget_full",
      ]);
    }, { storage: new FailingBlobs() });
  });
});
