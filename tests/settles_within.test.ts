// settlesWithin, the library's one timed race: its timer delay stays within what timers accept.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_TIMER_MS } from "../src/processor/_timer.ts";
import { settlesWithin } from "../src/settles_within.ts";

/** Runs `fn` with `setTimeout` recording the delays it is given; returns them. */
async function timerDelays(fn: () => Promise<unknown>): Promise<unknown[]> {
  const original = globalThis.setTimeout;
  const delays: unknown[] = [];
  globalThis.setTimeout = ((handler: () => void, ms?: number, ...args: unknown[]) => {
    delays.push(ms);
    return original(handler, 0, ...args);
  }) as typeof setTimeout;
  try {
    await fn();
  } finally {
    globalThis.setTimeout = original;
  }
  return delays;
}

describe("settlesWithin", () => {
  it("with a limit already past, waits 0 ms (no negative timer: Deno and Node 23+ warn)", async () => {
    let inTime: boolean | undefined;
    const delays = await timerDelays(async () => {
      inTime = await settlesWithin(new Promise(() => {}), -1000);
    });
    assert.equal(inTime, false);
    assert.deepEqual(delays, [0]);
  });

  it("clamps the limit to 0 .. MAX_TIMER_MS", async () => {
    const delays = await timerDelays(() =>
      Promise.all([
        settlesWithin(Promise.resolve(), Number.NaN),
        settlesWithin(Promise.resolve(), Infinity),
        settlesWithin(Promise.resolve(), 25),
      ])
    );
    assert.deepEqual(delays, [0, MAX_TIMER_MS, 25]);
  });

  it("resolves true for a promise settled in time, and passes a rejection on", async () => {
    assert.equal(await settlesWithin(Promise.resolve(1), 1000), true);
    await assert.rejects(settlesWithin(Promise.reject(new Error("boom")), 1000), /boom/);
  });
});
