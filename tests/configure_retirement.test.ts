// configure() called again while a processor of the replaced pipeline never finishes shutting
// down: the current configuration's forceFlush() and shutdown() wait for it only up to a bound
// (30 s; shortened here), report it once, and no longer wait for it afterwards.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Diagnostic } from "../src/diagnostics.ts";
import { setRetirementWait } from "../src/pipeline_handoff.ts";
import { configure } from "../src/portable.ts";
import type { SpanProcessor } from "../src/processor/types.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import { isolated } from "./_support/global_state.ts";
import { settles } from "./_support/settles.ts";

/** A processor whose shutdown() never settles. */
function stuck(): SpanProcessor {
  return {
    onSpanEnd() {},
    forceFlush: async () => {},
    shutdown: () => new Promise<never>(() => {}),
  };
}

/** Runs `fn` with retirements waited for 200 ms, collecting the diagnostics' codes. */
function withShortWait(fn: (codes: string[]) => Promise<void>): Promise<void> {
  return isolated(async () => {
    const previous = setRetirementWait(200);
    const codes: string[] = [];
    try {
      await fn(codes);
    } finally {
      setRetirementWait(previous);
    }
  });
}

const timeouts = (codes: string[]) => codes.filter((code) => code === "retirement_timeout").length;

describe("a replaced pipeline whose processor never shuts down", () => {
  it("delays the current forceFlush() and shutdown() only up to the bound, reported once", () =>
    withShortWait(async (codes) => {
      const diagnostics = (d: Diagnostic) => void codes.push(d.code);
      configure({ storage: new MemoryStorage(), processors: [stuck()], diagnostics });
      configure({ storage: new MemoryStorage(), diagnostics });
      const current = configure({ storage: new MemoryStorage(), diagnostics });
      current.tracer.startSpan("after").end();
      assert.equal(await settles(current.forceFlush()), true, "forceFlush() settles");
      assert.equal(timeouts(codes), 1);
      assert.equal(await settles(current.forceFlush()), true, "and again");
      assert.equal(await settles(current.shutdown()), true, "shutdown() without a deadline too");
      assert.equal(timeouts(codes), 1, "reported once, then no longer waited for");
    }));

  it("configure() in a loop: each stuck retirement is dropped once past the bound", () =>
    withShortWait(async (codes) => {
      const diagnostics = (d: Diagnostic) => void codes.push(d.code);
      for (let i = 0; i < 20; i++) {
        configure({ storage: new MemoryStorage(), processors: [stuck()], diagnostics });
      }
      const current = configure({ storage: new MemoryStorage(), diagnostics });
      assert.equal(await settles(current.shutdown()), true);
      assert.equal(timeouts(codes), 20, "every stuck retirement reported, each once");
    }));
});
