// A message the policy masks because its key is sensitive (`extraKeys: ["message"]`, or `error`
// for the events layer) must not come out in the span's status message, whichever layer set it:
// the status message is the replacement, not the message with a (possibly cut) copy replaced.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RedactionPolicy, redactSpan, setRedactionPolicy, Tracer } from "../mod.ts";
import { functionSpan, trace } from "../src/agents/mod.ts";
import { failToolCall, startToolCall } from "../src/events/mod.ts";
import { agentSetup } from "./agents/_helpers.ts";
import { eventSetup } from "./events/_helpers.ts";
import { CollectingProcessor } from "./_support/collect.ts";
import { isolated } from "./_support/global_state.ts";

const R = "***REDACTED***";

describe("status message of an error under a sensitive key", () => {
  it("is the replacement on an agent span when the policy finds `message` (or `error`) sensitive", async () => {
    const cases = [
      { extraKeys: ["message"], status: R },
      { extraKeys: ["error"], status: R },
      { extraKeys: [], status: "db password is SECRET_AGENT" }, // not sensitive: as given
    ];
    for (const { extraKeys, status } of cases) {
      await isolated(async () => {
        const { collector, done } = agentSetup();
        const policy = new RedactionPolicy({ extraKeys });
        setRedactionPolicy(policy);
        try {
          await trace("wf").run(() => {
            const span = functionSpan("lookup");
            span.start();
            span.setError({ message: "db password is SECRET_AGENT" });
            span.finish();
          });
        } finally {
          await done();
        }
        const record = collector.ended.find((s) => s.name !== "wf")!;
        assert.deepEqual(record.status, { code: "ERROR", message: status }, String(extraKeys));
        if (status !== R) return;
        // As exported (`openai.error` is masked whole by the exporter when `error` is sensitive).
        const exported = JSON.stringify(redactSpan(record, policy));
        assert.ok(!exported.includes("SECRET_AGENT"), exported);
      });
    }
  });

  it("is the replacement on an events-layer span when the policy finds `error` sensitive", async () => {
    const policy = new RedactionPolicy({ extraKeys: ["error"] });
    const { tracer, collector, done } = eventSetup({ redaction: policy, enableConsole: false });
    try {
      await tracer.runCallable({
        agentName: "a",
        requestId: "q",
        fn: () => {
          const id = startToolCall({ toolName: "t" });
          failToolCall(id, { toolName: "t", error: new Error("token SECRET_EVENTS rejected") });
        },
      });
      const tool = collector.ended.find((s) => s.attributes["dra.error"] !== undefined)!;
      assert.equal(tool.attributes["dra.error"], R);
      assert.deepEqual(tool.status, { code: "ERROR", message: R });
      assert.ok(!JSON.stringify(collector.ended).includes("SECRET_EVENTS"));
    } finally {
      await done();
    }
  });

  it("is the replacement at export when the exception event holds a cut copy of the message", async () => {
    const collector = new CollectingProcessor();
    const tracer = new Tracer({
      limits: { attributeValueLengthLimit: 40 },
      processors: [collector],
    });
    tracer.withSpan("op", (span) => {
      // recordException sets the status message to the whole message; the event keeps 40 chars.
      span.recordException(new Error("login failed for user bob with password hunter2-SECRET_CUT"));
    });
    tracer.withSpan("op", (span) => {
      span.recordException(new Error("bad input SECRET_WRAPPED"));
      span.setStatus({ code: "ERROR", message: "validation: bad input SECRET_WRAPPED" });
    });
    await tracer.shutdown();
    // What a RedactingExporter with this policy exports.
    const policy = new RedactionPolicy({ extraKeys: ["message"] });
    const spans = collector.ended.map((span) => redactSpan(span, policy));
    assert.equal(spans.length, 2);
    for (const span of spans) {
      assert.equal(span.events[0].attributes["exception.message"], R);
      assert.deepEqual(span.status, { code: "ERROR", message: R });
    }
    assert.ok(!JSON.stringify(spans).includes("SECRET_"), JSON.stringify(spans));
  });
});
