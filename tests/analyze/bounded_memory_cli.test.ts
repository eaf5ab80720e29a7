// The analysis CLI in a 64 MB heap summarizes a 110 MB file of 100,000 distinct 1 KB errors (what a
// long-running service's log directory holds): its memory no longer grows with distinct errors.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { isDeno, isNode } from "../_support/runtime.ts";

const ROOT = isDeno || isNode ? fileURLToPath(new URL("../../", import.meta.url)) : "";
const LINES = 100_000;

/** Runs the CLI with the JavaScript heap capped at `heapMb`. */
function cliInHeap(heapMb: number, args: string[]) {
  const heap = `--max-old-space-size=${heapMb}`;
  const argv = isDeno
    ? ["run", "-A", `--v8-flags=${heap}`, "scripts/analyze.ts", ...args]
    : [heap, "--import", "tsx", "scripts/analyze.ts", ...args];
  const result = spawnSync(process.execPath, argv, {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: String(result.stdout), stderr: String(result.stderr) };
}

describe("analysis CLI memory", { skip: !(isDeno || isNode) }, () => {
  it("summarizes 100,000 distinct 1 KB errors in a 64 MB heap", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tracelet-analyze-mem-"));
    try {
      const text = "upstream timed out ".repeat(50);
      const failed = (run_id: string, error: string, duration_ms?: number) =>
        JSON.stringify({
          event_type: "ToolCallFailed",
          run_id,
          duration_ms,
          attributes: { error },
        });
      const lines: string[] = [];
      for (let i = 0; i < LINES; i++) {
        lines.push(failed(`run-${i % 100}`, `E${i}: ${text}`, i % 1_000));
        if (i % 10 === 0) lines.push(failed("run-0", `E-hot: ${text}`));
      }
      await writeFile(join(dir, "run_1.jsonl"), lines.join("\n") + "\n");
      const { status, stdout, stderr } = cliInHeap(64, ["--trace-dir", dir, "--json"]);
      assert.equal(status, 0, stderr.slice(0, 2_000));
      const report = JSON.parse(stdout);
      assert.equal(report.errors.error_event_count, LINES + LINES / 10);
      assert.deepEqual(report.errors.top_errors[0], { error: `E-hot: ${text}`, count: LINES / 10 });
      assert.equal(report.runs.unique_run_count, 100);
      assert.deepEqual(report.latency.tool_duration_ms, {
        count: LINES,
        min: 0,
        p50: 500,
        p95: 949,
        max: 999,
      });
      assert.equal(report.warnings.length, 1);
      assert.match(report.warnings[0], /^errors\.top_errors is approximate/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
