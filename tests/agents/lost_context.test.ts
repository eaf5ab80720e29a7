// With a context manager that loses the context at an await (SyncContextManager: browsers,
// Workers without nodejs_compat), run(fn) is only isolated until fn's first await. Work after it
// must never be recorded in another request's trace (the one start(true) left current).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { agentSpan, functionSpan, getCurrentTrace, trace } from "../../src/agents/mod.ts";
import { withLostContext } from "../_support/flow_managers.ts";
import { agentSetup } from "./_helpers.ts";

const lostSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("run(fn) with a context manager that loses the context at an await", () => {
  it("never makes another request's trace current after the await", async () => {
    const { collector, done } = agentSetup();
    try {
      let afterAwait: unknown = "not read";
      const diagnostics = await withLostContext(async () => {
        const scoped = trace("scoped").run(async () => {
          await functionSpan("before-await").run(() => {});
          await lostSleep(5);
          afterAwait = getCurrentTrace()?.name ?? null;
          await functionSpan("after-await").run(() => {});
        });
        const imperative = (async () => {
          const t = trace("imperative").start(true);
          await lostSleep(30);
          t.finish(true);
        })();
        await Promise.all([scoped, imperative]);
      });
      assert.equal(afterAwait, null);
      const names = collector.ended.map((s) => s.name);
      assert.ok(names.some((n) => n.includes("before-await")), names.join());
      assert.ok(!names.some((n) => n.includes("after-await")), names.join());
      const imperative = collector.ended.find((s) => s.name === "imperative")!;
      assert.deepEqual(
        collector.ended.filter((s) => s.traceId === imperative.traceId).map((s) => s.name),
        ["imperative"],
      );
      assert.deepEqual(diagnostics.filter((d) => d.level !== "debug").map((d) => d.code), [
        "agent_context_lost",
      ]);
    } finally {
      await done();
    }
  });

  it("still finds the trace it runs in when start(true) made that trace current", async () => {
    const { collector, done } = agentSetup();
    try {
      let afterAwait: unknown = "not read";
      const diagnostics = await withLostContext(async () => {
        const t = trace("request").start(true);
        await agentSpan("agent").run(async () => {
          await lostSleep(1);
          afterAwait = getCurrentTrace()?.name;
          functionSpan("tool").start().finish();
        });
        t.finish(true);
      });
      assert.equal(afterAwait, "request");
      const root = collector.byName("request");
      const tool = collector.ended.find((s) => s.name.includes("tool"));
      assert.equal(tool?.traceId, root.traceId);
      assert.deepEqual(diagnostics.filter((d) => d.level !== "debug"), []);
    } finally {
      await done();
    }
  });
});
