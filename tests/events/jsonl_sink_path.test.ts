// design_research_agents' `JSONLTraceSink(path)` takes a path string. Ported literally to
// `new JsonlEventSink(storage, "traces/custom.jsonl")`, the string was spread into one directory
// per character (t/r/a/c/e/s/...), with no error: the file landed where nobody looks.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { JsonlEventSink } from "../../src/events/mod.ts";
import type { TraceEvent } from "../../src/events/mod.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import type { StoragePath } from "../../src/storage/types.ts";

const event: TraceEvent = {
  event_type: "RunStarted",
  run_id: "r",
  span_id: "s",
  parent_span_id: null,
  timestamp: "2026-12-07T00:00:00.000000+00:00",
  timestamp_ms: 0,
  duration_ms: null,
  attributes: {},
  event_index: 0,
};

describe("JsonlEventSink's path", () => {
  it("splits a path string at / and \\, relative to the storage root", async () => {
    for (
      const given of ["traces/custom.jsonl", "/traces//./custom.jsonl", "traces\\custom.jsonl"]
    ) {
      const storage = new MemoryStorage();
      const sink = new JsonlEventSink(storage, given);
      assert.deepEqual(sink.path, ["traces", "custom.jsonl"], given);
      sink.emit(event);
      await sink.flush();
      const [line] = await storage.readLines(["traces", "custom.jsonl"]);
      assert.equal(JSON.parse(line).event_type, "RunStarted", given);
    }
  });

  it("takes path segments as before, and refuses anything else with a TypeError", () => {
    const sink = new JsonlEventSink(new MemoryStorage(), ["a b", "c.jsonl"]);
    assert.deepEqual(sink.path, ["a b", "c.jsonl"]);
    for (const bad of [42, undefined, { 0: "x" }]) {
      assert.throws(
        () => new JsonlEventSink(new MemoryStorage(), bad as unknown as StoragePath),
        TypeError,
      );
    }
  });
});
