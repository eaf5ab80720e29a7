// An exported agent span carries the optional `metadata` the OpenAI Agents SDK writes: the trace's
// `agent_harness_id`, then the keys of the span data's own `metadata` object not already present;
// no `metadata` field when there is nothing to put in it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSpan, customSpan, trace } from "../../src/agents/mod.ts";
import type { SpanData } from "../../src/agents/mod.ts";

describe("agent span export metadata", () => {
  it("carries the trace's agent_harness_id, then the span data's metadata keys", () => {
    const t = trace("bot", { metadata: { agent_harness_id: "harness-1", team: "search" } });
    t.run(() => {
      const plain = customSpan("step", { data: { n: 1 } });
      plain.start();
      plain.finish();
      assert.deepEqual(plain.export()?.metadata, { agent_harness_id: "harness-1" });
      const data = {
        type: "custom",
        name: "tagged",
        data: {},
        metadata: { agent_harness_id: "ignored", stage: "plan", at: 2 },
      } as unknown as SpanData;
      const tagged = createSpan(data);
      tagged.start();
      tagged.finish();
      assert.deepEqual(tagged.export()?.metadata, {
        agent_harness_id: "harness-1",
        stage: "plan",
        at: 2,
      });
    });
  });

  it("has no metadata field without a harness id or span data metadata", () => {
    trace("bot", { metadata: { team: "search" } }).run(() => {
      const span = customSpan("step", {});
      span.start();
      span.finish();
      const exported = span.export();
      assert.ok(exported !== null);
      assert.equal("metadata" in exported, false);
    });
  });
});
