// What another copy of tracelet (or anything else) leaves under the shared active-span context key
// is read without `instanceof` throwing: a revoked proxy there must not make the agent layer or the
// task layer throw when they look for the active tracelet span.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { activeContext, getContextManager } from "../../mod.ts";
import { SPAN_KEY } from "../../src/context/keys.ts";
import { customSpan, trace } from "../../src/agents/mod.ts";
import { localSpan } from "../../src/task/_span_facade.ts";
import { hostile } from "../_support/hostile.ts";
import { agentSetup } from "./_helpers.ts";

/** Runs `fn` with `value` under the active-span key. */
function hostileSpanInContext<T>(value: unknown, fn: () => T): T {
  return getContextManager().with(activeContext().set(SPAN_KEY, value), fn);
}

describe("a revoked proxy under the active-span key", () => {
  it("is no local span for the task layer", () => {
    const { revoked } = hostile();
    assert.equal(localSpan(revoked), undefined);
  });

  it("lets agent traces and spans start and end, in a trace of their own", async () => {
    const { collector, done } = agentSetup();
    try {
      const { revoked } = hostile();
      hostileSpanInContext(revoked, () => {
        const t = trace("wf");
        t.run(() => {
          const span = customSpan("step");
          span.start();
          span.end();
        });
      });
      const names = collector.ended.map((s) => s.name).sort();
      assert.equal(names.length, 2);
      const [a, b] = collector.ended;
      assert.equal(a.traceId, b.traceId);
    } finally {
      await done();
    }
  });
});
