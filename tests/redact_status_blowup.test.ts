// The cost of redacting a span's error text at export is bounded: the exception messages the
// policy changed are replaced in the status message in one pass over its original text (one after
// the other, a replacement holding its message k times made the text grow k^N for N exception
// events), and only the first 4 × maxStringLength + 1024 code points of error text are scanned.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RedactionPolicy, redactSpan, Tracer } from "../mod.ts";
import type { SpanRecord } from "../mod.ts";
import { CollectingProcessor } from "./_support/collect.ts";
import { makeSpanRecord } from "./_support/span_records.ts";

const R = "***REDACTED***";

/** A finished span record with one `exception` event per message. */
function failedSpan(status: string, messages: readonly string[]): SpanRecord {
  return makeSpanRecord({
    status: { code: "ERROR", message: status },
    events: messages.map((message) => ({
      name: "exception",
      time: 1e18,
      attributes: { "exception.message": message },
      droppedAttributesCount: 0,
    })),
    resource: { attributes: { "service.name": "svc" } },
    scope: { name: "test" },
  });
}

/** A policy whose free-text redaction doubles every `x` (its output holds its input twice). */
class Doubling extends RedactionPolicy {
  override redactText(text: string): string {
    return text.split("x").join("xx");
  }
}

/** A policy that records the length of every text its free-text redaction is given. */
class Measuring extends RedactionPolicy {
  readonly lengths: number[] = [];
  override redactText(text: string, options?: { truncate?: boolean }): string {
    this.lengths.push(text.length);
    return super.redactText(text, options);
  }
}

describe("redaction cost of error text", () => {
  it("replaces the changed exception messages in the status message once, never in a replacement", () => {
    // 20 exception events with the same message: replaced one after the other, "x" grew 2^20.
    const out = redactSpan(failedSpan("x", Array(20).fill("x")), new Doubling());
    assert.equal(out.events[0].attributes["exception.message"], "xx");
    // The message once replaced by its redacted form, then the status text redacted.
    assert.deepEqual(out.status, { code: "ERROR", message: "xxxx" });
    // Distinct messages, one inside another's redacted form: each occurrence in the original
    // text is replaced once; of overlapping occurrences, the longer one.
    const both = redactSpan(failedSpan("a x | xa", ["x", "xa"]), new Doubling());
    assert.deepEqual(both.status, { code: "ERROR", message: "a xxxx | xxxxa" });
  });

  it("redacts a span with many exception events under a sensitive `message` key quickly", async () => {
    const collector = new CollectingProcessor();
    const tracer = new Tracer({ processors: [collector] });
    tracer.withSpan("validate", (span) => {
      // A validator echoing user input: "*" occurs 6 times in "***REDACTED***".
      for (let i = 0; i < 9; i++) span.recordException(new Error("*"));
    });
    await tracer.shutdown();
    const started = performance.now();
    const span = redactSpan(collector.ended[0], new RedactionPolicy({ extraKeys: ["message"] }));
    const ms = performance.now() - started;
    assert.deepEqual(span.status, { code: "ERROR", message: R });
    assert.ok(span.events.every((e) => e.attributes["exception.message"] === R));
    assert.ok(ms < 1000, `${ms} ms`);
  });

  it("scans only the first 4 × maxStringLength + 1024 code points of error text", () => {
    const policy = new Measuring({ maxStringLength: 100 });
    const bound = 4 * 100 + 1024;
    const head = `400 Bad Request: {"api_key":"SECRET_HEAD","request":"`;
    const text = `${head}${"y".repeat(100_000)}"}`;
    const record = failedSpan(`call failed: ${text}`, [text]);
    const withStack = {
      ...record,
      events: [{
        ...record.events[0],
        attributes: {
          "exception.message": text,
          "exception.stacktrace": `Error: ${text}\n    at f (x.ts:1:1)`,
        },
      }],
      attributes: { "openai.error": JSON.stringify({ message: text }) },
    };
    const out = redactSpan(withStack, policy);
    assert.ok(policy.lengths.length >= 4, String(policy.lengths));
    // Each text is cut to the bound first; its marker adds at most 31 code units.
    for (const length of policy.lengths) assert.ok(length <= bound + 31, String(policy.lengths));
    const status = out.status.message!;
    assert.ok(status.startsWith(`call failed: 400 Bad Request: {"api_key":"${R}"`), status);
    // The message in it was replaced by its redacted (cut) form, whose marker states its length.
    assert.ok(status.endsWith(`...[truncated:${text.length}]`), status.slice(-40));
    const message = String(out.events[0].attributes["exception.message"]);
    assert.ok(message.endsWith(`...[truncated:${text.length}]`), message.slice(-40));
    assert.ok(!JSON.stringify(out).includes("SECRET_HEAD"));
  });
});
