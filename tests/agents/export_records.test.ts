// The exported OpenAI records (`toJSON()` / `export()`) keep every field of a span, whatever the
// size or depth of one of them: a huge input never pushes out `model` or `usage`, and no key is
// made up beyond the SDK's own fields (null when unset); only BackendSpanExporter cuts `input` /
// `output` to the backend's 100,000 bytes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  addTraceProcessor,
  BatchTraceProcessor,
  customSpan,
  flushTraces,
  generationSpan,
  trace,
} from "../../src/agents/mod.ts";
import type { AgentSpan } from "../../src/agents/mod.ts";
import { agentSetup, capturingBackend } from "./_helpers.ts";

type Nested = { n?: Nested; leaf?: string };

/** An object nested `levels` deep: `{n: {n: … {leaf: "v"}}}`. */
function nested(levels: number): Nested {
  let value: Nested = { leaf: "v" };
  for (let i = 0; i < levels; i++) value = { n: value };
  return value;
}

/** How many `n` levels of `value` are kept, and what is at the bottom. */
function depthOf(value: unknown): { levels: number; bottom: unknown } {
  let levels = 0;
  let current = value as Nested | string;
  while (typeof current === "object" && current.n !== undefined) {
    current = current.n;
    levels++;
  }
  return { levels, bottom: current };
}

describe("exported agent span records", () => {
  it("a 1.2 MB input keeps output, model and usage, adds no key of its own; the backend gets 100,000 bytes of input", async () => {
    const { done } = agentSetup();
    try {
      const { exporter, bodies } = capturingBackend();
      addTraceProcessor(new BatchTraceProcessor(exporter, { timers: false }));
      const big = "x".repeat(1_200_000);
      let span: AgentSpan | undefined;
      await trace("wf").run(() => {
        span = generationSpan({
          model: "gpt-4o",
          input: [{ role: "user", content: big }],
          output: [{ role: "assistant", content: "hi" }],
          usage: { input_tokens: 300000, output_tokens: 2 },
        });
        span.run(() => {});
      });
      const record = span!.toJSON() as { span_data: Record<string, unknown> };
      assert.deepEqual(Object.keys(record.span_data), [
        "type",
        "input",
        "output",
        "model",
        "model_config", // null: not set (the SDK exports every field of the type)
        "usage",
      ]);
      assert.deepEqual(record.span_data.input, [{ role: "user", content: big }]);
      assert.deepEqual(record.span_data.output, [{ role: "assistant", content: "hi" }]);
      assert.equal(record.span_data.model, "gpt-4o");
      assert.deepEqual(record.span_data.usage, { input_tokens: 300000, output_tokens: 2 });

      await flushTraces();
      const posted = bodies.flatMap((body) => JSON.parse(body).data as Record<string, unknown>[])
        .find((r) => r.object === "trace.span") as { span_data: Record<string, unknown> };
      assert.deepEqual(Object.keys(posted.span_data), [
        "type",
        "input",
        "output",
        "model",
        "model_config", // null: not set (the SDK exports every field of the type)
        "usage",
      ]);
      const inputBytes = new TextEncoder().encode(JSON.stringify(posted.span_data.input)).length;
      assert.ok(inputBytes <= 100_000 && inputBytes > 90_000, `${inputBytes} bytes`);
      assert.equal(posted.span_data.model, "gpt-4o");
      assert.deepEqual(posted.span_data.usage, { input_tokens: 300000, output_tokens: 2 });
    } finally {
      await done();
    }
  });

  it("a record's fields share one 16 MiB budget: many references to a large array stay bounded", async () => {
    const { done } = agentSetup();
    try {
      const shared = Array.from({ length: 200_000 }, (_, i) => i); // ~1.3 MB of JSON
      const metadata: Record<string, unknown> = {};
      for (let i = 0; i < 32; i++) metadata[`k${i}`] = shared;
      metadata.user = "u1";
      trace("wf", { metadata }).run((t) => {
        const record = t.toJSON()!;
        const length = JSON.stringify(record).length;
        assert.ok(length <= 16 * 1024 * 1024 + 64 * 1024, `${length} characters`);
        const kept = record.metadata as Record<string, unknown>;
        assert.deepEqual(Object.keys(kept), Object.keys(metadata));
        assert.equal(kept.user, "u1"); // a small field is never crowded out
        // Every large field keeps its share (cut inside itself), the last one too.
        assert.ok(Array.isArray(kept.k0) && kept.k0.length > 1000);
        assert.ok(Array.isArray(kept.k31) && kept.k31.length > 1000);
      });
    } finally {
      await done();
    }
  });

  it("custom data nested 40 levels deep is exported whole", async () => {
    const { done } = agentSetup();
    try {
      let span: AgentSpan | undefined;
      trace("wf").run(() => {
        span = customSpan("c", { data: { schema: nested(40) } });
        span.run(() => {});
      });
      const record = span!.toJSON() as unknown as { span_data: { data: { schema: unknown } } };
      assert.deepEqual(depthOf(record.span_data.data.schema), {
        levels: 40,
        bottom: { leaf: "v" },
      });
    } finally {
      await done();
    }
  });

  it("data nested 10,000 levels deep is cut inside itself: the record keeps its shape and serializes", async () => {
    const { done } = agentSetup();
    try {
      let span: AgentSpan | undefined;
      trace("wf", { metadata: { deep: nested(10_000), user: "u1" } }).run((t) => {
        span = customSpan("c", { data: { schema: nested(10_000), kept: true } });
        span.run(() => {});
        const metadata = t.toJSON()!.metadata as Record<string, unknown>;
        assert.deepEqual(Object.keys(metadata), ["deep", "user"]);
        assert.equal(metadata.user, "u1");
      });
      const record = span!.toJSON() as unknown as {
        span_data: Record<string, Record<string, unknown>>;
      };
      assert.deepEqual(Object.keys(record.span_data), ["type", "name", "data"]);
      assert.equal(record.span_data.data.kept, true);
      const { levels, bottom } = depthOf(record.span_data.data.schema);
      assert.ok(levels >= 100, `${levels} levels kept`);
      assert.equal(typeof bottom, "string"); // a marker in place of what is deeper
      assert.equal(typeof JSON.stringify(record), "string");
    } finally {
      await done();
    }
  });
});
