// The agent layer and the preset's fallback configuration, in child processes on Node, Bun and
// Deno (skipped in workerd, which has no processes): without configure(), agent traces reach the
// fallback's JSONL files and OTLP exporter, as run() does; and a configure() made after agent
// traces started hands the processors to the new pipeline, whose shutdown delivers their queue;
// a user who installed their own tracer keeps it (and their redaction policy).
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { repoRoot, runChildSourceIn } from "../_support/child_module.ts";
import { withTempDir } from "../_support/files.ts";
import { withReceiver } from "../_support/otlp_receiver.ts";
import { isDeno, isWorkerd } from "../_support/runtime.ts";

/** The current runtime's preset and the agents entry, as import lines for a child. */
function imports(names: string): string {
  const preset = join(repoRoot(), "src", "runtime", isDeno ? "deno.ts" : "node.ts");
  const agents = join(repoRoot(), "src", "agents", "mod.ts");
  return `import { configure } from ${JSON.stringify(preset)};\n` +
    `import { ${names} } from ${JSON.stringify(agents)};\n`;
}

/** Every `spans.jsonl` line below `dir`, parsed. */
async function jsonlLines(dir: string): Promise<{ name: string }[]> {
  const files = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  const lines: { name: string }[] = [];
  for (const file of files.filter((f) => String(f).endsWith("spans.jsonl"))) {
    const text = await readFile(join(dir, String(file)), "utf8");
    for (const line of text.split("\n")) if (line !== "") lines.push(JSON.parse(line));
  }
  return lines;
}

/** Writes `body` as a child module in a fresh directory and runs it; `fn` checks the result. */
function inChild(
  body: string,
  env: (dir: string) => Record<string, string>,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  return withTempDir("tracelet-agents-fallback-", async (dir) => {
    const { code, stderr } = await runChildSourceIn(dir, body, env(dir));
    assert.equal(code, 0, stderr);
    await fn(dir);
  });
}

describe("agent traces without configure()", { skip: isWorkerd }, () => {
  it("reach the preset fallback's JSONL files and OTLP exporter", () =>
    withReceiver((receiver) =>
      inChild(
        imports("agentSpan, trace") +
          `void configure;\n` +
          `await trace("wf").run(() => agentSpan("planner").run(() => {}));\n`,
        (dir) => ({
          TRACELET_HOME: join(dir, "home"),
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url.replace(/\/v1\/traces$/, ""),
        }),
        async (dir) => {
          const names = (await jsonlLines(join(dir, "home"))).map((line) => line.name);
          assert.equal(names.length, 2, `JSONL span names: ${names}`);
          assert.ok(names.some((name) => name.includes("planner")), `${names}`);
          assert.equal(receiver.requests.flatMap((r) => r.spanIds).length, 2);
        },
      )
    ));
});

describe("agent traces of a user who installed their own tracer", { skip: isWorkerd }, () => {
  it("go to that tracer; the fallback replaces neither it nor their redaction policy", () => {
    const core = JSON.stringify(join(repoRoot(), "mod.ts"));
    return inChild(
      imports("agentSpan, trace") +
        `import { getRedactionPolicy, getTracer, setRedactionPolicy, setTracer, Tracer } from ${core};\n` +
        `void configure;\n` +
        `const seen: string[] = [];\n` +
        `const processor = { onSpanEnd(span: { name: string }) { seen.push(span.name); } };\n` +
        `const mine = new Tracer({ processors: [processor] });\n` +
        `setTracer(mine);\n` +
        `setRedactionPolicy({ extraKeys: ["session_key"] });\n` +
        `const policy = getRedactionPolicy();\n` +
        `await trace("wf").run(() => agentSpan("planner").run(() => {}));\n` +
        `getTracer().startSpan("plain").end();\n` +
        `const problems: string[] = [];\n` +
        `if (getTracer() !== mine) problems.push("the global tracer was replaced");\n` +
        `if (getRedactionPolicy() !== policy) problems.push("the redaction policy was replaced");\n` +
        `if (seen.length !== 3) problems.push("my processor saw " + JSON.stringify(seen));\n` +
        `if (problems.length > 0) throw new Error(problems.join("; "));\n`,
      (dir) => ({ TRACELET_HOME: join(dir, "home") }),
      async (dir) => {
        assert.deepEqual(await jsonlLines(join(dir, "home")), [], "the fallback wrote JSONL");
      },
    );
  });
});

describe("configure() after agent traces started", { skip: isWorkerd }, () => {
  it("still delivers what a BatchTraceProcessor queued, through the new pipeline's shutdown", () =>
    withReceiver((receiver) =>
      inChild(
        imports("addTraceProcessor, agentSpan, BackendSpanExporter, BatchTraceProcessor, trace") +
          `addTraceProcessor(new BatchTraceProcessor(new BackendSpanExporter({\n` +
          `  endpoint: ${JSON.stringify(receiver.url)}, apiKey: "sk-test-key-123456",\n` +
          `})));\n` +
          `await trace("wf").run(() => agentSpan("planner").run(() => {}));\n` +
          `const tracing = configure({ storageRoot: process.env.TRACELET_HOME });\n` +
          `await tracing.shutdown();\n` +
          `// Exits at once: no exit flush runs, only what shutdown() delivered arrives.\n` +
          `if ("Deno" in globalThis) (globalThis as any).Deno.exit(0);\n` +
          `else process.exit(0);\n`,
        (dir) => ({ TRACELET_HOME: join(dir, "home") }),
        () => {
          const records = receiver.requests.flatMap((request) =>
            JSON.parse(new TextDecoder().decode(request.body)).data as { object: string }[]
          );
          assert.deepEqual(records.map((record) => record.object), ["trace", "trace.span"]);
          return Promise.resolve();
        },
      )
    ));
});
