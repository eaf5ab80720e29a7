// MemoryStorage once full: every append evicts the oldest appends of any log. The logs it keeps
// stay exact (lines, order, byte and drop counts) through many evictions, and an eviction does not
// move the rest of the log (it shifted the log's array, O(log) per append: 2.4 µs → 167 µs an
// append at 168 000 appends in one log).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { withDiagnostics } from "../_support/otlp_helpers.ts";
import { seededRandom } from "../_support/seeded_random.ts";
import { itemsShifted } from "./_shift_work.ts";

const encoder = new TextEncoder();

/** What MemoryStorage should hold: appends of lines shorter than the bound, oldest out first. */
class Model {
  readonly #max: number;
  readonly #appends: { key: string; lines: string[]; bytes: number }[] = [];
  lineBytes = 0;
  droppedLines = 0;

  constructor(max: number) {
    this.#max = max;
  }

  append(key: string, lines: string[]): void {
    const bytes = lines.reduce((sum, line) => sum + encoder.encode(line).byteLength + 1, 0);
    this.#appends.push({ key, lines, bytes });
    this.lineBytes += bytes;
    while (this.lineBytes > this.#max) {
      const oldest = this.#appends.shift()!;
      this.lineBytes -= oldest.bytes;
      this.droppedLines += oldest.lines.length;
    }
  }

  read(key: string): string[] {
    return this.#appends.filter((a) => a.key === key).flatMap((a) => a.lines);
  }
}

describe("MemoryStorage after many evictions", () => {
  it("keeps every log's lines, their order and its stats exact (30 000 appends, 4 logs)", async () => {
    await withDiagnostics(async () => {
      const max = 2000;
      const storage = new MemoryStorage({ maxLineBytes: max });
      const model = new Model(max);
      const random = seededRandom(11);
      const logs = [0, 1, 2, 3].map((n) => ["projects", "p", `run-${n}`, "spans.jsonl"]);
      const check = async (): Promise<void> => {
        for (const log of logs) {
          assert.deepEqual(await storage.readLines(log), model.read(JSON.stringify(log)));
        }
        assert.deepEqual(storage.stats(), {
          lineBytes: model.lineBytes,
          blobBytes: 0,
          droppedLines: model.droppedLines,
          droppedBlobs: 0,
        });
      };
      for (let step = 0; step < 30_000; step++) {
        // Mostly one log, in phases: the others empty out whole and come back.
        const phase = Math.floor(step / 3000) % logs.length;
        const log = logs[random() < 0.9 ? phase : Math.floor(random() * logs.length)];
        const lines = Array.from(
          { length: 1 + Math.floor(random() * 3) },
          (_, i) => `${step}.${i}:${"\u00e9x\u{1f389}".repeat(Math.floor(random() * 8))}`,
        );
        await storage.appendLines(log, lines);
        model.append(JSON.stringify(log), lines);
        if (step % 499 === 0) await check();
      }
      await check();
      assert.ok(model.droppedLines > 50_000, "most appends were evicted");
    });
  });

  it("evicts without moving the rest of the log: 5 000 evictions from a log of 20 000 appends", async () => {
    await withDiagnostics(async () => {
      const line = "x".repeat(19); // 20 bytes with its newline
      const storage = new MemoryStorage({ maxLineBytes: 20 * 20_000 });
      const log = ["projects", "p", "run", "events.jsonl"];
      for (let i = 0; i < 20_000; i++) await storage.appendLines(log, [line]);
      const moved = await itemsShifted(1000, async () => {
        for (let i = 0; i < 5000; i++) await storage.appendLines(log, [`${i}`.padStart(19, "y")]);
      });
      assert.ok(moved < 5000, `the evictions moved ${moved} items`);
      const kept = await storage.readLines(log);
      assert.equal(kept.length, 20_000);
      assert.equal(kept[15_000 - 1], line);
      assert.equal(kept[15_000], "0".padStart(19, "y"));
      assert.equal(kept.at(-1), "4999".padStart(19, "y"));
      assert.deepEqual(storage.stats(), {
        lineBytes: 20 * 20_000,
        blobBytes: 0,
        droppedLines: 5000,
        droppedBlobs: 0,
      });
    });
  });
});
