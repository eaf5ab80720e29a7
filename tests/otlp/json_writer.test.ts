// The JSON byte writer: strings and numbers byte for byte as JSON.stringify + UTF-8 prints them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fragment, JsonWriter } from "../../src/otlp/json_writer.ts";
import { seededRandom } from "../_support/seeded_random.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function written(write: (w: JsonWriter) => void, initialSize = 16): Uint8Array {
  const w = new JsonWriter(initialSize);
  write(w);
  return w.finish();
}

function assertString(s: string, initialSize?: number): void {
  const bytes = written((w) => w.string(s), initialSize);
  // Lone surrogates as U+FFFD (JSON.stringify's "\udxxx" makes the Collector reject a request).
  const expected = JSON.stringify(s.toWellFormed());
  assert.deepEqual(bytes, encoder.encode(expected), `string ${expected}`);
  assert.equal(decoder.decode(bytes), expected);
  assert.equal(JSON.parse(decoder.decode(bytes)), s.toWellFormed());
}

describe("JsonWriter", () => {
  it("escapes every ASCII character as JSON.stringify does", () => {
    let all = "";
    for (let c = 0; c < 128; c++) {
      assertString(String.fromCharCode(c));
      all += String.fromCharCode(c);
    }
    assertString(all);
    assertString(`key "with" \\ quotes\b\f\n\r\t\u0000\u001f\u007f`);
  });

  it("writes non-ASCII as UTF-8 and lone surrogates as U+FFFD", () => {
    for (
      const s of [
        "naïve",
        "世界",
        "😀",
        "a😀b",
        "\u2028\u2029",
        "\uffff\u0800\u07ff\u0080",
        "\ud800",
        "\udbff",
        "\udc00",
        "\udfff",
        "x\ud83d",
        "\ude00x",
        "\ude00\ud83d",
        "\ud83d\ud83d\ude00",
        "\ud83d\ude00\ude00",
        "é\n\ud800\u0001😀",
      ]
    ) assertString(s);
    assert.equal(new TextDecoder().decode(written((w) => w.string("a\ud83d"))), '"a\ufffd"');
  });

  it("matches JSON.stringify on random code units, growing from a tiny buffer", () => {
    const rnd = seededRandom(20261122);
    const pools = [
      () => 0x20 + Math.floor(rnd() * 0x5f), // printable ASCII
      () => Math.floor(rnd() * 0x20), // controls
      () => 0xd800 + Math.floor(rnd() * 0x800), // surrogates, paired or not
      () => 0x80 + Math.floor(rnd() * 0x780), // two-byte UTF-8
      () => Math.floor(rnd() * 0x10000), // any code unit
    ];
    for (let round = 0; round < 3000; round++) {
      const length = Math.floor(rnd() * (round % 10 === 0 ? 300 : 24));
      let s = "";
      for (let i = 0; i < length; i++) {
        s += String.fromCharCode(pools[Math.floor(rnd() * pools.length)]());
      }
      assertString(s, 1 + Math.floor(rnd() * 40));
    }
  });

  it("writes numbers as JSON.stringify does", () => {
    const numbers = [
      0,
      -0,
      1,
      -1,
      7,
      99,
      100,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 32,
      2 ** 53 - 1,
      2 ** 53,
      2 ** 64,
      1e21,
      -1e21,
      1.5,
      -2.5,
      0.1,
      5e-7,
      123456789.125,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      NaN,
      Infinity,
      -Infinity,
    ];
    for (const n of numbers) {
      assert.equal(decoder.decode(written((w) => w.number(n))), JSON.stringify(n), String(n));
    }
  });

  it("writes the exact decimal of integers up to and beyond 2^64", () => {
    const rnd = seededRandom(7);
    const values = [
      0,
      9,
      10,
      2 ** 31 - 1,
      2 ** 31,
      99999999,
      100000000,
      2 ** 53 - 1,
      2 ** 53,
      2 ** 53 + 2,
      2 ** 63,
      2 ** 64 - 2048,
      2 ** 64,
      1e20,
      1e300,
      1_767_225_600_123_456_768,
    ];
    for (let i = 0; i < 2000; i++) {
      const exponent = rnd() * 64;
      values.push(Math.floor(2 ** exponent * (1 + rnd())));
    }
    for (const n of values) {
      assert.equal(decoder.decode(written((w) => w.uint(n))), BigInt(n).toString(), String(n));
    }
  });

  it("writes fragments and raw bytes, and copies the result out of its reused buffer", () => {
    const w = new JsonWriter(1);
    const name = fragment('{"name":');
    for (let i = 0; i < 100; i++) {
      w.fragment(name);
      w.string("x");
      w.byte(0x7d);
    }
    w.raw(encoder.encode("[1]"));
    const first = w.finish();
    assert.equal(decoder.decode(first), '{"name":"x"}'.repeat(100) + "[1]");
    w.pos = 0;
    w.fragment(fragment("{}"));
    assert.equal(decoder.decode(w.finish()), "{}");
    assert.equal(decoder.decode(first.subarray(0, 2)), '{"'); // not overwritten
  });
});
