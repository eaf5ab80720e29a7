// ConcurrencyLimit, which every file operation of the fs adapters goes through: at most `max`
// tasks run, the others start in call order, a failing task passes its slot on, and passing a
// slot on does not move the whole waiting queue (it shifted an array: 400 000 waiters took 69 s).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConcurrencyLimit } from "../../src/storage/_limit.ts";
import { seededRandom } from "../_support/seeded_random.ts";
import { itemsShifted } from "./_shift_work.ts";

describe("ConcurrencyLimit", () => {
  it("runs at most max tasks at once and starts the others in call order", async () => {
    const limit = new ConcurrencyLimit(3);
    const random = seededRandom(3);
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const results = await Promise.allSettled(
      Array.from({ length: 2000 }, (_, i) =>
        limit.run(async () => {
          started.push(i);
          most = Math.max(most, ++running);
          for (let turns = Math.floor(random() * 4); turns > 0; turns--) await Promise.resolve();
          running--;
          if (i % 7 === 0) throw new Error(`task ${i}`);
          return i;
        })),
    );
    assert.deepEqual(started, Array.from({ length: 2000 }, (_, i) => i));
    assert.equal(most, 3);
    results.forEach((result, i) => {
      if (i % 7 === 0) assert.equal(result.status, "rejected");
      else assert.deepEqual(result, { status: "fulfilled", value: i });
    });
    assert.equal(await limit.run(() => Promise.resolve("free")), "free", "every slot came back");
  });

  it("passes slots on without moving the waiting queue: 20 000 waiters", async () => {
    const limit = new ConcurrencyLimit(1);
    const order: number[] = [];
    const moved = await itemsShifted(1000, () =>
      Promise.all(
        Array.from({ length: 20_000 }, (_, i) => limit.run(() => Promise.resolve(order.push(i)))),
      ));
    assert.ok(moved < 20_000, `passing the slots on moved ${moved} items`);
    assert.deepEqual(order, Array.from({ length: 20_000 }, (_, i) => i));
  });
});
