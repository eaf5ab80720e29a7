// A program that imports no runtime preset (only the package entry, or only `./agents`) keeps the
// active span across `await` where the runtime hands out AsyncLocalStorage synchronously (Node
// 20.16+, Deno, Bun): before, its default was a synchronous stack, so a span started after an
// `await` inside `withSpan` began a new trace and an agent span after an `await` inside
// `trace().run()` was not recorded, both silently. Each case runs in a fresh child process, as a
// user's program would, so no other test's preset or context manager is in the way.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { repoRoot, runChildSource } from "./_support/child_module.ts";
import { isWorkerd } from "./_support/runtime.ts";

/** Runs `body` in a child process and returns the JSON it printed to stderr. */
async function childResult(body: string): Promise<Record<string, unknown>> {
  const child = await runChildSource(
    `${body}\nconsole.error("RESULT" + JSON.stringify(result));\n`,
  );
  const line = child.stderr.split("\n").find((l) => l.startsWith("RESULT"));
  assert.ok(line !== undefined, `child printed no result (exit ${child.code}): ${child.stderr}`);
  return JSON.parse(line.slice("RESULT".length));
}

const entry = (path: string) => JSON.stringify(join(repoRoot(), path));

describe("without a runtime preset", { skip: isWorkerd }, () => {
  it("a span started after an await inside withSpan is the child of the active span", async () => {
    const result = await childResult(
      `import { getContextManager, SimpleSpanProcessor, Tracer } from ${entry("mod.ts")};\n` +
        `const ended = [];\n` +
        `const tracer = new Tracer({ processors: [new SimpleSpanProcessor({ export: async (spans) => { ended.push(...spans); return { exported: spans.length, retried: 0, persisted: 0, dropped: {}, failed: 0 }; } })] });\n` +
        `await tracer.withSpan("request", async () => {\n` +
        `  await new Promise((resolve) => setTimeout(resolve, 1));\n` +
        `  tracer.startSpan("after-await").end();\n` +
        `});\n` +
        `await tracer.forceFlush();\n` +
        `const request = ended.find((s) => s.name === "request");\n` +
        `const child = ended.find((s) => s.name === "after-await");\n` +
        `const result = { manager: getContextManager().name, sameTrace: child.traceId === request.traceId, parent: child.parentSpanId === request.spanId };\n`,
    );
    assert.deepEqual(result, { manager: "async-local-storage", sameTrace: true, parent: true });
  });

  it("an agent span made after an await inside trace().run() is recorded (./agents alone)", async () => {
    const result = await childResult(
      `import { addTraceProcessor, functionSpan, generationSpan, trace } from ${
        entry("src/agents/mod.ts")
      };\n` +
        `const spans = [];\n` +
        `addTraceProcessor({ onSpanEnd: (span) => spans.push({ type: span.spanData.type, parent: span.parentId, trace: span.traceId }) });\n` +
        `let traceId;\n` +
        `await trace("weather_bot").run(async (t) => {\n` +
        `  traceId = t.traceId;\n` +
        `  await generationSpan({ model: "gpt-4o" }).run(async () => {});\n` +
        `  functionSpan("get_weather", { input: "{}" }).run(() => {});\n` +
        `});\n` +
        `const result = { types: spans.map((s) => s.type), inTrace: spans.every((s) => s.trace === traceId) };\n`,
    );
    assert.deepEqual(result, { types: ["generation", "function"], inTrace: true });
  });
});
