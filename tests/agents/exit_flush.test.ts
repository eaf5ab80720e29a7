// The agent layer's exit flush: a program that follows the README's opt-in
// (`addTraceProcessor(new BatchTraceProcessor(new BackendSpanExporter()))` from the agents entry,
// without configure()) and ends without flushing still has its trace and spans delivered. Runs a
// child process on Node, Bun and Deno (skipped in workerd, which has no processes).
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { repoRoot, runChildSource, runChildSourceIn } from "../_support/child_module.ts";
import { fileLines, withTempDir } from "../_support/files.ts";
import { withReceiver } from "../_support/otlp_receiver.ts";
import { isWorkerd } from "../_support/runtime.ts";

describe("the agent layer's exit flush", { skip: isWorkerd }, () => {
  it("a program that ends without flushing still delivers its queued trace and span", () =>
    withReceiver(async (receiver) => {
      const agents = join(repoRoot(), "src", "agents", "mod.ts");
      const { code, stderr } = await runChildSource(
        `import * as A from ${JSON.stringify(agents)};\n` +
          `A.addTraceProcessor(new A.BatchTraceProcessor(new A.BackendSpanExporter({\n` +
          `  endpoint: ${JSON.stringify(receiver.url)}, apiKey: "sk-test-key-123456",\n` +
          `})));\n` +
          `A.trace("wf").run(() => A.functionSpan("tool").run(() => {}));\n`,
      );
      assert.equal(code, 0, stderr);
      const records = receiver.requests.flatMap((request) =>
        JSON.parse(new TextDecoder().decode(request.body)).data as { object: string }[]
      );
      assert.deepEqual(records.map((record) => record.object), ["trace", "trace.span"]);
    }));

  it("a program that ends spans while the exit flush exports still delivers them", () =>
    withTempDir("tracelet-agents-exit-", async (dir) => {
      const agents = join(repoRoot(), "src", "agents", "mod.ts");
      const out = join(dir, "exported.txt");
      // The exit flush's export takes 300 ms; meanwhile the program's own handler, run when the
      // event loop first empties, ends a second trace: as many items arrive as leave the queue.
      const { code, stderr } = await runChildSourceIn(
        dir,
        `import process from "node:process";\n` +
          `import { appendFileSync } from "node:fs";\n` +
          `import * as A from ${JSON.stringify(agents)};\n` +
          `A.addTraceProcessor(new A.BatchTraceProcessor({\n` +
          `  export: async (items: { object?: string; toJSON(): unknown }[]) => {\n` +
          `    await new Promise((resolve) => setTimeout(resolve, 300));\n` +
          `    appendFileSync(${JSON.stringify(out)}, "x\\n".repeat(items.length));\n` +
          `  },\n` +
          `}));\n` +
          `A.trace("wf").run(() => A.functionSpan("tool").run(() => {}));\n` +
          `let n = 0;\n` +
          `const more = () => {\n` +
          `  if (n++ > 0) return false;\n` +
          `  setTimeout(() => A.trace("wf2").run(() => A.functionSpan("tool").run(() => {})), 50);\n` +
          `  return true;\n` +
          `};\n` +
          `if ("Deno" in globalThis) {\n` +
          `  addEventListener("beforeunload", (event) => { if (more()) event.preventDefault(); });\n` +
          `} else process.on("beforeExit", more);\n`,
      );
      assert.equal(code, 0, stderr);
      assert.equal((await fileLines(out)).length, 4, "two traces and two spans");
    }));

  it("a program whose exporter never settles still ends, after the processor's flush timeout", async () => {
    const agents = join(repoRoot(), "src", "agents", "mod.ts");
    // More spans than one batch: what the hung export did not take stays queued.
    const { code, stderr, millis } = await runChildSource(
      `import * as A from ${JSON.stringify(agents)};\n` +
        `A.addTraceProcessor(new A.BatchTraceProcessor({ export: () => new Promise(() => {}) },\n` +
        `  { exportTimeoutMillis: 1000 }));\n` +
        `A.trace("wf").run(() => {\n` +
        `  for (let i = 0; i < 200; i++) A.functionSpan("tool").run(() => {});\n` +
        `});\n`,
    );
    assert.equal(code, 0, stderr);
    assert.ok(millis < 15_000, "ended soon after the 1 s flush timeout");
    assert.match(stderr, /agent_processor_timeout/, "the loss is reported");
  });
});
