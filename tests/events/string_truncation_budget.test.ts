// design_research_agents events cut each string over the policy's limit (2048 code points) to its
// first 2032 plus `...[truncated:<original length>]`, and leave every other field alone (seed
// semantics §4.5). The session used to serialize with a 1 MiB budget first, charged at each
// string's full size: a 2 MB `page` took the budget of its sibling fields (`status` and `summary`
// were lost) and its marker stated the serializer's cut (`truncated:1048543`), and 400 documents
// of 3000 characters kept only 349.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RedactingExporter, RedactionPolicy, SimpleSpanProcessor, Tracer } from "../../mod.ts";
import { MemoryEventSink, TraceSession } from "../../src/events/mod.ts";
import type { TraceSessionOptions } from "../../src/events/mod.ts";
import { MemoryExporter } from "../_support/collect.ts";

/** A session writing to memory; returns the attributes of each event emitted by `emit`. */
function attributesOf(
  emit: (session: TraceSession) => void,
  options: Partial<TraceSessionOptions> = {},
): Record<string, unknown>[] {
  const sink = new MemoryEventSink();
  const session = new TraceSession({ runId: "r", sinks: [sink], ...options });
  emit(session);
  return sink.events.map((e) => e.attributes as Record<string, unknown>);
}

describe("event strings are cut to the policy's limit, sibling fields stay", () => {
  it("a 2 MB string among small fields", () => {
    const [attrs] = attributesOf((s) =>
      s.emitEvent("ToolCallFinished", s.rootSpanId, null, {
        tool_name: "fetch",
        result: { page: "x".repeat(2_000_000), status: 200, api_key: "sk-1", summary: "important" },
      })
    );
    assert.deepEqual(attrs.result, {
      page: `${"x".repeat(2032)}...[truncated:2000000]`,
      status: 200,
      api_key: "***REDACTED***",
      summary: "important",
    });
    assert.equal(attrs.tool_name, "fetch");
  });

  it("400 documents of 3000 characters are all kept, each cut", () => {
    const [attrs] = attributesOf((s) =>
      s.emitEvent("X", s.rootSpanId, null, {
        docs: Array.from({ length: 400 }, (_, id) => ({ id, text: "y".repeat(3000) })),
      })
    );
    const docs = attrs.docs as { id: number; text: string }[];
    assert.equal(docs.length, 400);
    for (const doc of docs) assert.equal(doc.text, `${"y".repeat(2032)}...[truncated:3000]`);
    assert.equal(docs[399].id, 399);
  });

  it("counts code points, and follows the session's own policy (its limit, or none)", () => {
    const emoji = "\u{1F600}".repeat(3000);
    const [cut] = attributesOf((s) => s.emitEvent("X", s.rootSpanId, null, { text: emoji }));
    assert.equal(cut.text, `${"\u{1F600}".repeat(2032)}...[truncated:3000]`);
    const [small] = attributesOf(
      (s) => s.emitEvent("X", s.rootSpanId, null, { text: "z".repeat(500), n: 1 }),
      { redaction: new RedactionPolicy({ maxStringLength: 100 }) },
    );
    assert.deepEqual(small, { text: `${"z".repeat(84)}...[truncated:500]`, n: 1 });
    const [off] = attributesOf(
      (s) => s.emitEvent("X", s.rootSpanId, null, { text: "z".repeat(3000) }),
      { redaction: new RedactionPolicy({ enabled: false }) },
    );
    assert.equal(off.text, "z".repeat(3000));
  });

  it("error text is masked whole, then cut (a secret at the limit does not take the rest)", () => {
    const error = `HTTP 401: {"detail": "${"d".repeat(1991)}", "api_key": "sk-live-${
      "1".repeat(40)
    }"}`;
    const [attrs] = attributesOf((s) => s.emitEvent("X", s.rootSpanId, null, { error }));
    assert.ok(!String(attrs.error).includes("sk-live"), String(attrs.error).slice(-60));
    assert.ok(!String(attrs.error).includes("sk-l"), String(attrs.error).slice(-60));
    // Masked, the text fits the limit: nothing is cut.
    assert.ok(String(attrs.error).endsWith(`"api_key": "***REDACTED***"}`));
    // Longer, it is cut after masking: the cut may land in the replacement, the marker stays.
    const long = `${error}${" ".repeat(100)}`;
    const [cut] = attributesOf((s) => s.emitEvent("X", s.rootSpanId, null, { error: long }));
    const maskedLength = String(attrs.error).length + 100;
    assert.ok(String(cut.error).endsWith(`"api_key": "***R...[truncated:${maskedLength}]`));
  });

  it("the tracelet span of the event keeps the original length through the exporter", async () => {
    const exporter = new MemoryExporter();
    const tracer = new Tracer({
      processors: [new SimpleSpanProcessor(new RedactingExporter(exporter))],
    });
    const sink = new MemoryEventSink();
    const session = new TraceSession({ runId: "r", sinks: [sink], spanTracer: tracer });
    const id = session.startSpan("ToolCallStarted", null, { tool_name: "fetch" }, {
      name: "tool",
    });
    session.finishSpan("ToolCallFinished", id, {
      result: { page: "x".repeat(2_000_000), status: 200 },
    });
    await tracer.forceFlush();
    const span = exporter.spans.find((s) => s.name === "tool");
    assert.ok(span !== undefined);
    const result = span.attributes["dra.result"];
    const parsed = typeof result === "string" ? JSON.parse(result) : result;
    assert.equal(parsed.page, `${"x".repeat(2032)}...[truncated:2000000]`);
    assert.equal(parsed.status, 200);
    await tracer.shutdown();
  });
});
