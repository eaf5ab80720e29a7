// OTLP/protobuf encoding, checked by decoding with protobufjs (an independent decoder pinned as a
// dev dependency) against the OTLP schema. protobufjs compiles decoders with `Function`, which
// workerd forbids, so these tests skip there (the JSON encoder tests run everywhere).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeTracesJson } from "../../src/otlp/encode_json.ts";
import { encodeTracesProtobuf } from "../../src/otlp/encode_protobuf.ts";
import type { SpanKind } from "../../src/types.ts";
import { decodeTraceRequest } from "../_support/otlp_proto.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { makeSpanRecord, TEST_RESOURCE, TEST_SCOPE } from "../_support/span_records.ts";
import { Tracer } from "../../src/tracer.ts";
import { CollectingProcessor } from "../_support/collect.ts";

const skip = isWorkerd;

function onlySpan(bytes: Uint8Array) {
  const decoded = decodeTraceRequest(bytes);
  assert.equal(decoded.resourceSpans.length, 1);
  assert.equal(decoded.resourceSpans[0].scopeSpans.length, 1);
  assert.equal(decoded.resourceSpans[0].scopeSpans[0].spans.length, 1);
  return decoded.resourceSpans[0].scopeSpans[0].spans[0];
}

function attr(span: { attributes: { key: string; value: unknown }[] }, key: string): unknown {
  return span.attributes.find((a) => a.key === key)?.value;
}

describe("OTLP protobuf encoder", { skip }, () => {
  it("encodes every attribute type so an independent decoder reads the same values", () => {
    const span = onlySpan(encodeTracesProtobuf([makeSpanRecord({
      attributes: {
        str: "hello",
        empty: "",
        yes: true,
        no: false,
        int: 42,
        zero: 0,
        negative: -7,
        bigInt: 2 ** 53 + 2,
        minInt: -(2 ** 63),
        double: 3.25,
        negDouble: -0.5,
        huge: 1e300,
        strings: ["a", "b"],
        ints: [1, -2, 3],
        doubles: [1.5, 2.5],
        bools: [true, false],
        none: [],
      },
    })]));
    assert.deepEqual(attr(span, "str"), { stringValue: "hello" });
    assert.deepEqual(attr(span, "empty"), { stringValue: "" });
    assert.deepEqual(attr(span, "yes"), { boolValue: true });
    assert.deepEqual(attr(span, "no"), { boolValue: false });
    assert.deepEqual(attr(span, "int"), { intValue: "42" });
    assert.deepEqual(attr(span, "zero"), { intValue: "0" });
    assert.deepEqual(attr(span, "negative"), { intValue: "-7" });
    assert.deepEqual(attr(span, "bigInt"), { intValue: "9007199254740994" });
    assert.deepEqual(attr(span, "minInt"), { intValue: "-9223372036854775808" });
    assert.deepEqual(attr(span, "double"), { doubleValue: 3.25 });
    assert.deepEqual(attr(span, "negDouble"), { doubleValue: -0.5 });
    assert.deepEqual(attr(span, "huge"), { doubleValue: 1e300 });
    assert.deepEqual(attr(span, "strings"), {
      arrayValue: { values: [{ stringValue: "a" }, { stringValue: "b" }] },
    });
    assert.deepEqual(attr(span, "ints"), {
      arrayValue: { values: [{ intValue: "1" }, { intValue: "-2" }, { intValue: "3" }] },
    });
    assert.deepEqual(attr(span, "doubles"), {
      arrayValue: { values: [{ doubleValue: 1.5 }, { doubleValue: 2.5 }] },
    });
    assert.deepEqual(attr(span, "bools"), {
      arrayValue: { values: [{ boolValue: true }, { boolValue: false }] },
    });
    assert.deepEqual(attr(span, "none"), { arrayValue: {} });
    assert.equal(span.attributes.length, 17);
  });

  it("keeps non-finite doubles and skips values OTLP cannot carry", () => {
    const span = onlySpan(encodeTracesProtobuf([makeSpanRecord({
      attributes: { nan: NaN, inf: Infinity, ninf: -Infinity, bad: undefined as unknown as string },
    })]));
    const nan = attr(span, "nan") as { doubleValue: number };
    assert.ok(Number.isNaN(nan.doubleValue));
    assert.deepEqual(attr(span, "inf"), { doubleValue: Infinity });
    assert.deepEqual(attr(span, "ninf"), { doubleValue: -Infinity });
    assert.equal(attr(span, "bad"), undefined);
    assert.equal(span.attributes.length, 3);
  });

  it("round-trips non-ASCII and emoji text of every length in names, keys and values", () => {
    const long = "Grüße, 世界 🌍🚀 ".repeat(40); // encodeInto path, multi-byte length prefix
    const record = makeSpanRecord({
      name: "résumé 🧪",
      attributes: { "clé.ü": "naïve 😀", long, lone: "a\ud800b" },
      status: { code: "ERROR", message: "échec ❌" },
      events: [{
        name: "événement 📌",
        time: 1,
        attributes: { "k😀": "v" },
        droppedAttributesCount: 0,
      }],
    });
    const span = onlySpan(encodeTracesProtobuf([record]));
    assert.equal(span.name, "résumé 🧪");
    assert.deepEqual(attr(span, "clé.ü"), { stringValue: "naïve 😀" });
    assert.deepEqual(attr(span, "long"), { stringValue: long });
    assert.deepEqual(attr(span, "lone"), { stringValue: "a\ufffdb" });
    assert.equal(span.status.message, "échec ❌");
    assert.equal(span.events[0].name, "événement 📌");
    assert.equal(span.events[0].attributes[0].key, "k😀");
  });

  it("writes ids as raw bytes, exact fixed64 times, kind, flags, trace state and status", () => {
    const record = makeSpanRecord({
      parentSpanId: "b7ad6b7169203331",
      traceState: "vendor=x",
      traceFlags: 1,
      kind: "SERVER",
      startTime: 1_767_225_600_123_456_768,
      endTime: 18_446_744_073_709_549_568, // close to 2^64
      status: { code: "OK" },
      droppedAttributesCount: 3,
      droppedEventsCount: 4,
      droppedLinksCount: 5,
    });
    const span = onlySpan(encodeTracesProtobuf([record]));
    assert.equal(span.traceId, record.traceId);
    assert.equal(span.spanId, record.spanId);
    assert.equal(span.parentSpanId, "b7ad6b7169203331");
    assert.equal(span.traceState, "vendor=x");
    assert.equal(span.flags, 0x101); // sampled; CONTEXT_HAS_IS_REMOTE set, parent not remote
    assert.equal(span.kind, 2);
    assert.equal(span.startTimeUnixNano, BigInt(record.startTime).toString());
    assert.equal(span.endTimeUnixNano, BigInt(record.endTime).toString());
    assert.deepEqual(span.status, { code: 1 });
    assert.equal(span.droppedAttributesCount, 3);
    assert.equal(span.droppedEventsCount, 4);
    assert.equal(span.droppedLinksCount, 5);
  });

  it("maps every span kind to the OTLP enum (INTERNAL=1 … CONSUMER=5)", () => {
    const kinds: SpanKind[] = ["INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"];
    const decoded = decodeTraceRequest(
      encodeTracesProtobuf(kinds.map((kind) => makeSpanRecord({ kind }))),
    );
    const codes = decoded.resourceSpans[0].scopeSpans[0].spans.map((s: { kind: number }) => s.kind);
    assert.deepEqual(codes, [1, 2, 3, 4, 5]);
  });

  it("omits fields holding their default value", () => {
    const span = onlySpan(encodeTracesProtobuf([makeSpanRecord({ name: "", traceFlags: 0 })]));
    for (
      const key of ["parentSpanId", "traceState", "name", "attributes", "events", "links"]
    ) {
      assert.equal(key in span, false, `${key} should be omitted`);
    }
    assert.equal(span.flags, 0x100, "CONTEXT_HAS_IS_REMOTE is always known");
    for (
      const key of ["status", "droppedAttributesCount", "droppedEventsCount", "droppedLinksCount"]
    ) {
      assert.equal(key in span, false, `${key} should be omitted`);
    }
  });

  it("encodes events and links with their attributes, trace state and dropped counts", () => {
    const record = makeSpanRecord({
      events: [
        {
          name: "exception",
          time: 1_767_225_600_500_000_000,
          attributes: { "exception.type": "Error" },
          droppedAttributesCount: 2,
        },
        {
          name: "tick",
          time: 1_767_225_600_600_000_000,
          attributes: {},
          droppedAttributesCount: 0,
        },
      ],
      links: [{
        traceId: "0af7651916cd43dd8448eb211c80319c",
        spanId: "00f067aa0ba902b7",
        traceState: "a=1",
        attributes: { reason: "retry", n: 2 },
        droppedAttributesCount: 1,
      }],
    });
    const span = onlySpan(encodeTracesProtobuf([record]));
    assert.deepEqual(span.events, [
      {
        timeUnixNano: BigInt(record.events[0].time).toString(),
        name: "exception",
        attributes: [{ key: "exception.type", value: { stringValue: "Error" } }],
        droppedAttributesCount: 2,
      },
      { timeUnixNano: BigInt(record.events[1].time).toString(), name: "tick" },
    ]);
    assert.deepEqual(span.links, [{
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "00f067aa0ba902b7",
      traceState: "a=1",
      attributes: [
        { key: "reason", value: { stringValue: "retry" } },
        { key: "n", value: { intValue: "2" } },
      ],
      droppedAttributesCount: 1,
      flags: 0x100,
    }]);
  });

  it("groups spans by resource and scope with resource attributes and scope name/version", () => {
    const otherResource = { attributes: { "service.name": "other" } };
    const otherScope = { name: "lib-b" };
    const spans = [
      makeSpanRecord({ name: "a" }),
      makeSpanRecord({ name: "b", scope: otherScope }),
      makeSpanRecord({ name: "c", resource: otherResource }),
      makeSpanRecord({ name: "d", scope: { name: TEST_SCOPE.name, version: TEST_SCOPE.version } }),
    ];
    const decoded = decodeTraceRequest(encodeTracesProtobuf(spans));
    assert.equal(decoded.resourceSpans.length, 2);
    const [first, second] = decoded.resourceSpans;
    assert.deepEqual(first.resource.attributes[0], {
      key: "service.name",
      value: { stringValue: "test-service" },
    });
    assert.equal(first.resource.attributes.length, Object.keys(TEST_RESOURCE.attributes).length);
    assert.deepEqual(first.scopeSpans.map((s: { scope: unknown }) => s.scope), [
      { name: "tracelet-test", version: "1.2.3" },
      { name: "lib-b" },
    ]);
    const names = (ss: { spans: { name: string }[] }) => ss.spans.map((s) => s.name);
    assert.deepEqual(names(first.scopeSpans[0]), ["a", "d"]);
    assert.deepEqual(names(first.scopeSpans[1]), ["b"]);
    assert.deepEqual(second.resource.attributes, [{
      key: "service.name",
      value: { stringValue: "other" },
    }]);
    assert.deepEqual(names(second.scopeSpans[0]), ["c"]);
  });

  it("handles large spans and batches (multi-byte message lengths)", () => {
    const big = "x".repeat(20_000);
    const spans = Array.from(
      { length: 300 },
      (_, i) =>
        makeSpanRecord({ name: `s${i}`, attributes: { i, payload: i === 7 ? big : "small" } }),
    );
    const decoded = decodeTraceRequest(encodeTracesProtobuf(spans));
    const out = decoded.resourceSpans[0].scopeSpans[0].spans;
    assert.equal(out.length, 300);
    assert.deepEqual(out.map((s: { spanId: string }) => s.spanId), spans.map((s) => s.spanId));
    assert.deepEqual(attr(out[7], "payload"), { stringValue: big });
    assert.deepEqual(attr(out[299], "i"), { intValue: "299" });
  });

  it("carries the same data as the JSON encoder (one shared mapping)", () => {
    const spans = [
      makeSpanRecord({
        name: "both",
        parentSpanId: "b7ad6b7169203331",
        kind: "CLIENT",
        attributes: { s: "ü", i: -3, d: 0.25, b: true, a: ["x"], e: [] },
        events: [{
          name: "e",
          time: 1_767_225_600_000_000_256,
          attributes: { k: 1 },
          droppedAttributesCount: 1,
        }],
        links: [{
          traceId: "0af7651916cd43dd8448eb211c80319c",
          spanId: "00f067aa0ba902b7",
          attributes: {},
          droppedAttributesCount: 0,
        }],
        status: { code: "ERROR", message: "boom" },
      }),
      makeSpanRecord({ resource: { attributes: { "service.name": "second" } } }),
      makeSpanRecord({
        name: "",
        startTime: 0,
        endTime: 0,
        traceFlags: 0,
        events: [{ name: "", time: 0, attributes: {}, droppedAttributesCount: 0 }],
        status: { code: "UNSET", message: "" },
      }),
    ];
    const fromProtobuf = decodeTraceRequest(encodeTracesProtobuf(spans));
    const fromJson = JSON.parse(new TextDecoder().decode(encodeTracesJson(spans)));
    assert.deepEqual(fromProtobuf, fromJson);
  });

  it("coerces resource attributes as span attributes: odd values are kept as text, a cyclic array cannot fail every batch", () => {
    const cyclic: unknown[] = [1];
    cyclic.push(cyclic);
    const collect = new CollectingProcessor();
    const tracer = new Tracer({
      processors: [collect],
      resource: {
        attributes: {
          "build.time": new Date(0),
          "host.count": 5n,
          k8s: { pod: "p1" },
          mixed: ["a", 1],
          cyclic,
          ok: "yes",
        } as never,
      },
    });
    tracer.startSpan("s").end();
    const spans = collect.ended;
    const fromProtobuf = decodeTraceRequest(encodeTracesProtobuf(spans));
    const fromJson = JSON.parse(new TextDecoder().decode(encodeTracesJson(spans)));
    assert.deepEqual(fromProtobuf, fromJson);
    const resource = fromJson.resourceSpans[0].resource.attributes as {
      key: string;
      value: { stringValue?: string };
    }[];
    const text = (key: string) => resource.find((a) => a.key === key)?.value.stringValue;
    assert.equal(text("build.time"), '"1970-01-01T00:00:00.000Z"');
    assert.equal(text("host.count"), "5");
    assert.equal(text("k8s"), '{"pod":"p1"}');
    assert.equal(text("mixed"), '["a",1]');
    assert.equal(typeof text("cyclic"), "string");
    assert.equal(text("ok"), "yes");
  });

  it("encodes an empty batch as an empty request", () => {
    assert.equal(encodeTracesProtobuf([]).length, 0);
    assert.deepEqual(decodeTraceRequest(encodeTracesProtobuf([])), {});
  });
});
