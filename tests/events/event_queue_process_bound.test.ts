// Every JSONL event sink of the process together holds a bounded amount of lines waiting to be
// written, the batches being appended included (100,000 lines and 64 MiB by default, a log with
// lines held counted 8 KiB more). Before, only each log was bounded: on a storage whose appends
// never settle (a hung network mount, a stuck R2 request) every finished run left its lines in
// memory, and memory grew with every run.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { eventLine, JsonlEventSink } from "../../src/events/mod.ts";
import type { TraceEvent } from "../../src/events/mod.ts";
import {
  heldEventLines,
  LOG_BYTES,
  setEventLineBound,
} from "../../src/events/_pending_event_lines.ts";
import type { TraceStorage } from "../../src/storage/types.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { stalledStorage } from "../_support/slow_storage.ts";

/** An event of `type` (only what the sink reads). */
function eventOf(type: string, attributes: Record<string, string> = {}): TraceEvent {
  return { event_type: type, attributes } as unknown as TraceEvent;
}

const token = eventOf("ModelCallToken", { token: "tok " });
const finished = eventOf("ToolCallFinished");
const TOKEN_BYTES = eventLine(token).length + 1;

/** Lets the sinks start their first append (each waits a microtask to batch a burst). */
async function appendsStarted(): Promise<void> {
  for (let i = 0; i < 3; i++) await Promise.resolve();
}

/** `n` sinks on one storage, each with a log of its own (as every run has). */
function sinksOf(storage: TraceStorage, n: number): JsonlEventSink[] {
  return Array.from({ length: n }, (_, i) => new JsonlEventSink(storage, [`run_${i}.jsonl`]));
}

/** Runs `fn` with the process-wide bound set `lines` and `bytes` above what is held now. */
async function withBound(lines: number, bytes: number, fn: () => Promise<void>): Promise<void> {
  const held = heldEventLines();
  const previous = setEventLineBound(held.lines + lines, held.bytes + bytes);
  try {
    await fn();
  } finally {
    setEventLineBound(...previous);
  }
}

/** The sum of the sinks' `dropped`. */
function droppedOf(sinks: readonly JsonlEventSink[]): number {
  return sinks.reduce((sum, sink) => sum + sink.dropped, 0);
}

describe("the process-wide bound on event lines waiting to be written", () => {
  it("bounds the lines of every log together, and writes them when the storage recovers", async () => {
    const before = heldEventLines();
    const { storage, release } = stalledStorage();
    const sinks = sinksOf(storage, 30);
    await withBound(100, 1 << 20, async () => {
      const { diagnostics } = await captureDiagnostics(async () => {
        for (const sink of sinks) sink.emit(token); // 30 logs, each with a batch being appended
        await appendsStarted();
        for (let i = 0; i < 4; i++) for (const sink of sinks) sink.emit(token); // 70 more fit
        // Events that finish a span or a run keep a reserve of a tenth more: 10 of them.
        for (const sink of sinks) sink.emit(finished);
      });
      // Each log holds at most 5 lines, far below its own bound of 10,000: the total is bounded.
      assert.equal(heldEventLines().lines - before.lines, 110);
      assert.equal(droppedOf(sinks), 30 * 6 - 110);
      const full = diagnostics.filter((d) => d.code === "event_queue_full");
      assert.equal(full.length, 1, "one report for every log together");
      assert.match(full[0].message, /process-wide bound/);
      assert.match(full[0].message, /ModelCallToken/);

      release();
      await Promise.all(sinks.map((sink) => sink.flush()));
      let written = 0;
      for (const sink of sinks) written += (await storage.readLines(sink.path)).length;
      assert.equal(written, 110);
      const types = (await Promise.all(sinks.map((sink) => storage.readLines(sink.path))))
        .flat().map((line) => JSON.parse(line).event_type);
      assert.equal(types.filter((type) => type === "ToolCallFinished").length, 10);
      assert.deepEqual(heldEventLines(), before, "the lines written are no longer counted");
      // Room again: the next events are queued and written.
      sinks[0].emit(token);
      await sinks[0].flush();
      assert.equal((await storage.readLines(sinks[0].path)).length, 6);
    });
    assert.deepEqual(heldEventLines(), before);
  });

  it("counts a log with lines held 8 KiB more: many stalled runs of a few lines are bounded too", async () => {
    const before = heldEventLines();
    const { storage, release } = stalledStorage();
    const sinks = sinksOf(storage, 20);
    await withBound(1000, 10 * (LOG_BYTES + 2 * TOKEN_BYTES), async () => {
      await captureDiagnostics(async () => {
        for (const sink of sinks) {
          sink.emit(token);
          sink.emit(token);
        }
        await appendsStarted();
      });
      assert.deepEqual(heldEventLines(), {
        lines: before.lines + 20,
        bytes: before.bytes + 10 * (LOG_BYTES + 2 * TOKEN_BYTES),
        logs: before.logs + 10,
      });
      assert.equal(droppedOf(sinks), 20);
      release();
      await Promise.all(sinks.map((sink) => sink.flush()));
    });
    assert.deepEqual(heldEventLines(), before);
  });

  it("releases the lines whose append failed", async () => {
    const before = heldEventLines();
    let fail: (error: Error) => void = () => {};
    const failing = new Promise<never>((_, reject) => fail = reject);
    const storage = { appendLines: () => failing } as unknown as TraceStorage;
    const sinks = sinksOf(storage, 5);
    await withBound(10, 1 << 20, async () => {
      const { diagnostics } = await captureDiagnostics(async () => {
        for (const sink of sinks) for (let i = 0; i < 3; i++) sink.emit(token);
        await appendsStarted();
        assert.equal(heldEventLines().lines - before.lines, 10);
        fail(new Error("disk full"));
        await Promise.all(sinks.map((sink) => sink.flush()));
      });
      assert.equal(sinks.reduce((sum, sink) => sum + sink.failed, 0), 10);
      assert.equal(droppedOf(sinks), 5);
      assert.equal(diagnostics.filter((d) => d.code === "event_write_failed").length, 1);
      assert.deepEqual(heldEventLines(), before);
    });
  });

  it("reports a new overflow once the lines fell to half the bound", async () => {
    const { storage, release, stall } = stalledStorage();
    const sinks = sinksOf(storage, 10);
    await withBound(20, 1 << 20, async () => {
      const overflow = async () => {
        const { diagnostics } = await captureDiagnostics(async () => {
          for (let i = 0; i < 5; i++) for (const sink of sinks) sink.emit(token);
          await appendsStarted();
        });
        return diagnostics.filter((d) => d.code === "event_queue_full").length;
      };
      assert.equal(await overflow(), 1);
      assert.equal(await overflow(), 0, "the storage is still stalled: the same overflow");
      release();
      await Promise.all(sinks.map((sink) => sink.flush()));
      stall();
      assert.equal(await overflow(), 1);
      assert.equal(droppedOf(sinks), 30 + 50 + 30);
      release();
      await Promise.all(sinks.map((sink) => sink.flush()));
    });
  });

  it("holds 100,000 lines and 64 MiB by default", async () => {
    const before = heldEventLines();
    let open: () => void = () => {};
    const opened = new Promise<void>((resolve) => open = resolve);
    // Stalled, then the lines are taken and not kept: 64 MiB are offered.
    const storage = { appendLines: () => opened } as unknown as TraceStorage;
    await captureDiagnostics(async () => {
      const small = sinksOf(storage, 20);
      for (const sink of small) for (let i = 0; i < 5500; i++) sink.emit(token);
      await appendsStarted();
      assert.equal(heldEventLines().lines, 100_000);
      assert.equal(droppedOf(small), 110_000 - (100_000 - before.lines));
      open();
      await Promise.all(small.map((sink) => sink.flush()));
      assert.deepEqual(heldEventLines(), before);

      const large = eventOf("ToolResultObserved", { text: "y".repeat(4 << 20) });
      const size = eventLine(large).length + 1 + LOG_BYTES;
      const big = sinksOf(storage, 20);
      for (const sink of big) sink.emit(large); // 80 MiB offered
      const fit = Math.floor((2 ** 26 - before.bytes) / size);
      assert.ok(fit >= 14 && fit <= 15, String(fit)); // 15 unless other tests hold lines
      assert.equal(droppedOf(big), 20 - fit);
      await Promise.all(big.map((sink) => sink.flush()));
    });
    assert.deepEqual(heldEventLines(), before);
  });
});
