// W3C Trace Context Level 2's random flag (0x02): a root whose trace id tracelet made says its id
// is random (flags 03), in its span context, its traceparent and its OTLP `flags`; a trace id the
// caller gave, and a remote parent's flags, are taken as they are.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { alwaysOff, parentBased, traceIdRatio, Tracer } from "../mod.ts";
import type { SpanRecord } from "../mod.ts";
import { encodeTracesJson } from "../src/otlp/encode_json.ts";
import { encodeTracesProtobuf } from "../src/otlp/encode_protobuf.ts";
import { formatTraceparent, injectTraceContext } from "../src/task/trace_context.ts";
import { CollectingProcessor } from "./_support/collect.ts";
import { decodeTraceRequest } from "./_support/otlp_proto.ts";
import { isWorkerd } from "./_support/runtime.ts";

const GIVEN = "0af7651916cd43dd8448eb211c80319c";
const REMOTE = { traceId: GIVEN, spanId: "b7ad6b7169203331", traceFlags: 1 };

/** The record of an ended root span of a plain tracer. */
function endedRoot(): SpanRecord {
  const collect = new CollectingProcessor();
  new Tracer({ processors: [collect] }).startSpan("root", { parent: null }).end();
  return collect.ended[0];
}

describe("the random trace flag", () => {
  it("is set on a root whose trace id tracelet made, and its children inherit it", () => {
    const collect = new CollectingProcessor();
    const tracer = new Tracer({ processors: [collect] });
    const root = tracer.startSpan("root", { parent: null });
    const child = tracer.startSpan("child", { parent: root });
    assert.equal(root.spanContext().traceFlags, 3);
    assert.equal(child.traceFlags, 3);
    assert.equal(
      formatTraceparent(root.spanContext()),
      `00-${root.traceId}-${root.spanId}-03`,
    );
    assert.equal(injectTraceContext(child.spanContext())?.traceparent?.slice(-3), "-03");
    child.end();
    root.end();
    assert.deepEqual(collect.ended.map((s) => [s.name, s.traceFlags]), [["child", 3], [
      "root",
      3,
    ]]);
  });

  it("is not set for a trace id the caller gave, nor added to a remote parent's flags", () => {
    const tracer = new Tracer();
    const given = tracer.startSpan("given", { parent: null, traceId: GIVEN });
    assert.equal(given.traceId, GIVEN);
    assert.equal(given.traceFlags, 1);
    assert.equal(tracer.startSpan("remote child", { parent: REMOTE }).traceFlags, 1);
    const random = tracer.startSpan("random", { parent: { ...REMOTE, traceFlags: 3 } });
    assert.equal(random.traceFlags, 3);
    // An invalid given id is replaced by a random one, which is then marked random.
    assert.equal(tracer.startSpan("bad id", { parent: null, traceId: "zz" }).traceFlags, 3);
  });

  it("stays set when a sampler decides (unsampled roots propagate 02)", () => {
    const off = new Tracer({ sampler: alwaysOff });
    const dropped = off.startSpan("dropped", { parent: null });
    assert.equal(dropped.traceFlags, 2);
    assert.equal(formatTraceparent(dropped.spanContext())?.slice(-3), "-02");
    const on = new Tracer({ sampler: parentBased(traceIdRatio(1)) });
    assert.equal(on.startSpan("kept", { parent: null }).traceFlags, 3);
  });

  it("reaches OTLP Span.flags in JSON", () => {
    const json = JSON.parse(new TextDecoder().decode(encodeTracesJson([endedRoot()])));
    assert.equal(json.resourceSpans[0].scopeSpans[0].spans[0].flags & 0xff, 3);
  });

  // The protobuf decoder of the tests generates code, which workerd forbids.
  it("reaches OTLP Span.flags in protobuf", { skip: isWorkerd }, () => {
    const proto = decodeTraceRequest(encodeTracesProtobuf([endedRoot()]));
    assert.equal(proto.resourceSpans[0].scopeSpans[0].spans[0].flags & 0xff, 3);
  });
});
