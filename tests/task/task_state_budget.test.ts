// A task's state past what a span can carry: params, input and output attributes and object
// schemas have no budget of their own, so 20 params of ~0.9 MB each made a run's span larger
// than the batch queue's byte bound (16 MiB), which dropped it whole (its identity, metrics and
// the rest of its state) with only a misleading `queue_full` warning. The largest state
// attributes are now emptied until the state fits, and that is reported.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configure } from "../../src/portable.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { logMetric, logParam, run, taskSpan } from "../../src/task/mod.ts";
import { MAX_STATE_CHARS } from "../../src/task/_state_writer.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { isolated } from "../_support/global_state.ts";

describe("a task whose state is larger than a span can carry", () => {
  it("is still written, with its largest state attributes left out and reported", () =>
    isolated(async () => {
      const storage = new MemoryStorage({ maxLineBytes: 64 * 1024 * 1024 });
      const row = Array.from({ length: 150_000 }, (_, i) => i); // ~0.9 MB of JSON a param, 18 MB in all
      let runId = "";
      const { diagnostics } = await captureDiagnostics(async () => {
        const tracing = configure({ project: "p", storage, env: () => undefined });
        await run("params", async (root) => {
          runId = root.runId;
          for (let i = 0; i < 20; i++) logParam(`p${i}`, row);
          logMetric("accuracy", 0.93);
          await taskSpan("child", () => {});
        });
        await tracing.shutdown();
      });
      const lines = (await storage.readLines(["projects", "p", runId, "spans.jsonl"]))
        .map((line) => JSON.parse(line) as { name: string; attributes: Record<string, string> });
      assert.deepEqual(lines.map((line) => line.name), ["child", "params"]);
      const attributes = lines[1].attributes;
      assert.equal(attributes["dreadnode.params"], "{}", "left out, still valid JSON");
      assert.match(attributes["dreadnode.metrics"], /accuracy/, "the rest of the state is kept");
      const reported = diagnostics.filter((d) => d.code === "task_state_too_large");
      assert.equal(reported.length, 1);
      assert.match(reported[0].message, /dreadnode\.params/);
      assert.ok(!diagnostics.some((d) => d.code === "queue_full"));
      assert.ok(MAX_STATE_CHARS < 16 * 1024 * 1024);
    }));
});
