// OTLP `Span.flags` / `Link.flags` bits 8 and 9 (CONTEXT_HAS_IS_REMOTE, CONTEXT_IS_REMOTE): a
// backend finds a service's entry spans (a parent from a `traceparent` header) without
// assembling the trace. Spans come from the real tracer; both encoders are decoded.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeTracesJson } from "../../src/otlp/encode_json.ts";
import { encodeTracesProtobuf } from "../../src/otlp/encode_protobuf.ts";
import { RedactingExporter } from "../../src/redact/redacting_exporter.ts";
import { extractTraceContext } from "../../src/task/trace_context.ts";
import { Tracer } from "../../src/tracer.ts";
import type { SpanRecord } from "../../src/types.ts";
import { CollectingProcessor, MemoryExporter } from "../_support/collect.ts";
import { decodeTraceRequest } from "../_support/otlp_proto.ts";
import { isWorkerd } from "../_support/runtime.ts";

const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;
const CALLER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

interface Decoded {
  name: string;
  flags: number;
  links?: { spanId: string; flags: number }[];
}

/**
 * The spans of both encodings, decoded (protobuf with an independent decoder, which generates
 * code: workerd forbids that, so there only JSON), by name.
 */
function decodeBoth(spans: readonly SpanRecord[]): Map<string, Decoded>[] {
  const json = JSON.parse(new TextDecoder().decode(encodeTracesJson(spans)));
  const docs = isWorkerd ? [json] : [decodeTraceRequest(encodeTracesProtobuf(spans)), json];
  return docs.map((doc) =>
    new Map(
      doc.resourceSpans[0].scopeSpans[0].spans.map((span: Decoded) => [span.name, span]),
    )
  );
}

/** A handler's spans: a server span continuing the caller's trace, a child, a linked batch. */
function requestSpans(): SpanRecord[] {
  const collected = new CollectingProcessor();
  const tracer = new Tracer({ serviceName: "svc", processors: [collected] });
  const caller = extractTraceContext({ traceparent: CALLER }).context!;
  const server = tracer.startSpan("server", { kind: "SERVER", parent: caller });
  tracer.startSpan("child", { parent: server }).end();
  const root = tracer.startSpan("batch");
  root.addLink({ context: caller }); // a message from another process
  root.addLink({ context: server }); // a span of this process
  root.end();
  server.end();
  return collected.ended;
}

describe("OTLP remote-parent flags", () => {
  it("marks a span whose parent came from a traceparent header, and only it", () => {
    for (const spans of decodeBoth(requestSpans())) {
      // Sampled (the caller's flag 01), parent known to be remote.
      assert.equal(spans.get("server")!.flags, HAS_IS_REMOTE | IS_REMOTE | 0x01);
      // A local parent: known not to be remote.
      assert.equal(spans.get("child")!.flags, HAS_IS_REMOTE | 0x01);
      // A root: no parent, so not a remote one; sampled and random (W3C Level 2).
      assert.equal(spans.get("batch")!.flags, HAS_IS_REMOTE | 0x03);
    }
  });

  it("marks links to remote span contexts, with the linked context's trace flags", () => {
    const records = requestSpans();
    const server = records.find((span) => span.name === "server")!.spanId;
    for (const spans of decodeBoth(records)) {
      const links = spans.get("batch")!.links!;
      assert.deepEqual(links.map((link) => [link.spanId, link.flags]), [
        ["b7ad6b7169203331", HAS_IS_REMOTE | IS_REMOTE | 0x01],
        [server, HAS_IS_REMOTE | 0x01],
      ]);
    }
  });

  it("keeps the flag through the redaction policy's copy of a span", async () => {
    const inner = new MemoryExporter();
    const redacting = new RedactingExporter(inner);
    const spans = requestSpans();
    // An attribute the policy redacts makes it copy the record.
    const server = spans.find((span) => span.name === "server")!;
    const secret = { ...server, attributes: { ...server.attributes, password: "hunter2" } };
    await redacting.export([secret]);
    const copied = inner.spans[0];
    assert.notEqual(copied, secret, "the policy copied the record");
    assert.equal(copied.attributes.password, "***REDACTED***");
    assert.equal(decodeBoth([copied])[0].get("server")!.flags, HAS_IS_REMOTE | IS_REMOTE | 0x01);
  });
});
