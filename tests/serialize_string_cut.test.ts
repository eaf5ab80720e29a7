// The serializer's cuts (src/serialize/_string_cut.ts), called directly: what the plain cut of
// `serialize` and the code-point cut of `serializeTruncatingStrings` keep of a string or a byte
// array that does not fit, and when they keep it whole (`undefined`: the walker writes it as is).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CodePointCut, PLAIN_CUT, stringCut } from "../src/serialize/_string_cut.ts";
import { bytesToBase64 } from "../src/serialize/_base64.ts";
import { truncateString } from "../src/redact/truncate.ts";

/** Bytes 0, 7, 14, … (so a wrong offset shows in the base64). */
function bytes(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7) & 255);
}

describe("stringCut", () => {
  it("is the plain cut without a code-point limit", () => {
    for (const limit of [undefined, Infinity, NaN, -1, "10", null]) {
      assert.equal(stringCut(limit), PLAIN_CUT, String(limit));
    }
    assert.ok(stringCut(0) instanceof CodePointCut);
    assert.ok(stringCut(2048) instanceof CodePointCut);
  });
});

describe("PLAIN_CUT", () => {
  it("leaves strings to the walker's limits and cuts them to maxStringLength and the room", () => {
    const long = "x".repeat(3000);
    assert.equal(PLAIN_CUT.limit(long), long);
    assert.equal(PLAIN_CUT.cut("abcdef", "abcdef", 2, 100, false), "ab...[truncated:6]");
    assert.equal(PLAIN_CUT.cut("abcdef", "abcdef", Infinity, 3, false), "abc...[truncated:6]");
    assert.equal(PLAIN_CUT.cut("abcdef", "abcdef", Infinity, 100, false), undefined);
  });

  it("counts the room in the form written and never splits a surrogate pair", () => {
    // é: 2 bytes of UTF-8, 6 in Python's `\u00e9` form.
    assert.equal(PLAIN_CUT.cut("éééé", "éééé", Infinity, 5, false), "éé...[truncated:4]");
    assert.equal(PLAIN_CUT.cut("éééé", "éééé", Infinity, 13, true), "éé...[truncated:4]");
    const emoji = "\u{1F600}".repeat(4); // 8 code units
    assert.equal(PLAIN_CUT.cut(emoji, emoji, 3, 100, false), "\u{1F600}...[truncated:8]");
  });

  it("keeps the leading bytes that fit in half the room of a byte array", () => {
    const b = bytes(300);
    assert.equal(PLAIN_CUT.bytes(b, 400, 400), undefined);
    assert.equal(
      PLAIN_CUT.bytes(b, 400, 80),
      `${bytesToBase64(b.subarray(0, 30))}...[truncated:300 bytes]`,
    );
    assert.equal(PLAIN_CUT.bytes(b, 400, -5), "...[truncated:300 bytes]");
  });
});

describe("CodePointCut", () => {
  it("cuts a string longer than the limit as truncateString does", () => {
    const cut = new CodePointCut(20);
    const long = "\u{1F600}".repeat(30);
    assert.equal(cut.limit("short"), "short");
    assert.equal(cut.limit(long), truncateString(long, 20));
    assert.equal(cut.limit(long), `${"\u{1F600}".repeat(4)}...[truncated:30]`);
  });

  it("cut again for the room, keeps the length in code points its marker states", () => {
    const cut = new CodePointCut(20);
    const long = "\u{1F600}".repeat(30);
    const text = cut.limit(long);
    assert.equal(cut.cut(long, text, Infinity, 4, false), "\u{1F600}...[truncated:30]");
    // A string the limit left whole states its own length in code points.
    assert.equal(cut.cut("\u{1F600}ab", "\u{1F600}ab", 1, 100, false), "...[truncated:3]");
    assert.equal(cut.cut("abc", "abc", Infinity, 100, false), undefined);
  });

  it("keeps what truncating the whole base64 keeps of a byte array, or half the room", () => {
    const b = bytes(300); // 400 base64 characters
    const whole = bytesToBase64(b);
    assert.equal(new CodePointCut(400).bytes(b, 400, 1000), undefined);
    const cut = new CodePointCut(100);
    assert.equal(cut.bytes(b, 400, 1000), truncateString(whole, 100));
    assert.equal(cut.bytes(b, 400, 40), `${whole.slice(0, 20)}...[truncated:400]`);
    assert.equal(cut.bytes(new Uint8Array(0), 0, -1), "");
  });
});
