import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { encodeLines } from "../../src/storage/_encode_lines.ts";

const encoder = new TextEncoder();
const joined = (lines: string[]) => encoder.encode(lines.length ? lines.join("\n") + "\n" : "");

// Seeded, so a failure names a case that can be run again.
function random(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe("log lines as the bytes of one append (file storage)", () => {
  it("writes each line's UTF-8 and a newline, as join + encode does, for any characters", () => {
    const pieces = ["a", "~", "é", "✓", "🎉", "\ud800", "\udfff", "x".repeat(40), "", "\u0000"];
    const next = random(7);
    for (let round = 0; round < 3000; round++) {
      const lines: string[] = [];
      const count = Math.floor(next() * 7);
      for (let i = 0; i < count; i++) {
        let line = "";
        for (let n = Math.floor(next() * 14); n > 0; n--) {
          line += pieces[Math.floor(next() * pieces.length)];
        }
        lines.push(line);
      }
      assert.deepEqual(
        encodeLines(lines),
        joined(lines),
        `round ${round}: ${JSON.stringify(lines)}`,
      );
    }
  });

  it("grows past its first guess when a long line is all multi-byte characters", () => {
    const lines = ["ascii first", "🎉".repeat(5000), "é".repeat(7001), "", "tail ✓"];
    assert.deepEqual(encodeLines(lines), joined(lines));
    assert.equal(encodeLines(lines).byteLength, joined(lines).byteLength);
  });

  it("writes nothing for no lines and a bare newline for one empty line", () => {
    assert.equal(encodeLines([]).byteLength, 0);
    assert.deepEqual([...encodeLines([""])], [0x0a]);
  });
});
