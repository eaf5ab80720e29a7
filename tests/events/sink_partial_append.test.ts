// An event log append that fails part-way (a full disk) leaves its first lines in the log: the
// storage says how many on its error (`linesWritten`), and the JSONL event sink counts only the
// rest as failed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryStorage } from "../../mod.ts";
import { JsonlEventSink, TraceSession } from "../../src/events/mod.ts";
import { captureDiagnostics } from "../_support/collect.ts";

/** A storage whose appends write the first `whole` lines, then fail as a full disk does. */
function partialStorage(whole: number | (() => number)): MemoryStorage {
  const storage = new MemoryStorage();
  const append = storage.appendLines.bind(storage);
  storage.appendLines = async (path, lines) => {
    const n = typeof whole === "number" ? whole : 0;
    await append(path, lines.slice(0, n));
    const error = Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
    Object.defineProperty(error, "linesWritten", {
      get: typeof whole === "function" ? whole : () => whole,
    });
    throw error;
  };
  return storage;
}

describe("event sink appends that fail part-way", () => {
  it("count only the lines not in the log as failed", async () => {
    const storage = partialStorage(2);
    const sink = new JsonlEventSink(storage, ["t.jsonl"]);
    const session = new TraceSession({ runId: "r", sinks: [sink] });
    const { diagnostics } = await captureDiagnostics(async () => {
      for (const type of ["A", "B", "C"]) session.emitEvent(type, "s", null, {});
      await session.close();
    });
    assert.equal((await storage.readLines(["t.jsonl"])).length, 2);
    assert.equal(sink.failed, 1);
    assert.ok(diagnostics.some((d) => d.code === "event_write_failed"));
  });

  it("report nothing when every line landed, and ignore a count they cannot use", async () => {
    const whole = new JsonlEventSink(partialStorage(3), ["t.jsonl"]);
    const session = new TraceSession({ runId: "r", sinks: [whole] });
    const { diagnostics } = await captureDiagnostics(async () => {
      for (const type of ["A", "B", "C"]) session.emitEvent(type, "s", null, {});
      await session.close();
    });
    assert.equal(whole.failed, 0);
    assert.ok(!diagnostics.some((d) => d.code === "event_write_failed"));
    const throwing = new JsonlEventSink(
      partialStorage(() => {
        throw new Error("getter");
      }),
      ["t.jsonl"],
    );
    const other = new TraceSession({ runId: "r", sinks: [throwing] });
    await captureDiagnostics(async () => {
      other.emitEvent("A", "s", null, {});
      await other.close();
    });
    assert.equal(throwing.failed, 1);
  });
});
