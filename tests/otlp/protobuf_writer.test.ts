// The hand-written protobuf writer's wire primitives, read back with protobufjs's Reader (an
// independent implementation that needs no code generation, so this also runs in workerd).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import protobuf from "protobufjs";
import {
  splitUint64,
  uint64Decimal,
  VALUE_DOUBLE,
  VALUE_INT,
  valueKind,
} from "../../src/otlp/mapping.ts";
import { ProtobufWriter, WIRE_LEN } from "../../src/otlp/protobuf_writer.ts";

function reader(w: ProtobufWriter): protobuf.Reader {
  return protobuf.Reader.create(w.finish());
}

describe("protobuf writer", () => {
  it("writes varints, signed int64 (ten bytes when negative), fixed32 and doubles", () => {
    const w = new ProtobufWriter(16);
    const uints = [0, 1, 127, 128, 16_383, 16_384, 2 ** 31, 2 ** 32 - 1];
    for (const v of uints) w.uint32(v);
    const ints = [0, 1, -1, 2 ** 53 + 2, -(2 ** 53) - 2, 2 ** 62, -(2 ** 63)];
    for (const v of ints) w.int64(v);
    w.fixed32(0xdeadbeef);
    for (const v of [0, -0.5, Math.PI, 1e-300, Infinity]) w.double(v);
    const r = reader(w);
    for (const v of uints) assert.equal(r.uint32(), v);
    for (const v of ints) assert.equal(r.int64().toString(), BigInt(v).toString());
    assert.equal(r.fixed32(), 0xdeadbeef);
    for (const v of [0, -0.5, Math.PI, 1e-300, Infinity]) assert.equal(r.double(), v);
    assert.equal(r.pos, r.len);
  });

  it("writes fixed64 times exactly (and splits them into exact 32-bit halves)", () => {
    const values = [0, 1, 2 ** 32, 1_767_225_600_123_456_768, 18_446_744_073_709_549_568];
    const w = new ProtobufWriter();
    for (const v of values) w.fixed64(v);
    const r = reader(w);
    for (const v of values) {
      const read = r.fixed64();
      assert.equal(BigInt.asUintN(64, BigInt(read.toString())), BigInt(v));
    }
    const parts = [0, 0];
    for (const v of values) {
      splitUint64(v, parts);
      assert.equal(BigInt(parts[0]) * 2n ** 32n + BigInt(parts[1]), BigInt(v));
    }
  });

  it("writes UTF-8 strings with correct length prefixes at every size boundary", () => {
    const samples = [
      "",
      "a".repeat(42),
      "a".repeat(43),
      "é".repeat(42), // 84 bytes, encodeInto after no ASCII prefix
      "😀".repeat(21), // 42 UTF-16 units, 84 bytes
      "a".repeat(127),
      "a".repeat(128),
      "€".repeat(50), // 150 bytes via encodeInto, length prefix grows to two bytes
      "ab€".repeat(30), // ASCII prefix inline, the rest via encodeInto
      "x".repeat(16_384), // three-byte length
      "lone \udc00 and \ud800",
    ];
    const w = new ProtobufWriter(8);
    for (const s of samples) w.string(s);
    const r = reader(w);
    for (const s of samples) {
      assert.equal(r.string(), (s as string & { toWellFormed(): string }).toWellFormed());
    }
    assert.equal(r.pos, r.len);
  });

  it("writes hex ids as raw bytes and nested messages of any length", () => {
    const w = new ProtobufWriter(8);
    w.hexBytes("4bf92f3577b34da6a3ce929d0e0e4736");
    for (const size of [0, 126, 127, 128, 16_383, 16_384, 70_000]) {
      w.uint32((1 << 3) | WIRE_LEN);
      const start = w.fork();
      for (let i = 0; i < size; i++) w.uint32(i & 127);
      w.join(start);
    }
    w.uint32(99); // a trailing field proves every length prefix was right
    const r = reader(w);
    const id = Array.from(r.bytes(), (b) => b.toString(16).padStart(2, "0")).join("");
    assert.equal(id, "4bf92f3577b34da6a3ce929d0e0e4736");
    for (const size of [0, 126, 127, 128, 16_383, 16_384, 70_000]) {
      assert.equal(r.uint32(), (1 << 3) | WIRE_LEN);
      const inner = r.bytes();
      assert.equal(inner.length, size);
      assert.equal(inner[size - 1], size === 0 ? undefined : (size - 1) & 127);
    }
    assert.equal(r.uint32(), 99);
  });
});

describe("OTLP mapping numbers", () => {
  it("prints exact decimal strings for epoch nanoseconds above 2^53", () => {
    for (
      const v of [
        0,
        1,
        2 ** 53 - 1,
        2 ** 53 + 2,
        1_767_225_600_123_456_768,
        18_446_744_073_709_549_568,
      ]
    ) {
      assert.equal(uint64Decimal(v), BigInt(v).toString());
    }
    assert.equal(uint64Decimal(-5), "0");
    assert.equal(uint64Decimal(NaN), "0");
  });

  it("classifies integers within int64 as int and everything else as double", () => {
    assert.equal(valueKind(3), VALUE_INT);
    assert.equal(valueKind(-(2 ** 63)), VALUE_INT);
    assert.equal(valueKind(2 ** 63), VALUE_DOUBLE);
    assert.equal(valueKind(1.5), VALUE_DOUBLE);
    assert.equal(valueKind(NaN), VALUE_DOUBLE);
  });
});
