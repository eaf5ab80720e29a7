// A burst of more than maxPending events (10,000 by default) drops point events first: the
// events that start or finish a span or a run (ModelCallFinished, RunFinished, …) are kept within
// a reserve of a tenth more. Before, `for await` over a buffered stream of 12,000 tokens left
// 10,000 ModelCallToken lines and no ModelCallFinished / RunFinished (no outcome, no tokens).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  emitModelToken,
  emitRouterDecision,
  eventLine,
  finishModelCall,
  finishToolCall,
  JsonlEventSink,
  startModelCall,
  startToolCall,
} from "../../src/events/mod.ts";
import type { TraceEvent } from "../../src/events/mod.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { slowStorage, stalledStorage } from "../_support/slow_storage.ts";
import { eventSetup } from "./_helpers.ts";

const TOKENS = 12_000;

/** Counts the events of each type. */
function countTypes(events: readonly TraceEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) counts[event.event_type] = (counts[event.event_type] ?? 0) + 1;
  return counts;
}

/** A buffered stream (a replayed or already-received SSE response): no macrotask in between. */
async function* bufferedStream(n: number): AsyncGenerator<string> {
  for (let i = 0; i < n; i++) yield `tok${i} `;
}

const USAGE = { prompt_tokens: 5, completion_tokens: TOKENS, total_tokens: TOKENS + 5 };

describe("a burst of more events than the JSONL queue holds", () => {
  for (const kind of ["synchronous", "async-iterated"]) {
    it(`keeps the model call's and the run's finish after ${TOKENS} ${kind} tokens`, async () => {
      // Appends take a timer's time, as a file's do: none ends while the burst runs.
      const storage = slowStorage(1);
      const setup = eventSetup({ enableConsole: false, storage });
      try {
        const { diagnostics } = await captureDiagnostics(() =>
          setup.tracer.runCallable({
            agentName: "a",
            requestId: "burst",
            fn: async () => {
              const id = startModelCall({ model: "m" });
              if (kind === "synchronous") {
                for (let i = 0; i < TOKENS; i++) emitModelToken(id, `tok${i} `);
              } else {
                for await (const token of bufferedStream(TOKENS)) emitModelToken(id, token);
              }
              finishModelCall(id, { response: { model: "m", usage: USAGE } });
              return "ok";
            },
          })
        );
        const path = setup.tracer.resolveLatestTracePath("burst")!.split("/");
        const events = (await storage.readLines(path)).map((line) => JSON.parse(line));
        const counts = countTypes(events);
        assert.equal(counts.RunStarted, 1);
        assert.equal(counts.ModelCallStarted, 1);
        assert.equal(counts.ModelCallFinished, 1, JSON.stringify(counts));
        assert.equal(counts.RunFinished, 1, JSON.stringify(counts));
        assert.equal(events.at(-1)!.event_type, "RunFinished");
        assert.equal(events.at(-1)!.attributes.success, true);
        // The tokens past the bound are dropped (and reported once), no more.
        assert.ok(counts.ModelCallToken >= 9_990 && counts.ModelCallToken <= 10_000);
        const full = diagnostics.filter((d) => d.code === "event_queue_full");
        assert.equal(full.length, 1);
        assert.match(full[0].message, /ModelCallToken/);
      } finally {
        await setup.done();
      }
    });
  }

  it("still bounds the events that start or finish a span: a tenth more than maxPending", async () => {
    const { storage, release } = stalledStorage();
    const sink = new JsonlEventSink(storage, ["t.jsonl"], { maxPending: 100 });
    const event = (type: string) => ({ event_type: type }) as TraceEvent;
    await captureDiagnostics(async () => {
      sink.emit(event("RunStarted")); // being written (stalled): not counted
      await Promise.resolve();
      await Promise.resolve();
      for (let i = 0; i < 150; i++) sink.emit(event("ModelCallToken")); // 100 queue
      for (let i = 0; i < 20; i++) sink.emit(event(i % 2 ? "ToolCallFinished" : "ToolCallStarted"));
      sink.emit(event("RunFinished")); // the reserve is full: dropped too
      sink.emit(event("ModelCallToken"));
    });
    assert.equal(sink.dropped, 50 + 10 + 1 + 1);
    release();
    await sink.flush();
    const types = (await storage.readLines(["t.jsonl"])).map((l) => JSON.parse(l).event_type);
    assert.equal(types.length, 1 + 100 + 10);
    assert.equal(types.filter((type) => type.startsWith("ToolCall")).length, 10);
  });

  it("keeps them past maxPendingBytes too, within a tenth more", async () => {
    const { storage, release } = stalledStorage();
    const event = (type: string) =>
      ({ event_type: type, attributes: { x: "y".repeat(1000) } }) as unknown as TraceEvent;
    const size = eventLine(event("ToolResultObserved")).length + 1;
    const sink = new JsonlEventSink(storage, ["t.jsonl"], { maxPendingBytes: 10 * size });
    await captureDiagnostics(async () => {
      sink.emit(event("ToolResultObserved")); // being written (stalled): not counted
      await Promise.resolve();
      await Promise.resolve();
      for (let i = 0; i < 20; i++) sink.emit(event("ToolResultObserved")); // 10 queue
      sink.emit(event("ToolCallFinished"));
      sink.emit(event("ToolResultObserved"));
    });
    assert.equal(sink.dropped, 11);
    release();
    await sink.flush();
    const types = (await storage.readLines(["t.jsonl"])).map((l) => JSON.parse(l).event_type);
    assert.deepEqual(types.slice(-2), ["ToolResultObserved", "ToolCallFinished"]);
    assert.equal(types.length, 12);
  });

  it("keeps a tool call's finish after a flood of decisions", async () => {
    const setup = eventSetup({ enableConsole: false });
    try {
      await captureDiagnostics(() =>
        setup.tracer.runCallable({
          agentName: "a",
          requestId: "flood",
          fn: () => {
            const id = startToolCall({ toolName: "t" });
            for (let i = 0; i < TOKENS; i++) {
              emitRouterDecision({ source: "r", alternatives: ["t"], selectedIndex: 0 });
            }
            finishToolCall(id, { toolName: "t", result: "done" });
            return "ok";
          },
        })
      );
      const counts = countTypes((await setup.readEvents("flood")).events);
      assert.equal(counts.ToolCallFinished, 1, JSON.stringify(counts));
      assert.equal(counts.RunFinished, 1, JSON.stringify(counts));
      assert.ok(counts.RouterDecision < TOKENS);
    } finally {
      await setup.done();
    }
  });
});
