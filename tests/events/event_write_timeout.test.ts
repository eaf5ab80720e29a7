// A storage that never answers (a hung network mount, a remote binding) does not hold up
// runCallable / withTraceRun / finishTraceRun: they wait for the run's event lines at most 30 s
// (shortened here), report `event_write_timeout` once per stall and return; the lines stay queued
// and are written once the storage answers.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Diagnostic } from "../../src/diagnostics.ts";
import { EventTracer, finishTraceRun, startTraceRun, withTraceRun } from "../../src/events/mod.ts";
import { awaitWrites, setWriteWait } from "../../src/pending_writes.ts";
import type { MemoryStorage } from "../../src/storage/memory.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { stalledStorage } from "../_support/slow_storage.ts";
import { settles } from "../_support/settles.ts";

/** Runs `fn` with writes waited for 100 ms, collecting the `event_write_timeout` reports. */
async function withShortWait(fn: () => Promise<void>): Promise<Diagnostic[]> {
  const previous = setWriteWait(100);
  try {
    const { diagnostics } = await captureDiagnostics(fn);
    return diagnostics.filter((d) => d.code === "event_write_timeout");
  } finally {
    setWriteWait(previous);
  }
}

const tracerOn = (storage: MemoryStorage) =>
  new EventTracer({ storage, enableConsole: false, spanTracer: false });

/** The lines of a run's event log. */
function logLines(tracer: EventTracer, storage: MemoryStorage, id: string): Promise<string[]> {
  return storage.readLines(tracer.resolveLatestTracePath(id)!.split("/"));
}

describe("event writes to a storage that never answers", () => {
  it("runCallable returns fn's value, reports it, and the lines stay queued", async () => {
    const { storage, release } = stalledStorage();
    const tracer = tracerOn(storage);
    const reports = await withShortWait(async () => {
      const run = tracer.runCallable({ agentName: "a", requestId: "h", fn: () => "value" });
      assert.equal(await settles(run), true, "runCallable settles");
      assert.equal(await run, "value");
    });
    assert.equal(reports.length, 1);
    assert.equal(reports[0].level, "warn");
    assert.match(reports[0].message, /run h/);
    assert.deepEqual(await logLines(tracer, storage, "h"), []);
    release();
    await awaitWrites();
    const types = (await logLines(tracer, storage, "h")).map((line) => JSON.parse(line).event_type);
    assert.deepEqual(types, ["RunStarted", "RunFinished"]);
  });

  it("withTraceRun rethrows fn's error and finishTraceRun resolves", async () => {
    const { storage, release } = stalledStorage();
    const tracer = tracerOn(storage);
    const reports = await withShortWait(async () => {
      const failing = withTraceRun({ agentName: "a", requestId: "e", tracer }, () => {
        throw new Error("boom");
      });
      assert.equal(await settles(failing.catch(() => {})), true, "withTraceRun settles");
      await assert.rejects(failing, /boom/);
      const scope = startTraceRun({ agentName: "a", requestId: "f", tracer });
      assert.equal(await settles(finishTraceRun(scope)), true, "finishTraceRun settles");
    });
    assert.equal(reports.length, 1, "one report for the stall, not one per run");
    release();
    await awaitWrites();
  });

  it("a new stall after the storage recovered is reported again", async () => {
    const { storage, release, stall } = stalledStorage();
    const tracer = tracerOn(storage);
    const reports = await withShortWait(async () => {
      const run = () => tracer.runCallable({ agentName: "a", requestId: "s", fn: () => 1 });
      await Promise.all([run(), run()]); // concurrent runs in one stall: one report
      release();
      await awaitWrites();
      await run(); // in time
      stall();
      await run();
      release();
      await awaitWrites();
    });
    assert.equal(reports.length, 2);
  });
});
