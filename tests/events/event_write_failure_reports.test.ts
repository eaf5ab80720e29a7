// An event log that cannot be written (Deno without --allow-write, a full disk) was reported as
// `event_write_failed` "Cannot append events to <path>" once per append, so twice for one run,
// and the reason (the missing permission) was only in `cause`, which the console diagnostics
// printer does not show (found by a user trial). It is now reported once per run of failures,
// naming the error; when an append succeeds again, the count of the lines lost since follows.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventTracer, JsonlEventSink, TraceSession } from "../../src/events/mod.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { hasFileSystem } from "../_support/runtime.ts";

/** A Deno-like permission error. */
function notCapable(): Error {
  const error = new Error(
    'Requires write access to "/srv/app/.tracelet/traces/run.jsonl", run again with the ' +
      "--allow-write flag",
  );
  error.name = "NotCapable";
  return error;
}

/** A memory storage whose appends fail while `failing(n)` says so (n counts the appends). */
function failingStorage(failing: (n: number) => boolean): MemoryStorage {
  const storage = new MemoryStorage();
  const append = storage.appendLines.bind(storage);
  let n = 0;
  storage.appendLines = (path, lines) =>
    failing(n++) ? Promise.reject(notCapable()) : append(path, lines);
  return storage;
}

/** The messages of the `event_write_failed` diagnostics while `fn` runs. */
async function writeReports(fn: () => unknown): Promise<string[]> {
  const { diagnostics } = await captureDiagnostics(fn);
  return diagnostics.filter((d) => d.code === "event_write_failed").map((d) => d.message);
}

describe("events: an event log that cannot be written", () => {
  it("is reported once for a run, naming the error", async () => {
    const storage = failingStorage(() => true);
    const tracer = new EventTracer({ storage, enableConsole: false, spanTracer: false });
    const reports = await writeReports(() =>
      tracer.runCallable({ agentName: "p", requestId: "req-np", fn: () => 1 })
    );
    assert.equal(reports.length, 1, reports.join("\n"));
    assert.match(reports[0], /^Cannot append 1 event line\(s\) to traces\/run_\d{8}T\d{6}Z_req-np/);
    assert.match(reports[0], /: NotCapable: Requires write access to .* --allow-write flag/);
  });

  it("reports the count of lines lost when an append succeeds again, then fails anew", async () => {
    // Appends 0-2 fail, 3 succeeds, 4 fails: three reports.
    const storage = failingStorage((n) => n < 3 || n === 4);
    const sink = new JsonlEventSink(storage, ["t.jsonl"]);
    const session = new TraceSession({ runId: "r", sinks: [sink] });
    const reports = await writeReports(async () => {
      for (const batch of [["A", "B"], ["C"], ["D", "E"], ["F"], ["G"]]) {
        for (const type of batch) session.emitEvent(type, "s", null, {});
        await session.flush();
      }
      await session.close();
    });
    assert.equal(sink.failed, 6);
    assert.deepEqual(await storage.readLines(["t.jsonl"]).then((l) => l.length), 1);
    assert.equal(reports.length, 3, reports.join("\n"));
    assert.match(reports[0], /^Cannot append 2 event line\(s\) to t\.jsonl: NotCapable: /);
    assert.match(reports[1], /^Could not append 3 more event line\(s\) to logs in this storage /);
    assert.match(reports[2], /^Cannot append 1 event line\(s\) to t\.jsonl: NotCapable: /);
  });

  it("is reported once for many runs on one storage, each with a log of its own", async () => {
    // A service's storage root unwritable: one report per request was printed (found by a
    // durability trial: 200 requests, 200 reports, each saying further failures are counted).
    const storage = failingStorage(() => true);
    const tracer = new EventTracer({ storage, enableConsole: false, spanTracer: false });
    const reports = await writeReports(async () => {
      for (let i = 0; i < 5; i++) {
        await tracer.runCallable({ agentName: "p", requestId: `req-${i}`, fn: () => i });
      }
    });
    assert.equal(reports.length, 1, reports.join("\n"));
  });

  it("keeps a long reason on one line and bounded", async () => {
    const storage = new MemoryStorage();
    storage.appendLines = () => Promise.reject(new Error(`line one\nline two ${"x".repeat(5000)}`));
    const sink = new JsonlEventSink(storage, ["t.jsonl"]);
    const session = new TraceSession({ runId: "r", sinks: [sink] });
    const reports = await writeReports(async () => {
      session.emitEvent("A", "s", null, {});
      await session.close();
    });
    assert.equal(reports.length, 1);
    assert.match(reports[0], /\.jsonl: line one line two x+ \(further failures in this storage/);
    assert.ok(reports[0].length < 600, `${reports[0].length} characters`);
  });

  it("on disk: where the trace directory is a file, one report naming the error", {
    skip: !hasFileSystem,
  }, async () => {
    const root = await mkdtemp(join(tmpdir(), "tracelet-event-write-"));
    const storage = new NodeFsStorage({ root });
    try {
      await writeFile(join(root, "traces"), "not a directory");
      const tracer = new EventTracer({ storage, enableConsole: false, spanTracer: false });
      const reports = await writeReports(() =>
        tracer.runCallable({ agentName: "p", requestId: "r1", fn: () => 1 })
      );
      assert.equal(reports.length, 1, reports.join("\n"));
      assert.match(reports[0], /^Cannot append 1 event line\(s\) to traces\/run_\S+: \S/);
      assert.match(reports[0], /ENOTDIR|[Nn]ot a directory/, reports[0]);
    } finally {
      await storage.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
