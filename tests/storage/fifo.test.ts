// Fifo, the queue behind MemoryStorage's eviction and ConcurrencyLimit's waiters: first in, first
// out across its compactions.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Fifo } from "../../src/fifo.ts";
import { seededRandom } from "../_support/seeded_random.ts";

describe("Fifo", () => {
  it("gives items back in insertion order, however pushes and shifts interleave", () => {
    const random = seededRandom(7);
    const fifo = new Fifo<number>();
    const model: number[] = [];
    let next = 0;
    for (let step = 0; step < 20_000; step++) {
      // Bursts of pushes, then long drains: the head crosses every compaction threshold.
      const push = step % 2000 < 1200 ? random() < 0.7 : random() < 0.2;
      if (push) {
        fifo.push(next);
        model.push(next++);
      } else {
        assert.equal(fifo.shift(), model.shift());
      }
      assert.equal(fifo.length, model.length);
      if (step % 997 === 0) assert.deepEqual(fifo.toArray(), model);
    }
    while (model.length > 0) assert.equal(fifo.shift(), model.shift());
    assert.equal(fifo.shift(), undefined);
    assert.equal(fifo.length, 0);
    assert.deepEqual(fifo.toArray(), []);
  });

  it("starts over empty once drained, and toArray returns a copy", () => {
    const fifo = new Fifo<string>();
    assert.equal(fifo.shift(), undefined);
    fifo.push("a");
    fifo.push("b");
    const copy = fifo.toArray();
    copy.push("c");
    assert.deepEqual(fifo.toArray(), ["a", "b"]);
    assert.equal(fifo.shift(), "a");
    assert.equal(fifo.shift(), "b");
    fifo.push("d");
    assert.deepEqual(fifo.toArray(), ["d"]);
    assert.equal(fifo.length, 1);
  });
});
