// Fifo, the queue behind MemoryStorage's eviction, ConcurrencyLimit's waiters, the WebSocket
// exporter's spans and BatchTraceProcessor's items: first in, first out across its compactions,
// whichever way items leave it (shift, take, removeWhere, clear).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Fifo } from "../../src/fifo.ts";
import { seededRandom } from "../_support/seeded_random.ts";

/** A queue holding `0 .. n - 1`. */
function counting(n: number): Fifo<number> {
  const fifo = new Fifo<number>();
  for (let i = 0; i < n; i++) fifo.push(i);
  return fifo;
}

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

  it("peek reads the oldest item without taking it", () => {
    const fifo = new Fifo<string>();
    assert.equal(fifo.peek(), undefined);
    fifo.push("a");
    fifo.push("b");
    assert.equal(fifo.peek(), "a");
    assert.equal(fifo.peek(), "a");
    assert.equal(fifo.length, 2);
    fifo.shift();
    assert.equal(fifo.peek(), "b");
    fifo.shift();
    assert.equal(fifo.peek(), undefined);
    // Past a compaction the head still reads the oldest.
    const long = counting(100);
    for (let i = 0; i < 60; i++) assert.equal(long.shift(), i);
    assert.equal(long.peek(), 60);
    assert.equal(long.length, 40);
  });

  it("take gives up to count oldest items in order, and takes nothing for a count below 1", () => {
    const fifo = counting(10);
    assert.deepEqual(fifo.take(3), [0, 1, 2]);
    assert.equal(fifo.length, 7);
    assert.equal(fifo.peek(), 3);
    assert.deepEqual(fifo.take(0), []);
    assert.deepEqual(fifo.take(-1), []);
    assert.deepEqual(fifo.take(Number.NaN), []);
    assert.deepEqual(fifo.take(0.5), []);
    assert.deepEqual(fifo.take(2.9), [3, 4]);
    assert.equal(fifo.length, 5);
    assert.deepEqual(fifo.take(100), [5, 6, 7, 8, 9]);
    assert.equal(fifo.length, 0);
    assert.deepEqual(fifo.take(1), []);
    assert.deepEqual(new Fifo<number>().take(Infinity), []);
  });

  it("take returns an array the queue no longer uses", () => {
    const fifo = counting(3);
    const all = fifo.take(fifo.length); // the whole queue, from its start
    fifo.push(99);
    all.push(-1);
    assert.deepEqual(all, [0, 1, 2, -1]);
    assert.deepEqual(fifo.toArray(), [99]);
    const some = fifo.take(1);
    some.length = 0;
    fifo.push(100);
    assert.deepEqual(fifo.toArray(), [100]);
  });

  it("takes 300,000 items in chunks, in order", () => {
    const n = 300_000;
    const fifo = counting(n);
    let expected = 0;
    for (let chunk = 1; fifo.length > 0; chunk = (chunk * 7 + 3) % 1000 + 1) {
      const before = fifo.length;
      const taken = fifo.take(chunk);
      assert.equal(taken.length, Math.min(chunk, before));
      assert.equal(fifo.length, before - taken.length);
      for (const value of taken) {
        if (value !== expected) assert.fail(`took ${value}, expected ${expected}`);
        expected++;
      }
    }
    assert.equal(expected, n);
    assert.equal(fifo.peek(), undefined);
  });

  it("keeps order when pushes, takes and shifts interleave across compactions", () => {
    const random = seededRandom(11);
    const fifo = new Fifo<number>();
    const model: number[] = [];
    let modelHead = 0; // model[modelHead ..] is what the queue should hold
    let next = 0;
    for (let step = 0; step < 40_000; step++) {
      // Phases that fill the queue, then drain it: it empties and compacts many times.
      const pushing = step % 2000 < 1000 ? 0.6 : 0.3;
      const roll = random();
      if (roll < pushing) {
        const count = 1 + Math.floor(random() * 40);
        for (let i = 0; i < count; i++) {
          fifo.push(next);
          model.push(next++);
        }
      } else if (roll < pushing + (1 - pushing) * 0.8) {
        const count = Math.floor(random() * 60);
        const taken = fifo.take(count);
        const want = model.slice(modelHead, modelHead + count);
        modelHead += want.length;
        assert.deepEqual(taken, want);
      } else {
        const want = modelHead < model.length ? model[modelHead++] : undefined;
        assert.equal(fifo.shift(), want);
      }
      assert.equal(fifo.length, model.length - modelHead);
      assert.equal(fifo.peek(), model[modelHead]);
      if (step % 1999 === 0) assert.deepEqual(fifo.toArray(), model.slice(modelHead));
    }
    assert.deepEqual(fifo.take(Infinity), model.slice(modelHead));
  });

  it("removeWhere takes out the matching items, keeps the rest in order and counts them", () => {
    const fifo = counting(50);
    fifo.take(20); // the head is past the start
    assert.equal(fifo.removeWhere((n) => n % 3 === 0), 10);
    const kept = [];
    for (let n = 20; n < 50; n++) if (n % 3 !== 0) kept.push(n);
    assert.deepEqual(fifo.toArray(), kept);
    assert.equal(fifo.length, 20);
    assert.equal(fifo.peek(), 20);
    assert.equal(fifo.removeWhere(() => false), 0);
    assert.deepEqual(fifo.toArray(), kept);
    fifo.push(1000); // pushes and takes go on as before
    assert.deepEqual(fifo.take(2), [20, 22]);
    assert.equal(fifo.removeWhere(() => true), 19);
    assert.equal(fifo.length, 0);
    assert.equal(new Fifo<number>().removeWhere(() => true), 0);
  });

  it("removeWhere on 300,000 items keeps the others without spreading them", () => {
    const fifo = counting(300_000);
    fifo.take(1000);
    assert.equal(fifo.removeWhere((n) => n % 2 === 1), 149_500);
    assert.equal(fifo.length, 149_500);
    let expected = 1000;
    while (fifo.length > 0) {
      for (const value of fifo.take(4096)) {
        if (value !== expected) assert.fail(`took ${value}, expected ${expected}`);
        expected += 2;
      }
    }
    assert.equal(expected, 300_000);
  });

  it("removeWhere leaves the queue as it was when the predicate throws", () => {
    const fifo = counting(5);
    assert.throws(() =>
      fifo.removeWhere((n) => {
        if (n === 3) throw new Error("boom");
        return n === 1;
      }), /boom/);
    assert.deepEqual(fifo.toArray(), [0, 1, 2, 3, 4]);
  });

  it("clear empties the queue, which goes on working", () => {
    const fifo = counting(40);
    fifo.take(25);
    fifo.clear();
    assert.equal(fifo.length, 0);
    assert.equal(fifo.peek(), undefined);
    assert.equal(fifo.shift(), undefined);
    assert.deepEqual(fifo.take(5), []);
    fifo.clear(); // on an empty queue
    fifo.push(7);
    fifo.push(8);
    assert.deepEqual(fifo.toArray(), [7, 8]);
    assert.equal(fifo.shift(), 7);
  });
});
