// The agent layer's exit flush with a backend that never answers: the process ends after one
// flush timeout, not one per queued batch (an export that runs into its deadline is not progress,
// so the exit flush does not start over). Runs a child process on Node, Bun and Deno (skipped in
// workerd, which has no processes).
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { repoRoot, runChildSource } from "../_support/child_module.ts";
import type { ChildResult } from "../_support/child_module.ts";
import { withReceiver } from "../_support/otlp_receiver.ts";
import { isWorkerd } from "../_support/runtime.ts";

/** 30 spans and their trace, one per batch, flushed with a 400 ms timeout. */
const BATCHES = 31;

/** Runs a child that queues {@linkcode BATCHES} batches for `exporter` (TypeScript source). */
function runWith(exporter: string): Promise<ChildResult> {
  const agents = join(repoRoot(), "src", "agents", "mod.ts");
  return runChildSource(
    `import * as A from ${JSON.stringify(agents)};\n` +
      `A.addTraceProcessor(new A.BatchTraceProcessor(${exporter},\n` +
      `  { maxBatchSize: 1, exportTimeoutMillis: 400 }));\n` +
      `A.trace("wf").run(() => {\n` +
      `  for (let i = 0; i < ${BATCHES - 1}; i++) A.functionSpan("tool").run(() => {});\n` +
      `});\n`,
  );
}

describe("the agent layer's exit flush when exports time out", { skip: isWorkerd }, () => {
  it("ends after one flush timeout when each export settles only at its deadline", async () => {
    // One pass per batch would take 31 × 400 ms.
    const { code, stderr, millis } = await runWith(
      `{ export: (_items: unknown, _signal: unknown, deadline?: number) =>\n` +
        `  new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, (deadline ?? 0) - Date.now()))) }`,
    );
    assert.equal(code, 0, stderr);
    assert.ok(millis < 6000, `ended after ${millis} ms`);
  });

  it("ends after one flush timeout when the backend accepts requests but never answers", () =>
    withReceiver(async (receiver) => {
      receiver.plan(...Array.from({ length: BATCHES }, () => ({ stall: true as const })));
      const { code, stderr, millis } = await runWith(
        `new A.BackendSpanExporter({ endpoint: ${JSON.stringify(receiver.url)},\n` +
          `  apiKey: "sk-test-key-123456" })`,
      );
      assert.equal(code, 0, stderr);
      assert.ok(millis < 6000, `ended after ${millis} ms`);
      assert.ok(receiver.requests.length < BATCHES, `${receiver.requests.length} requests`);
    }));
});
