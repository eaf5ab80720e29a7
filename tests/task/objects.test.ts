import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { objectHashes } from "../../mod.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import {
  INLINE_OBJECT_LIMIT,
  loadObjectValue,
  type StoredObject,
  type TaskSpan,
  taskSpan,
} from "../../src/task/mod.ts";
import { jsonAttr, type TaskEnv, withTaskEnv } from "../_support/task_env.ts";

/** A storage whose blob writes always fail. */
class FailingBlobs extends MemoryStorage {
  override putBlob(_key: string, _bytes: Uint8Array): Promise<void> {
    return Promise.reject(new Error("disk full"));
  }
}

async function exportedObjects(env: TaskEnv, task: TaskSpan): Promise<StoredObject[]> {
  const [line] = await env.runLines(task.runId);
  return Object.values(jsonAttr<Record<string, StoredObject>>(line, "dreadnode.objects"));
}

describe("task objects", () => {
  it("never writes a secret the policy masks to the blob store (JSON inside strings included)", async () => {
    await withTaskEnv(async (env) => {
      const body = JSON.stringify({ api_key: "sk-live-SECRET123", rows: "r".repeat(12_000) });
      const t = await taskSpan("t", async (t) => {
        await Promise.resolve();
        t.logOutput("http_response", { status: 200, body });
        return t;
      });
      const [record] = await exportedObjects(env, t);
      assert.equal(record.type, "uri");
      const stored = await loadObjectValue(env.storage, record) as { body: string };
      assert.ok(!JSON.stringify(stored).includes("sk-live-SECRET123"));
      assert.equal(JSON.parse(stored.body).api_key, "***REDACTED***");
      assert.equal(JSON.parse(stored.body).rows.length, 12_000, "full text kept in the blob");
    });
  });

  it("exports a large object inline, never as a dangling URI, when a sync task ends before its blob write", async () => {
    const storage = new FailingBlobs();
    await withTaskEnv(async (env) => {
      const big = "x".repeat(INLINE_OBJECT_LIMIT * 2);
      const sync = taskSpan("sync", (t) => {
        t.logOutput("report", big);
        return t;
      });
      const ended = taskSpan("explicit");
      ended.logOutput("report", big);
      ended.end();
      await sync.settled();
      await ended.settled();
      for (const task of [sync, ended]) {
        const [record] = await exportedObjects(env, task);
        assert.equal(record.type, "val");
        assert.ok(record.type === "val" && String(record.value).startsWith("xxxx"));
      }
      assert.ok(env.codes().includes("task_pending_writes"));
      const failed = env.diagnostics.find((d) => d.code === "object_blob_failed");
      assert.match(failed?.message ?? "", /exported inline/);
    }, { storage });
  });

  it("switches an object to its blob reference only once the write succeeded", async () => {
    await withTaskEnv(async (env) => {
      const big = "y".repeat(INLINE_OBJECT_LIMIT + 1);
      const t = taskSpan("t");
      const hash = t.logOutput("doc", big);
      assert.equal(t.getObject(hash)?.record.type, "val", "inline while the write is pending");
      await t.settled();
      const record = t.getObject(hash)!.record;
      assert.equal(record.type, "uri");
      assert.equal(await loadObjectValue(env.storage, record), big);
      t.end();
    });
  });

  it("hashes and stores values larger than 1 MiB in full (no collision past the old budget)", async () => {
    const rowsA = Array.from({ length: 200_000 }, (_, i) => ({ id: i, label: "ok" }));
    const rowsB = rowsA.map((r) => ({ ...r }));
    rowsB[199_999].label = "DIFFERENT";
    assert.notEqual(objectHashes(rowsA).objectHash, objectHashes(rowsB).objectHash);
    await withTaskEnv(async (env) => {
      const a = "a".repeat(2_000_000) + "tail-A";
      const b = "a".repeat(2_000_000) + "tail-B";
      const t = taskSpan("t");
      const ha = t.logOutput("a", a);
      const hb = t.logOutput("b", b);
      assert.notEqual(ha, hb);
      await t.settled();
      assert.equal(await loadObjectValue(env.storage, t.getObject(hb)!.record), b);
      assert.deepEqual(t.outputs, { a, b });
      t.end();
      const [line] = await env.runLines(t.runId);
      assert.equal(Object.keys(jsonAttr(line, "dreadnode.objects")).length, 2);
    });
  });

  it("returns each input's own live value, even when values share an object", async () => {
    await withTaskEnv(() => {
      const t = taskSpan("t");
      t.logInput("api_key", "sk-live-AAAA");
      t.logInput("password", "hunter2");
      t.logInput("config", { token: "tok-1", model: "a" });
      t.logInput("config2", { token: "tok-2", model: "a" });
      t.logInput("s", "1");
      t.logInput("n", 1);
      t.logOutput("flag", true);
      assert.equal(t.inputs.password, "hunter2");
      assert.equal((t.inputs.config2 as { token: string }).token, "tok-2");
      assert.equal(t.inputs.s, "1");
      assert.equal(t.inputs.n, 1);
      assert.equal(t.outputs.flag, true);
      t.end();
    });
  });
});
