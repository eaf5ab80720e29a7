// trace().start(true) in overlapping requests where the store of start(true) is one slot shared by
// every async flow (workerd, whose enterWith throws even with nodejs_compat; SyncContextManager):
// request B's trace replaces request A's, and A's LLM spans made after that are filed under B's
// trace (another user's). The only signal was agent_trace_exists at debug level; the replacement
// is now warned once (agent_trace_replaced). Where each flow has its own store (AsyncLocalStorage
// with a working enterWith: Node, Deno, Bun) nothing is misfiled and nothing is warned. Run by
// scripts/test_workerd.mjs too: there the runtime's AsyncLocalStorage shares the slot.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { generationSpan, trace } from "../../src/agents/mod.ts";
import type { Diagnostic } from "../../src/diagnostics.ts";
import { resetReportedOnce } from "../../src/diagnostics.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { NO_ENTER_WITH, SLOT_MANAGERS, withManager } from "../_support/flow_managers.ts";
import { agentSetup } from "./_helpers.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A request that starts its trace with start(true) after an await, as the README advises. */
async function request(who: string, wait: number): Promise<void> {
  await sleep(1);
  const t = trace(`agent-${who}`).start(true);
  await sleep(wait);
  generationSpan({ model: `m-${who}` }).start(true).finish(true);
  t.finish(true);
}

/** The warnings, and the trace each generation span was recorded in (`model → trace name`). */
async function overlapping(
  requests: () => Promise<void>,
): Promise<{ warnings: Diagnostic[]; filedUnder: Record<string, string> }> {
  const { collector, done } = agentSetup();
  try {
    resetReportedOnce();
    const { diagnostics } = await captureDiagnostics(requests);
    const filedUnder: Record<string, string> = {};
    for (const span of collector.ended) {
      const model = span.attributes["gen_ai.request.model"];
      if (typeof model !== "string") continue;
      const root = collector.ended.find((s) =>
        s.traceId === span.traceId && s.parentSpanId === undefined
      );
      filedUnder[model] = root?.name ?? "?";
    }
    return { warnings: diagnostics.filter((d) => d.code === "agent_trace_replaced"), filedUnder };
  } finally {
    await done();
  }
}

/** A starts first and resumes first; B starts while A's trace is current. */
async function abOverlap(): Promise<void> {
  await Promise.all([request("A", 30), sleep(10).then(() => request("B", 60))]);
}

describe("start(true) of a trace over another request's, in one shared slot", () => {
  for (const [label, make] of SLOT_MANAGERS) {
    it(`${label}: warns once that the live trace was replaced`, async () => {
      const { warnings, filedUnder } = await overlapping(() =>
        withManager(make(), async () => {
          await abOverlap();
          await Promise.all([request("C", 30), sleep(10).then(() => request("D", 30))]);
        })
      );
      // What the warning is about: A's model call is filed under B's trace.
      assert.equal(filedUnder["m-A"], "agent-B");
      assert.equal(warnings.length, 1, "once, not per replacement");
      assert.equal(warnings[0].level, "warn");
      assert.match(warnings[0].message, /trace\.run\(fn\)/);
      assert.match(warnings[0].message, /nodejs_compat/);
      assert.match(warnings[0].message, /`parent`/);
    });

    it(`${label}: says nothing for requests one after the other`, async () => {
      const { warnings, filedUnder } = await overlapping(() =>
        withManager(make(), async () => {
          await request("A", 5);
          await request("B", 5);
        })
      );
      assert.deepEqual(filedUnder, { "m-A": "agent-A", "m-B": "agent-B" });
      assert.deepEqual(warnings, []);
    });
  }
});

describe("start(true) of overlapping traces with this runtime's AsyncLocalStorage", () => {
  it(
    NO_ENTER_WITH
      ? "shares one slot (workerd): warns that the live trace was replaced"
      : "keeps each request's trace in its own flow: nothing to warn",
    async () => {
      const { warnings, filedUnder } = await overlapping(abOverlap);
      if (NO_ENTER_WITH) {
        assert.equal(filedUnder["m-A"], "agent-B");
        assert.equal(warnings.length, 1);
      } else {
        assert.deepEqual(filedUnder, { "m-A": "agent-A", "m-B": "agent-B" });
        assert.deepEqual(warnings, []);
      }
    },
  );
});
