// The span length prefixes of an OTLP/protobuf batch: the encoder guesses each span's length size
// from the one before, and every prefix must still be the shortest varint (canonical protobuf)
// whichever way the guess missed. Read with protobufjs's Reader and, for the content, its
// decoder (which needs `Function`, so the decoding test skips in workerd).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import protobuf from "protobufjs";
import { encodeTracesProtobuf } from "../../src/otlp/encode_protobuf.ts";
import { decodeTraceRequest } from "../_support/otlp_proto.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { makeSpanRecord } from "../_support/span_records.ts";

/** Span payloads giving span messages with 1-, 2- and 3-byte length prefixes. */
const PAYLOAD = { 1: "", 2: "m".repeat(500), 3: "L".repeat(20_000) } as const;
/** Every transition between prefix sizes, starting small (below the first guess of 2). */
const ORDER: (keyof typeof PAYLOAD)[] = [1, 2, 2, 1, 3, 1, 1, 3, 2, 3, 3, 1];

function varintSize(n: number): number {
  let size = 1;
  for (; n >= 128; n /= 128) size++;
  return size;
}

/** The length-delimited fields (field number, prefix bytes, content) of one message. */
function fields(bytes: Uint8Array): { field: number; prefix: number; body: Uint8Array }[] {
  const r = protobuf.Reader.create(bytes);
  const out = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    if ((tag & 7) !== 2) {
      r.skipType(tag & 7);
      continue;
    }
    const before = r.pos;
    const length = r.uint32();
    const prefix = r.pos - before;
    r.pos = before;
    out.push({ field: tag >>> 3, prefix, body: r.bytes() });
    assert.equal(prefix, varintSize(length), `field ${tag >>> 3}: non-minimal length ${length}`);
  }
  return out;
}

const spans = ORDER.map((size, i) =>
  makeSpanRecord({ name: `s${i}`, attributes: { payload: PAYLOAD[size] } })
);

describe("OTLP protobuf span lengths", () => {
  it("writes every length prefix as the shortest varint across span size changes", () => {
    const [resourceSpans] = fields(encodeTracesProtobuf(spans));
    const scopeSpans = fields(resourceSpans.body).find((f) => f.field === 2)!;
    const spanFields = fields(scopeSpans.body).filter((f) => f.field === 2);
    assert.deepEqual(spanFields.map((f) => f.prefix), ORDER);
    for (const span of spanFields) fields(span.body);
  });

  it("keeps every span's content intact", { skip: isWorkerd }, () => {
    const decoded = decodeTraceRequest(encodeTracesProtobuf(spans));
    const out = decoded.resourceSpans[0].scopeSpans[0].spans;
    assert.deepEqual(out.map((s: { name: string }) => s.name), spans.map((s) => s.name));
    for (const [i, span] of out.entries()) {
      assert.equal(span.spanId, spans[i].spanId);
      assert.deepEqual(span.attributes, [{
        key: "payload",
        value: { stringValue: PAYLOAD[ORDER[i]] },
      }]);
    }
  });
});
