// The writer's length reservations and hex ids, read back with protobufjs's Reader (an
// independent implementation that needs no code generation, so this also runs in workerd).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import protobuf from "protobufjs";
import { ProtobufWriter, WIRE_LEN } from "../../src/otlp/protobuf_writer.ts";

/** A field-1 message of `size` content bytes, its length reserved with `reserve` bytes. */
function message(size: number, reserve: number): { bytes: Uint8Array; varintSize: number } {
  const w = new ProtobufWriter(8);
  w.uint32((1 << 3) | WIRE_LEN);
  const start = w.fork(reserve);
  for (let i = 0; i < size; i++) w.uint32(i & 127);
  const varintSize = w.join(start, reserve);
  w.uint32(99); // a trailing field proves the length prefix was right
  return { bytes: w.finish(), varintSize };
}

describe("protobuf writer length reservations", () => {
  it("writes the shortest length prefix whatever was reserved, shifting content either way", () => {
    const sizes = [0, 1, 127, 128, 16_383, 16_384, 2_097_152];
    const prefix = [1, 1, 1, 2, 2, 3, 4];
    for (const [k, size] of sizes.entries()) {
      const canonical = message(size, 1);
      assert.equal(canonical.varintSize, prefix[k]);
      assert.equal(canonical.bytes.length, 1 + prefix[k] + size + 1);
      const r = protobuf.Reader.create(canonical.bytes);
      assert.equal(r.uint32(), (1 << 3) | WIRE_LEN);
      const inner = r.bytes();
      assert.equal(inner.length, size);
      assert.equal(inner[size - 1], size === 0 ? undefined : (size - 1) & 127);
      assert.equal(r.uint32(), 99);
      for (const reserve of [2, 3, 4, 5]) {
        const other = message(size, reserve);
        assert.equal(other.varintSize, prefix[k]);
        assert.deepEqual(other.bytes, canonical.bytes, `size ${size}, reserve ${reserve}`);
      }
    }
  });

  it("keeps nested reservations consistent", () => {
    const w = new ProtobufWriter(4);
    w.uint32((1 << 3) | WIRE_LEN);
    const outer = w.fork(3);
    for (let i = 0; i < 3; i++) {
      w.uint32((2 << 3) | WIRE_LEN);
      const inner = w.fork(2);
      w.string("y".repeat(i * 100));
      w.join(inner, 2);
    }
    w.join(outer, 3);
    const r = protobuf.Reader.create(w.finish());
    assert.equal(r.uint32(), (1 << 3) | WIRE_LEN);
    const body = protobuf.Reader.create(r.bytes());
    assert.equal(r.pos, r.len);
    for (let i = 0; i < 3; i++) {
      assert.equal(body.uint32(), (2 << 3) | WIRE_LEN);
      assert.equal(protobuf.Reader.create(body.bytes()).string(), "y".repeat(i * 100));
    }
    assert.equal(body.pos, body.len);
  });

  it("decodes hex ids of any letter case to the same bytes", () => {
    const ids = [
      "4bf92f3577b34da6a3ce929d0e0e4736",
      "4BF92F3577B34DA6A3CE929D0E0E4736",
      "00f067AA0ba902B7",
    ];
    for (const id of ids) {
      const w = new ProtobufWriter(4);
      w.hexBytes(id);
      const bytes = protobuf.Reader.create(w.finish()).bytes();
      const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
      assert.equal(hex, id.toLowerCase());
    }
  });
});
