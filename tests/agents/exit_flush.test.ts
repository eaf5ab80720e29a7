// The agent layer's exit flush: a program that follows the README's opt-in
// (`addTraceProcessor(new BatchTraceProcessor(new BackendSpanExporter()))` from the agents entry,
// without configure()) and ends without flushing still has its trace and spans delivered. Runs a
// child process on Node, Bun and Deno (skipped in workerd, which has no processes).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { withReceiver } from "../_support/otlp_receiver.ts";
import { isBun, isDeno, isWorkerd } from "../_support/runtime.ts";

/** The repository root (computed in the test: workerd has no file URLs). */
const root = () => fileURLToPath(new URL("../..", import.meta.url));

/** Runs a TypeScript module in a child of the current runtime; resolves with its exit code. */
function runChild(script: string): Promise<{ code: number | null; stderr: string }> {
  const args = isDeno ? ["run", "-A", script] : isBun ? [script] : ["--import", "tsx", script];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: root(),
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => stderr += String(chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe("the agent layer's exit flush", { skip: isWorkerd }, () => {
  it("a program that ends without flushing still delivers its queued trace and span", () =>
    withReceiver(async (receiver) => {
      const agents = join(root(), "src", "agents", "mod.ts");
      const dir = await mkdtemp(join(tmpdir(), "tracelet-agents-exit-"));
      try {
        const script = join(dir, "child.mts");
        await writeFile(
          script,
          `import * as A from ${JSON.stringify(agents)};\n` +
            `A.addTraceProcessor(new A.BatchTraceProcessor(new A.BackendSpanExporter({\n` +
            `  endpoint: ${JSON.stringify(receiver.url)}, apiKey: "sk-test-key-123456",\n` +
            `})));\n` +
            `A.trace("wf").run(() => A.functionSpan("tool").run(() => {}));\n`,
        );
        const { code, stderr } = await runChild(script);
        assert.equal(code, 0, stderr);
        const records = receiver.requests.flatMap((request) =>
          JSON.parse(new TextDecoder().decode(request.body)).data as { object: string }[]
        );
        assert.deepEqual(records.map((record) => record.object), ["trace", "trace.span"]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }));
});
