// pushUpdate() waits (for a bounded time) for the task's pending writes before it writes its
// run_update snapshot, so that large objects are in it as blob references.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { logInput, pushUpdate, run } from "../../src/task/mod.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { byName, jsonAttr, withTaskEnv } from "../_support/task_env.ts";

type Objects = Record<string, { type: string; size?: number }>;

/** A storage whose blob writes never finish. */
class HungBlobStorage extends MemoryStorage {
  override putBlob(): Promise<void> {
    return new Promise(() => {});
  }
}

describe("pushUpdate", () => {
  it("writes large objects in the snapshot as blob references", async () => {
    await withTaskEnv(async (env) => {
      const runId = await run("r", {}, async (r) => {
        logInput("big", "y".repeat(20_000));
        await pushUpdate();
        return r.runId;
      });
      const update = byName(await env.runLines(runId), "r.update");
      const objects = Object.values(jsonAttr<Objects>(update, "dreadnode.objects"));
      assert.deepEqual(objects.map((o) => o.type), ["uri"]);
    });
  });

  it("does not hang on a storage whose writes never finish", async () => {
    const storage = new HungBlobStorage();
    await withTaskEnv(async (env) => {
      const r = run("r", {});
      const started = Date.now();
      await r.inContext(async () => {
        logInput("big", "y".repeat(20_000));
        await pushUpdate({ waitMs: 200 });
      });
      assert.ok(Date.now() - started < 2_000, "resolves soon after waitMs");
      assert.ok(env.codes().includes("push_update_pending_writes"));
      r.end(); // Sync end: the pending object is exported inline.
      const update = byName(await env.runLines(r.runId), "r.update");
      const objects = Object.values(jsonAttr<Objects>(update, "dreadnode.objects"));
      assert.deepEqual(objects.map((o) => o.type), ["val"], "the snapshot is still written");
    }, { storage });
  });

  it("a spent time budget (negative waitMs) waits not at all", async () => {
    await withTaskEnv(async (env) => {
      const r = run("r", {});
      const started = Date.now();
      await r.inContext(async () => {
        logInput("big", "y".repeat(20_000));
        await pushUpdate({ waitMs: -5 });
      });
      assert.ok(Date.now() - started < 1_000, "did not fall back to the 30 s default");
      assert.ok(env.codes().includes("push_update_pending_writes"));
      r.end();
    }, { storage: new HungBlobStorage() });
  });
});
