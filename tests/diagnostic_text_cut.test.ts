// Diagnostics quote what failed (an OS error, a WebSocket close reason) cut to 200 characters.
// They were cut with `slice`, which can keep half of a surrogate pair (an emoji in a Deno
// permission message or a server's close reason): the diagnostic then carried a lone surrogate,
// which loggers and JSON consumers that require well-formed text replace or reject.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resetReportedOnce } from "../src/diagnostics.ts";
import { describeEvent } from "../src/exporter/_socket_client.ts";
import { JsonlSpanExporter } from "../src/exporter/jsonl.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import { metricStep } from "../src/task/metric_point.ts";
import { extractTraceContext } from "../src/task/trace_context.ts";
import { withDiagnostics } from "./_support/otlp_helpers.ts";
import { makeSpanRecord } from "./_support/span_records.ts";

/** Text whose `at`th character, after a `prefix`-long lead, is the first half of an emoji. */
function splitAt(at: number, prefix = 0): string {
  return `${"x".repeat(at - 1 - prefix)}\u{1F525} and more`;
}

/** Text whose 200th character, after a `prefix`-long lead, is the first half of an emoji. */
function splitAt200(prefix = 0): string {
  return `${"x".repeat(199 - prefix)}\u{1F525} and more`;
}

/** Whether `text` has no lone surrogate (`String.prototype.isWellFormed`, spelled out). */
function wellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

describe("diagnostic text cut to 200 characters", () => {
  it("keeps whole characters of a WebSocket close reason and error message", () => {
    const text = describeEvent("closed", {
      code: 1011,
      reason: splitAt200(),
      message: splitAt200(),
    });
    assert.ok(wellFormed(text), text);
    assert.ok(text.includes("x".repeat(199)), "the reason's first 199 characters are kept");
  });

  it("keeps whole characters of a storage error in jsonl_write_failed", async () => {
    class FailingStorage extends MemoryStorage {
      override appendLines(): Promise<void> {
        return Promise.reject(new Error(splitAt200()));
      }
    }
    const exporter = new JsonlSpanExporter({ storage: new FailingStorage() });
    resetReportedOnce();
    await withDiagnostics(async (diagnostics) => {
      const result = await exporter.export([makeSpanRecord({ name: "s" })]);
      assert.equal(result.failed, 1);
      const report = diagnostics.find((d) => d.code === "jsonl_write_failed");
      assert.ok(report !== undefined, "the failure is reported");
      assert.ok(report.message.includes(`storage: ${"x".repeat(199)}`), report.message);
      assert.ok(wellFormed(report.message), report.message);
    });
  });

  it("keeps whole characters of an invalid metric step (40) and traceparent (80)", async () => {
    resetReportedOnce();
    await withDiagnostics(async (diagnostics) => {
      assert.equal(metricStep(splitAt(40)), 0);
      const report = diagnostics.find((d) => d.code === "metric_invalid_step");
      assert.ok(report !== undefined && wellFormed(report.message), report?.message);
      assert.ok(report.message.includes("x".repeat(39)), report.message);
      await Promise.resolve();
    });
    const { problems } = extractTraceContext({ traceparent: splitAt(80, 1) });
    assert.equal(problems.length, 1);
    assert.ok(wellFormed(problems[0]), problems[0]);
    assert.ok(problems[0].includes("x".repeat(78)), problems[0]);
  });
});
