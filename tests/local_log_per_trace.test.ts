/**
 * The local JSONL log gives each trace outside any run a log (on a file system, a directory) of
 * its own and never deletes them: a service whose requests are plain traces filled 542 MB with
 * 72,009 directories while the default configuration said nothing. The 1,000th such trace is
 * reported once (`local_log_per_trace`), naming the way out, whether its spans start there or
 * continue a caller's `traceparent`; spans in runs or sessions are not counted, nor a trace's
 * other spans in the same batch. Memory storage (the default on Workers, where the warning named
 * directories under projects/default/ never pruned) keeps its logs within a bound, evicting the
 * oldest lines: nothing piles up there, and nothing is reported. A storage says so by its
 * `boundedLogs` capability (a custom bounded storage too), not by being tracelet's `MemoryStorage`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { JsonlSpanExporter, MemoryStorage } from "../mod.ts";
import type { TraceStorage } from "../mod.ts";
import { resetReportedOnce } from "../src/diagnostics.ts";
import { cloudflareStorage } from "../src/runtime/_worker_storage.ts";
import { captureDiagnostics } from "./_support/collect.ts";
import { makeSpanRecord } from "./_support/span_records.ts";

/** A storage that keeps every log until someone deletes it (as files, R2 or KV do). */
function keepingStorage(): TraceStorage {
  const memory = new MemoryStorage();
  return {
    kind: "keeping",
    boundedLogs: false,
    outbox: memory.outbox,
    appendLines: () => Promise.resolve(),
    readLines: () => Promise.resolve([]),
    putBlob: () => Promise.resolve(),
    getBlob: () => Promise.resolve(undefined),
    hasBlob: () => Promise.resolve(false),
  };
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

/** `count` spans, each the root of its own trace outside any run (or as `overrides` say). */
const roots = (count: number, from: number, overrides = {}) =>
  Array.from(
    { length: count },
    (_, i) =>
      makeSpanRecord({ traceId: hex(from + i + 1, 32), spanId: hex(i + 1, 16), ...overrides }),
  );

describe("local JSONL log of traces outside any run", () => {
  it("says once, at the 1,000th trace, what a directory per trace costs", async () => {
    resetReportedOnce();
    const exporter = new JsonlSpanExporter({ storage: keepingStorage(), project: "svc" });
    const before = await captureDiagnostics(async () => {
      // Not counted: spans of a run, of a session, and children.
      await exporter.export(roots(600, 0, { attributes: { "dreadnode.run.id": "run-1" } }));
      await exporter.export(roots(600, 0, { attributes: { "dreadnode.session.id": "s-1" } }));
      await exporter.export(roots(999, 0));
    });
    assert.deepEqual(before.diagnostics, [], "999 plain traces: nothing yet");
    // A service's requests continue their callers' traces: the local root has a remote parent.
    const continued = roots(1500, 999, { parentSpanId: "00000000000000aa" });
    const children = continued.map((span) => ({ ...span, spanId: "00000000000000bb" }));
    const { diagnostics } = await captureDiagnostics(() =>
      exporter.export([...continued, ...children])
    );
    const reports = diagnostics.filter((d) => d.code === "local_log_per_trace");
    assert.equal(reports.length, 1);
    assert.equal(reports[0].level, "warn");
    assert.match(reports[0].message, /1000 traces outside any run/);
    assert.match(reports[0].message, /projects\/svc\//);
    assert.match(reports[0].message, /local: false/);
    assert.match(reports[0].message, /never deletes them/);
  });

  for (
    const [label, storage] of [
      ["memory storage", () => new MemoryStorage()],
      ["the Workers default storage (no binding)", () => cloudflareStorage()],
    ] as const
  ) {
    it(`reports nothing for ${label}: its logs are bounded, the oldest lines evicted`, async () => {
      resetReportedOnce();
      const exporter = new JsonlSpanExporter({ storage: storage() });
      const { diagnostics } = await captureDiagnostics(async () => {
        await exporter.export(roots(1000, 0));
        await exporter.export(roots(1000, 1000));
      });
      assert.deepEqual(diagnostics.filter((d) => d.code === "local_log_per_trace"), []);
    });
  }

  it("reads the storage's boundedLogs: a custom storage that bounds its logs is not warned", async () => {
    resetReportedOnce();
    const exporter = new JsonlSpanExporter({
      storage: { ...keepingStorage(), kind: "custom-ring", boundedLogs: true },
    });
    const { diagnostics } = await captureDiagnostics(() => exporter.export(roots(1000, 0)));
    assert.deepEqual(diagnostics.filter((d) => d.code === "local_log_per_trace"), []);
  });
});
