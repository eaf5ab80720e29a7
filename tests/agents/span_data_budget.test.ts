// An agent span's `openai.span_data` is its span data serialized within a 1 MiB budget and then
// redacted, which cuts strings to 2048 code points. A huge string was charged to that budget at
// its full size before the cut, so the fields after it were replaced by `<truncated>` (a function
// span with a 2 MB `input` lost its `output`), and its marker counted UTF-16 units (an emoji
// string said twice its length). Past the budget, strings are now cut while they are serialized.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { setRedactionPolicy } from "../../mod.ts";
import type { SpanRecord } from "../../mod.ts";
import { customSpan, functionSpan, trace } from "../../src/agents/mod.ts";
import { redacted } from "../../src/agents/_redact.ts";
import { RedactionPolicy } from "../../src/redact/policy.ts";
import { agentSetup, byType } from "./_helpers.ts";

const BIG = 2_000_000;

/** The spans a traced body records. */
async function recorded(body: () => void): Promise<SpanRecord[]> {
  const { collector, done } = agentSetup();
  try {
    await trace("wf").run(body);
    return collector.ended;
  } finally {
    await done();
  }
}

/** A span's parsed `openai.span_data`. */
function spanData(span: SpanRecord): Record<string, unknown> {
  return JSON.parse(span.attributes["openai.span_data"] as string);
}

describe("agent span data past the serializer's budget keeps its small fields", () => {
  it("a function span with a huge input keeps its output", async () => {
    const spans = await recorded(() => {
      functionSpan("tool", { input: "x".repeat(BIG), output: "ok" }).run(() => {});
    });
    const data = spanData(byType(spans, "function"));
    assert.equal(data.input, `${"x".repeat(2032)}...[truncated:${BIG}]`);
    assert.equal(data.output, "ok");
    assert.equal(data.name, "tool");
  });

  it("custom data keeps the fields after a huge emoji string, counted in code points", async () => {
    const emoji = "\u{1F600}";
    const spans = await recorded(() => {
      customSpan("c", {
        data: { page: emoji.repeat(1_000_000), status: 200, summary: "important" },
      }).run(() => {});
    });
    assert.deepEqual(spanData(byType(spans, "custom")).data, {
      page: `${emoji.repeat(2032)}...[truncated:1000000]`,
      status: 200,
      summary: "important",
    });
  });

  it("masks a huge value under a sensitive key and keeps its siblings", () => {
    const policy = new RedactionPolicy();
    assert.deepEqual(redacted({ api_key: "k".repeat(BIG), status: 200 }, policy), {
      api_key: "***REDACTED***",
      status: 200,
    });
  });

  it("a value that fits is redacted as before: a long string holding JSON keeps its whole text", () => {
    const json = JSON.stringify(Array.from({ length: 2000 }, (_, i) => i));
    const value = { input: json, output: "z".repeat(3000) };
    assert.deepEqual(redacted(value, new RedactionPolicy()), {
      input: json,
      output: `${"z".repeat(2032)}...[truncated:3000]`,
    });
  });

  it("a disabled policy cuts no string to a length", async () => {
    const off = new RedactionPolicy({ enabled: false });
    assert.deepEqual(redacted({ text: "y".repeat(3000) }, off), { text: "y".repeat(3000) });
    setRedactionPolicy({ enabled: false });
    try {
      const spans = await recorded(() => {
        functionSpan("tool", { input: "y".repeat(3000), output: "ok" }).run(() => {});
      });
      assert.equal(spanData(byType(spans, "function")).input, "y".repeat(3000));
    } finally {
      setRedactionPolicy(undefined);
    }
  });
});
