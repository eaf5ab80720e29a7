// The epoch clock follows the wall clock without jumping or running backwards, whatever the
// monotonic clock's drift, and without overshooting after a long idle time; a gap over a second
// (the wall clock was set) is closed at once, the one case in which it jumps.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createEpochClock } from "../src/epoch_clock.ts";

/** A fake monotonic clock and wall clock that the test moves by hand. */
function fakeClocks(wallOffsetMs: number) {
  const state = { mono: 0, wallExact: 1.7e12 + wallOffsetMs };
  const clock = createEpochClock(() => state.mono, () => Math.floor(state.wallExact), 1.7e12);
  /** Advances monotonic time by `ms` while the wall clock advances by `ms * wallRate`. */
  const advance = (ms: number, wallRate = 1) => {
    state.mono += ms;
    state.wallExact += ms * wallRate;
  };
  return { state, clock, advance };
}

describe("the epoch clock", () => {
  it("keeps within a millisecond of a wall clock 50 ppm slower over a simulated day", () => {
    const { state, clock, advance } = fakeClocks(0);
    let last = clock();
    let worst = 0;
    for (let i = 0; i < 86_400 * 4; i++) { // a day in 250 ms steps
      advance(250, 1 - 50e-6);
      const t = clock();
      assert.ok(t > last, "never stands still or runs backwards");
      last = t;
      if (i > 400) worst = Math.max(worst, Math.abs(t - state.wallExact));
    }
    // Without the correction the gap would be 50 ppm of a day: 4.3 s.
    assert.ok(worst < 1, `worst gap ${worst} ms`);
  });

  it("keeps the monotonic clock's sub-millisecond resolution between checks", () => {
    const { clock, advance } = fakeClocks(0);
    clock();
    advance(0.001);
    const a = clock();
    advance(0.001);
    const b = clock();
    // A double holds present-day epoch milliseconds to about 0.25 µs.
    assert.ok(Math.abs(b - a - 0.001) < 0.0003, `${b - a}`);
  });

  it("closes a gap larger than a second at once (the wall clock was set)", () => {
    const { state, clock, advance } = fakeClocks(0);
    clock();
    advance(1000);
    state.wallExact += 3_600_000; // the system clock moved an hour forward
    advance(1000);
    assert.ok(Math.abs(clock() - state.wallExact) < 2);
  });

  it("does not overshoot after hours without a reading", () => {
    const { state, clock, advance } = fakeClocks(0.9);
    clock();
    advance(1000);
    clock();
    advance(4 * 3_600_000);
    assert.ok(Math.abs(clock() - state.wallExact) < 1, `${clock() - state.wallExact} ms`);
  });

  it("follows a wall clock set back by more than a second, and ignores an unusable reading", () => {
    const { state, clock, advance } = fakeClocks(0);
    clock();
    advance(1000);
    state.wallExact -= 5000;
    assert.ok(Math.abs(clock() - state.wallExact) < 2);
    const nan = createEpochClock(() => state.mono, () => NaN, 1.7e12);
    const first = nan();
    advance(2000);
    assert.ok(Math.abs(nan() - first - 2000) < 0.001, "runs on the monotonic clock");
  });

  it("slews a small gap instead of jumping: at most 100 ppm faster or slower", () => {
    const { state, clock, advance } = fakeClocks(0);
    clock();
    state.wallExact += 500; // half a second ahead, under the step threshold
    let last = clock();
    const start = last;
    for (let i = 0; i < 10; i++) {
      advance(1000);
      const t = clock();
      assert.ok(t - last >= 1000 * (1 - 1e-4) - 1e-3 && t - last <= 1000 * (1 + 1e-4) + 1e-3);
      last = t;
    }
    assert.ok(last - start > 10_000.5, "the clock ran faster to close the gap");
  });

  it("never goes backwards between close readings while it slows down to close a gap", () => {
    // The clock ahead of the wall clock (a negative gap) slews slower. Added to the epoch one by
    // one, the small terms each rounded at the epoch's magnitude (256 ns for 1.8e18 ns), and two
    // readings tens of nanoseconds apart could go back by 256 ns (seen on Bun under load).
    const state = { mono: 5000, wall: 1.8e12 + 5000 - 400 };
    const clock = createEpochClock(() => state.mono, () => state.wall, 1.8e12);
    let last = Math.round(clock() * 1e6);
    let backwards = 0;
    for (let i = 0; i < 200_000; i++) {
      state.mono += 0.00003; // 30 ns
      const ns = Math.round(clock() * 1e6);
      if (ns < last) backwards++;
      last = ns;
    }
    assert.equal(backwards, 0);
  });
});
