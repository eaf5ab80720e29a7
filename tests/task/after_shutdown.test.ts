// A run (or any span) that ends after `tracing.shutdown()` is dropped: tracelet's processors accept
// nothing once shut down. A user trial porting a dreadnode harness that shut down between eval
// phases lost the later phases: one run directory of two, the loss visible only as
// `dropped: { shutdown: 1 }` in a later flush report, and no diagnostic. The first such span is
// now reported (`after_shutdown`, once per configuration), and `configure()` again starts a new
// pipeline that writes what follows.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Diagnostic } from "../../src/diagnostics.ts";
import { configure } from "../../src/portable.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { logMetric, run } from "../../src/task/mod.ts";
import { isolated } from "../_support/global_state.ts";

/** Runs a run named `name` that logs one metric; returns its run id. */
function phase(name: string): string {
  return run(name, {}, (r) => {
    logMetric("score", 1);
    return r.runId;
  });
}

/** The span names of a run's JSONL log (none when it was not written). */
async function runSpans(storage: MemoryStorage, runId: string): Promise<string[]> {
  const lines = await storage.readLines(["projects", "phases", runId, "spans.jsonl"]);
  return lines.map((line) => JSON.parse(line).name);
}

describe("a run that ends after tracing.shutdown()", () => {
  it("is reported once per configuration (after_shutdown), naming it and what to do", () =>
    isolated(async () => {
      const seen: Diagnostic[] = [];
      const storage = new MemoryStorage();
      const tracing = configure({ storage, project: "phases", diagnostics: (d) => seen.push(d) });
      const first = phase("phase-1");
      await tracing.forceFlush(); // flushing between phases drops nothing and reports nothing
      const second = phase("phase-2");
      await tracing.shutdown();
      assert.deepEqual(seen.filter((d) => d.code === "after_shutdown"), []);
      const third = phase("phase-3");
      phase("phase-4");
      const warned = seen.filter((d) => d.code === "after_shutdown");
      assert.equal(warned.length, 1, "once, not once per span");
      assert.equal(warned[0].level, "warn");
      assert.match(warned[0].message, /"phase-3"/);
      assert.match(warned[0].message, /dropped/);
      assert.match(warned[0].message, /forceFlush\(\)/);
      assert.match(warned[0].message, /configure\(\) again/);
      const report = await tracing.forceFlush();
      assert.equal(report.dropped.shutdown, 2, "what the report counts");
      assert.deepEqual(await runSpans(storage, first), ["phase-1"]);
      assert.deepEqual(await runSpans(storage, second), ["phase-2"]);
      assert.deepEqual(await runSpans(storage, third), []);
    }));

  it("is reported when the tracer itself was shut down (tracer.shutdown())", () =>
    isolated(async () => {
      const seen: string[] = [];
      const tracing = configure({
        storage: new MemoryStorage(),
        diagnostics: (d) => seen.push(d.code),
      });
      await tracing.tracer.shutdown();
      tracing.tracer.startSpan("late").end();
      assert.deepEqual(seen.filter((code) => code === "after_shutdown"), ["after_shutdown"]);
    }));

  it("is written by the new pipeline of configure() called again after the report", () =>
    isolated(async () => {
      const seen: string[] = [];
      const diagnostics = (d: Diagnostic) => void seen.push(d.code);
      const tracing = configure({ storage: new MemoryStorage(), project: "phases", diagnostics });
      phase("phase-1");
      await tracing.shutdown();
      phase("lost");
      assert.equal(seen.filter((code) => code === "after_shutdown").length, 1);
      const storage = new MemoryStorage();
      const next = configure({ storage, project: "phases", diagnostics });
      const later = phase("phase-2");
      tracing.tracer.startSpan("on the old tracer").end(); // handed to the new pipeline
      const report = await next.shutdown();
      assert.equal(report.exported, 2);
      assert.equal(report.dropped.shutdown, undefined);
      assert.deepEqual(await runSpans(storage, later), ["phase-2"]);
      assert.equal(seen.filter((code) => code === "after_shutdown").length, 1, "no new report");
    }));
});
