// The Workers preset without bindings keeps its span lines in memory, bounded to 4 MiB. The line
// of a task at its metrics budget is longer than that (4 MiB of metric JSON, escaped in the line):
// it was dropped together with the rest of its flush (the root run and the sibling tasks); now it
// is dropped alone, reported, and the rest of the flush is kept.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configure, run, taskSpan } from "../../src/runtime/worker.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { workerMemoryStorage } from "../../src/runtime/_worker_storage.ts";
import { resetReportedOnce } from "../../src/diagnostics.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { isolated } from "./_helpers.ts";

const MiB = 1024 * 1024;

describe("the Workers preset's line logs", () => {
  it("drop the line of a task past the bound alone and keep the rest of its flush", async () => {
    await isolated(async () => {
      resetReportedOnce();
      const { diagnostics } = await captureDiagnostics(async () => {
        const tracing = configure({ project: "p" });
        let runId = "";
        run("r", {}, (root) => {
          runId = root.runId;
          taskSpan("small-1", {}, (t) => void t.logMetric("ok", 1));
          taskSpan("big", {}, (t) => {
            for (let i = 0; t.droppedCounts.metricPoints === 0; i++) {
              t.logMetric(`m${i % 50}`, i, { step: i });
            }
          });
          taskSpan("small-2", {}, (t) => void t.logMetric("ok", 2));
        });
        await tracing.shutdown();
        const storage = tracing.storage;
        assert.ok(storage instanceof MemoryStorage);
        const lines = await storage.readLines(["projects", "p", runId, "spans.jsonl"]);
        const names = lines.map((line) => (JSON.parse(line) as { name: string }).name);
        assert.deepEqual(names, ["small-1", "small-2", "r"]);
        assert.equal(storage.stats().droppedLines, 1);
      });
      assert.ok(
        diagnostics.some((d) => d.code === "storage_bound" && /dropped a log line/.test(d.message)),
      );
    });
  });

  it("take other bounds through workerMemoryStorage({ maxLineBytes })", async () => {
    const storage = workerMemoryStorage({ maxLineBytes: MiB });
    resetReportedOnce();
    const { diagnostics } = await captureDiagnostics(() =>
      storage.appendLines(["log"], ["x".repeat(MiB), "kept"])
    );
    assert.deepEqual(await storage.readLines(["log"]), ["kept"]);
    assert.deepEqual(diagnostics.map((d) => d.code), ["storage_bound"]);
  });
});
