// What a receiver's answer says, read the same way in both encodings: a negative rejected_spans
// in a partial success, a protobuf google.rpc.Status error body, and control characters in any
// error detail. A stub fetch only, so this runs on every runtime, workerd included.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { maskSecrets } from "../../src/exporter/_warn.ts";
import { OtlpHttpExporter } from "../../src/exporter/otlp_http.ts";
import { OTLP_JSON_ENCODER } from "../../src/otlp/encode_json.ts";
import {
  parseJsonPartialSuccess,
  parseProtobufPartialSuccess,
  parseProtobufStatusMessage,
} from "../../src/otlp/partial_success.ts";
import { withDiagnostics } from "../_support/otlp_helpers.ts";
import { makeSpanBatch } from "../_support/span_records.ts";

const enc = (s: string) => new TextEncoder().encode(s);

/**
 * An ExportTraceServiceResponse { partial_success { rejected_spans, error_message } }, the count
 * an int64 as protobuf writes it (a negative one in ten bytes). Written by hand: protobufjs
 * needs eval, which workerd refuses.
 */
function partialResponse(rejected: bigint, message: string): Uint8Array {
  const varint: number[] = [];
  let n = BigInt.asUintN(64, rejected);
  for (; n >= 128n; n >>= 7n) varint.push(Number(n & 127n) | 128);
  varint.push(Number(n));
  const text = enc(message);
  const inner = [0x08, ...varint, 0x12, text.length, ...text];
  return new Uint8Array([0x0a, inner.length, ...inner]);
}

/** An exporter whose every request is answered with `status` and `body`. */
function answering(status: number, body: Uint8Array | string, json = false) {
  return new OtlpHttpExporter({
    endpoint: "https://collector.example/v1/traces",
    compression: "none",
    encoder: json ? OTLP_JSON_ENCODER : undefined,
    retry: { maxAttempts: 1 },
    fetch: () => Promise.resolve(new Response(body as Uint8Array<ArrayBuffer>, { status })),
  });
}

describe("negative rejected_spans", () => {
  it("counts as no rejected span in protobuf (a 10-byte varint), as it does in JSON", () => {
    // partial_success { rejected_spans: -1 (int64: ten bytes), error_message: "neg" }
    const raw = new Uint8Array([
      ...[0x0a, 0x10, 0x08],
      ...[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
      ...[0x12, 0x03, 0x6e, 0x65, 0x67],
    ]);
    const expected = { rejectedSpans: 0, errorMessage: "neg" };
    assert.deepEqual(parseProtobufPartialSuccess(raw), expected);
    assert.deepEqual(parseProtobufPartialSuccess(partialResponse(-1n, "neg")), expected);
    assert.deepEqual(
      parseJsonPartialSuccess(enc('{"partialSuccess":{"rejectedSpans":-1,"errorMessage":"neg"}}')),
      expected,
    );
    // Any negative count, the most negative int64 too; large positive counts stay counts.
    assert.equal(parseProtobufPartialSuccess(partialResponse(-(2n ** 63n), "")), undefined);
    assert.equal(parseProtobufPartialSuccess(partialResponse(-5n, "")), undefined);
    assert.equal(
      parseProtobufPartialSuccess(partialResponse(2n ** 40n, ""))?.rejectedSpans,
      2 ** 40,
    );
  });

  it("an export answered with a negative count counts every span exported", () =>
    withDiagnostics(async () => {
      const report = await answering(200, partialResponse(-1n, "neg")).export(makeSpanBatch(3));
      assert.equal(report.exported, 3);
      assert.deepEqual(report.dropped, {});
    }));

  it("a varint cut off by the end of the body is unreadable", () => {
    assert.equal(parseProtobufPartialSuccess(new Uint8Array([0x0a, 0x02, 0x08, 0x96])), undefined);
    assert.equal(parseProtobufPartialSuccess(new Uint8Array([0x0a, 0x01, 0x08])), undefined);
    assert.equal(parseProtobufPartialSuccess(new Uint8Array([0x8a])), undefined);
  });
});

describe("error bodies in diagnostics", () => {
  // google.rpc.Status { code: 3, message: "bad span" }
  const status = new Uint8Array([0x08, 0x03, 0x12, 0x08, ...enc("bad span")]);

  it("reads the message of a protobuf google.rpc.Status", () => {
    assert.equal(parseProtobufStatusMessage(status), "bad span");
    assert.equal(parseProtobufStatusMessage(enc("Bad Request")), "");
    assert.equal(parseProtobufStatusMessage(enc('{"code":3,"message":"x"}')), "");
    assert.equal(parseProtobufStatusMessage(new Uint8Array([0x08, 0x03])), "");
  });

  it("reports a protobuf 400's Status message, not its raw bytes", () =>
    withDiagnostics(async (list) => {
      const report = await answering(400, status).export(makeSpanBatch(3));
      assert.deepEqual(report.dropped, { http_400: 3 });
      const failed = list.find((d) => d.code === "export_failed");
      assert.equal(failed?.message, "3 spans not delivered: http_400 (bad span)");
    }));

  it("keeps no control character of an error body in a diagnostic", () =>
    withDiagnostics(async (list) => {
      const body = "bad\u0000\u0007 span\u001b[31m\u0085\u009b end";
      await answering(400, body, true).export(makeSpanBatch(1));
      const failed = list.find((d) => d.code === "export_failed");
      assert.equal(failed?.message, "1 spans not delivered: http_400 (bad span [31m end)");
      assert.doesNotMatch(failed!.message, /\p{Cc}/u);
    }));

  it("maskSecrets masks a key echoed percent-encoded or JSON-escaped with \\/ (PHP's default)", () => {
    const key = "sk-ABCDEF/ghijk+lmn=opqr";
    const echoes = [
      `{"error":"invalid key sk-ABCDEF\\/ghijk+lmn=opqr"}`,
      "invalid key sk-ABCDEF%2Fghijk%2Blmn%3Dopqr",
      `{"error":"invalid key ${key}"}`,
    ];
    for (const echo of echoes) {
      const masked = maskSecrets(echo, [`Bearer ${key}`], 600);
      assert.ok(masked.includes("[REDACTED]"), masked);
      assert.doesNotMatch(masked, /opqr|ghijk/, masked);
    }
  });

  it("maskSecrets leaves the encoded forms of a secret too short to mask alone", () => {
    assert.equal(
      maskSecrets("https%3A%2F%2Fapp 1%202", ["//", "1 2"], 100),
      "https%3A%2F%2Fapp 1%202",
    );
  });

  it("maskSecrets does not throw on a secret holding a lone surrogate", () => {
    assert.equal(maskSecrets("key \ud800abcd", ["\ud800abcd"], 100), "key [REDACTED]");
  });

  it("maskSecrets turns C0 and C1 control characters into collapsed spaces", () => {
    assert.equal(maskSecrets("a\u0000b\u0007\tc\u007f\u009fd\r\ne", [], 100), "a b c d e");
    assert.equal(maskSecrets("key sk-secret\u0000", ["sk-secret"], 100), "key [REDACTED]");
  });
});
