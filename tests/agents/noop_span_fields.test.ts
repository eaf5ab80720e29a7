// A no-op span (tracing disabled, or no trace) still nests, but, as Python's NoOpSpan and
// @openai/agents-core's NoopSpan, reports no start or end time and keeps no error.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  agentSpan,
  functionSpan,
  getCurrentSpan,
  NoOpSpan,
  setTracingDisabled,
  trace,
} from "../../src/agents/mod.ts";
import { agentSetup } from "./_helpers.ts";

describe("NoOpSpan fields", () => {
  it("startedAt and endedAt stay null, setError keeps nothing, and it still becomes current", async () => {
    const { done } = agentSetup();
    try {
      setTracingDisabled(true);
      const t = trace("wf").start(true);
      const span = agentSpan("a");
      assert.ok(span instanceof NoOpSpan);
      span.start(true);
      assert.equal(getCurrentSpan(), span);
      assert.equal(span.startedAt, null);
      assert.equal(span.setError({ message: "boom" }), span);
      assert.equal(span.error, null);
      span.finish(true);
      assert.equal(span.endedAt, null);
      assert.equal(span.finished, true);
      assert.equal(getCurrentSpan(), null);
      t.finish(true);
      assert.equal(t.startedAt, null);
    } finally {
      await done();
    }
  });

  it("a no-op span that fails inside run() records no error; a recording span still does", async () => {
    const { done } = agentSetup();
    try {
      const noop = new NoOpSpan({ type: "custom", name: "c", data: {} });
      assert.throws(() =>
        noop.run(() => {
          throw new Error("boom");
        }), /boom/);
      assert.deepEqual([noop.error, noop.startedAt, noop.endedAt], [null, null, null]);
      const recording = trace("wf").run(() => functionSpan("tool").run((s) => s));
      assert.ok(recording.startedAt !== null && recording.endedAt !== null);
      recording.setError({ message: "late" });
      assert.equal(recording.error?.message, "late");
    } finally {
      await done();
    }
  });
});
