// The Agents SDK's `trace_include_sensitive_data` is a runner option: its runner leaves model and
// tool payloads out of span data. tracelet has no runner, so a user moving over keeps payloads out
// with the redaction policy: `redaction: { extraKeys: ["input", "output"] }` masks the span data's
// `input` and `output` on tracelet's JSONL lines, in the OTLP body and in what a
// BatchTraceProcessor posts to the OpenAI backend, while the rest of the span data stays.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  addTraceProcessor,
  agentSpan,
  BackendSpanExporter,
  BatchTraceProcessor,
  flushTraces,
  functionSpan,
  generationSpan,
  setAgentTracer,
  setTraceProcessors,
  trace,
} from "../../src/agents/mod.ts";
import { exportThroughConfigure } from "../_support/otlp_helpers.ts";

const PAYLOADS = /PRIVATE-(PROMPT|ANSWER|ARGS|RESULT)/;

describe("agent payloads kept out with redaction extraKeys", () => {
  it("masks input and output in JSONL, OTLP and the backend post, and keeps the rest", async () => {
    const posted: string[] = [];
    const previous = setAgentTracer(undefined);
    let lines = "";
    try {
      const { storage, bodies } = await exportThroughConfigure(async () => {
        addTraceProcessor(
          new BatchTraceProcessor(
            new BackendSpanExporter({
              apiKey: "sk-test-key-123456",
              endpoint: "http://127.0.0.1:9/v1/traces/ingest",
              fetch: (
                _url,
                init,
              ) => (posted.push(String(init.body)), Promise.resolve(new Response("{}"))),
            }),
            { scheduleDelay: 60_000 },
          ),
        );
        await trace("wf").run(() =>
          agentSpan("planner").run(async () => {
            await generationSpan({
              model: "gpt-test",
              input: [{ role: "user", content: "PRIVATE-PROMPT" }],
            }).run((g) => {
              g.spanData.output = [{ role: "assistant", content: "PRIVATE-ANSWER" }];
            });
            await functionSpan("lookup", { input: "PRIVATE-ARGS" }).run((f) => {
              f.spanData.output = "PRIVATE-RESULT";
            });
          })
        );
        await flushTraces();
      }, { redaction: { extraKeys: ["input", "output"] } });
      const body = bodies.join("\n");
      const [span] = JSON.parse(bodies[0]).resourceSpans[0].scopeSpans[0].spans;
      lines = (await storage.readLines(["projects", "default", span.traceId, "spans.jsonl"]))
        .join();
      assert.equal(
        lines.split("openai.span_data").length,
        4,
        "three agent spans on the JSONL lines",
      );
      for (const [where, text] of [["JSONL", lines], ["OTLP", body], ["backend", posted.join()]]) {
        assert.doesNotMatch(text, PAYLOADS, `a payload in the ${where}`);
        assert.match(text, /gpt-test/, `the model is kept in the ${where}`);
        assert.match(text, /lookup/, `the tool name is kept in the ${where}`);
      }
    } finally {
      setTraceProcessors([]);
      setAgentTracer(previous);
    }
  });
});
