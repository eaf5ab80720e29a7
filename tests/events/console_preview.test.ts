// Console previews are at most 120 characters, `...` included, as DRA's `text[:117] + "..."`,
// counted in code points so an emoji or other astral character is never cut in half.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { preview } from "../../src/events/mod.ts";

const codePoints = (text: string) => [...text].length;

describe("console preview length", () => {
  it("keeps a value of 120 characters and cuts a longer one to 117 plus ...", () => {
    assert.equal(preview("x".repeat(120)), "x".repeat(120));
    const cut = preview("x".repeat(200));
    assert.equal(cut, `${"x".repeat(117)}...`);
    assert.equal(cut.length, 120);
    assert.equal(preview("abcdefgh", 5), "ab...");
  });

  it("never splits a surrogate pair and counts code points", () => {
    const emoji = "\u{1F600}";
    const cut = preview("a".repeat(116) + emoji + "b".repeat(10));
    assert.equal(cut, `${"a".repeat(116)}${emoji}...`);
    assert.equal(codePoints(cut), 120);
    // 120 emoji are 240 UTF-16 units but 120 code points: kept whole.
    assert.equal(preview(emoji.repeat(120)), emoji.repeat(120));
    const long = preview(emoji.repeat(130));
    assert.equal(long, `${emoji.repeat(117)}...`);
    assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(long), "no lone high surrogate");
  });
});
