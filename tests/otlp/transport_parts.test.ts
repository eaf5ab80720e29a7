// Pure parts of the OTLP transport: Retry-After parsing, backoff bounds, the retryable status set,
// partial-success parsing (protobuf and JSON) and gzip. Runs on every runtime, workerd included.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gunzipSync } from "fflate";
import { gzipWithCompressionStream } from "../../src/exporter/_gzip.ts";
import { backoffDelay, isRetryableStatus, retryPolicy, sleep } from "../../src/exporter/_retry.ts";
import { parseRetryAfter } from "../../src/exporter/_retry_after.ts";
import { outboxDelay, outboxRetryPolicy } from "../../src/exporter/_outbox.ts";
import { destinationTag, splitContentType } from "../../src/storage/_destination.ts";
import { OTLP_JSON_ENCODER } from "../../src/otlp/encode_json.ts";
import { encodeTracesProtobuf, OTLP_PROTOBUF_ENCODER } from "../../src/otlp/encode_protobuf.ts";
import {
  parseJsonPartialSuccess,
  parseProtobufPartialSuccess,
} from "../../src/otlp/partial_success.ts";
import { makeSpanBatch } from "../_support/span_records.ts";

describe("Retry-After", () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);

  it("reads delay-seconds", () => {
    assert.equal(parseRetryAfter("0", now), 0);
    assert.equal(parseRetryAfter("3", now), 3000);
    assert.equal(parseRetryAfter(" 120 ", now), 120_000);
  });

  it("reads an HTTP-date relative to now, a past date meaning no wait", () => {
    assert.equal(parseRetryAfter("Thu, 01 Jan 2026 12:00:05 GMT", now), 5000);
    assert.equal(parseRetryAfter("Thu, 01 Jan 2026 11:59:00 GMT", now), 0);
  });

  it("ignores absent or unreadable values and caps absurd ones", () => {
    assert.equal(parseRetryAfter(null, now), undefined);
    assert.equal(parseRetryAfter("", now), undefined);
    assert.equal(parseRetryAfter("soon", now), undefined);
    assert.equal(parseRetryAfter("-5", now), undefined);
    assert.equal(parseRetryAfter("999999999", now), 24 * 60 * 60 * 1000);
  });
});

describe("retry policy", () => {
  it("retries exactly the OTLP/HTTP specification's 429, 502, 503 and 504", () => {
    const retryable = [];
    for (let status = 100; status < 600; status++) {
      if (isRetryableStatus(status)) retryable.push(status);
    }
    assert.deepEqual(retryable, [429, 502, 503, 504]);
  });

  it("grows the backoff exponentially with jitter between half and the full step, capped", () => {
    const policy = retryPolicy({ initialDelayMillis: 100, maxDelayMillis: 1000, multiplier: 2 });
    assert.equal(backoffDelay(1, policy, () => 0), 50);
    assert.ok(Math.abs(backoffDelay(1, policy, () => 0.999999) - 100) < 0.001);
    assert.equal(backoffDelay(3, policy, () => 0), 200);
    assert.equal(backoffDelay(10, policy, () => 0), 500);
    assert.ok(backoffDelay(10, policy, () => 0.999999) <= 1000);
    assert.deepEqual(retryPolicy(), {
      maxAttempts: 6,
      initialDelayMillis: 1000,
      maxDelayMillis: 16_000,
      multiplier: 2,
    });
  });

  it("backs outbox entries off from 5 s doubling to 1 h", () => {
    const policy = outboxRetryPolicy();
    assert.deepEqual([0, 1, 2, 3].map((a) => outboxDelay(a, policy)), [
      5000,
      10_000,
      20_000,
      40_000,
    ]);
    assert.equal(outboxDelay(30, policy), 3_600_000);
  });

  it("tags outbox entries with a hash of the endpoint, never the URL itself", () => {
    const tag = destinationTag("https://user:pw@collector.example/v1/traces?token=abc");
    assert.match(tag, /^[0-9a-f]{8}$/);
    assert.notEqual(tag, destinationTag("https://other.example/v1/traces"));
    assert.deepEqual(splitContentType(`application/json; tracelet-destination=${tag}`), {
      type: "application/json",
      destination: tag,
    });
    assert.deepEqual(splitContentType("application/x-protobuf"), {
      type: "application/x-protobuf",
    });
  });

  it("sleeps abortably", async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort();
    assert.equal(await pending, false);
    assert.equal(await sleep(1), true);
  });
});

describe("partial success", () => {
  const enc = (s: string) => new TextEncoder().encode(s);

  it("parses a protobuf ExportTraceServiceResponse", () => {
    // partial_success { rejected_spans: 3, error_message: "bad" }
    const body = new Uint8Array([0x0a, 0x07, 0x08, 0x03, 0x12, 0x03, 0x62, 0x61, 0x64]);
    assert.deepEqual(parseProtobufPartialSuccess(body), { rejectedSpans: 3, errorMessage: "bad" });
  });

  it("skips unknown protobuf fields of every wire type", () => {
    // field 5 fixed64, field 6 fixed32, then partial_success { rejected_spans: 1 }, field 7 varint
    const body = new Uint8Array([
      ...[0x29, 1, 2, 3, 4, 5, 6, 7, 8],
      ...[0x35, 1, 2, 3, 4],
      ...[0x0a, 0x02, 0x08, 0x01],
      ...[0x38, 0x96, 0x01],
    ]);
    assert.deepEqual(parseProtobufPartialSuccess(body), { rejectedSpans: 1, errorMessage: "" });
  });

  it("parses OTLP/JSON with string or number counts", () => {
    assert.deepEqual(
      parseJsonPartialSuccess(enc('{"partialSuccess":{"rejectedSpans":"2","errorMessage":"x"}}')),
      { rejectedSpans: 2, errorMessage: "x" },
    );
    assert.deepEqual(parseJsonPartialSuccess(enc('{"partialSuccess":{"rejectedSpans":4}}')), {
      rejectedSpans: 4,
      errorMessage: "",
    });
    assert.deepEqual(parseJsonPartialSuccess(enc('{"partial_success":{"rejected_spans":1}}')), {
      rejectedSpans: 1,
      errorMessage: "",
    });
  });

  it("treats empty, full-success and unreadable bodies as full success", () => {
    assert.equal(parseProtobufPartialSuccess(new Uint8Array(0)), undefined);
    assert.equal(parseJsonPartialSuccess(enc("{}")), undefined);
    assert.equal(parseJsonPartialSuccess(enc('{"partialSuccess":{}}')), undefined);
    assert.equal(parseJsonPartialSuccess(enc("<html>oops</html>")), undefined);
    assert.equal(parseProtobufPartialSuccess(new Uint8Array([0x0a, 0x50, 0x08])), undefined);
    assert.equal(parseProtobufPartialSuccess(new Uint8Array([0x0b, 0x01])), undefined); // group
    assert.equal(parseProtobufPartialSuccess(enc("<html>oops</html>")), undefined);
  });

  it("is read by each encoder in its own encoding", () => {
    assert.equal(OTLP_PROTOBUF_ENCODER.parseResponse, parseProtobufPartialSuccess);
    assert.equal(OTLP_JSON_ENCODER.parseResponse, parseJsonPartialSuccess);
  });
});

describe("gzip", () => {
  it("compresses with CompressionStream into bytes that decompress to the same content", async () => {
    const body = encodeTracesProtobuf(makeSpanBatch(50));
    const gz = await gzipWithCompressionStream(body);
    assert.deepEqual(Array.from(gz.subarray(0, 2)), [0x1f, 0x8b]);
    assert.ok(gz.length < body.length);
    assert.deepEqual(gunzipSync(gz), body);
    const viaStream = new Response(
      new Blob([gz as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
        new DecompressionStream("gzip"),
      ),
    );
    assert.deepEqual(new Uint8Array(await viaStream.arrayBuffer()), body);
  });
});
