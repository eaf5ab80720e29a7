// A JSON string longer than the policy's limit is cut while it is serialized, so redaction gets
// JSON that does not parse and masks the value after each sensitive key "to the end of the text".
// When that value straddled the cut, the truncation marker went with it: `{data: 2000 x, api_key,
// status}` ended with `"api_key":"***REDACTED***"`, and nothing said it was cut. Now only the
// kept prefix is masked and the marker is put back (cut back to the prefix's length when the
// replacement is longer than what it replaced). Secrets still never leak.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RedactionPolicy } from "../../src/redact/policy.ts";
import { truncatedParts, truncateString } from "../../src/redact/truncate.ts";
import { TraceSession } from "../../src/events/session.ts";

const MARKER = /\.\.\.\[truncated:\d+\]$/;
const SECRET = "S".repeat(60);

/** Payload shapes whose sensitive value comes after `pad`. */
const SHAPES: Record<string, (pad: string) => string> = {
  plain: (p) => JSON.stringify({ data: p, api_key: `sk-${SECRET}` }),
  object: (p) => JSON.stringify({ data: p, secret: { user: "u", pw: `p${SECRET}` } }),
  array: (p) => JSON.stringify({ data: p, password: ["a", `b${SECRET}`] }),
  nested: (p) => JSON.stringify({ data: p, body: JSON.stringify({ api_key: `sk-${SECRET}` }) }),
  spaced: (p) => JSON.stringify({ data: p, api_key: `sk-${SECRET}` }, null, 2),
  pair: (p) => JSON.stringify([p, ["api_key", `sk-${SECRET}`]]),
  quote: (p) => JSON.stringify({ data: p, api_key: `sk-"${SECRET}` }),
  number: (p) => `{"data": "${p}", "token": 98765432109876543210987654321}`,
};

describe("cut JSON keeps its truncation marker when a secret straddles the cut", () => {
  it("escaped JSON cut right after a backslash leaks nothing", () => {
    // Cut to 48 code points, the kept text ends inside the escaped secret, just after a `\`:
    // redaction of the cut text left the secret's 26 characters in the event (a random fuzzer
    // found 18 such leaks in 4000 cases).
    const session = new TraceSession({
      runId: "r",
      sinks: [],
      redaction: new RedactionPolicy({ maxStringLength: 64 }),
    });
    const inner = JSON.stringify({ secret: "Q".repeat(26), pad: "y".repeat(500) });
    const payload = JSON.stringify({ k0: inner });
    const out = session.redact({ result: payload }) as { result: string };
    assert.ok(!out.result.includes("QQQQ"), out.result);
    assert.ok(out.result.endsWith(`...[truncated:${payload.length}]`), out.result);
  });

  it("the events layer: marker and original length kept, secret masked", () => {
    const session = new TraceSession({ runId: "r", sinks: [] });
    const payload = JSON.stringify({
      data: "x".repeat(2000),
      api_key: `sk-${"S".repeat(200)}`,
      status: "ok",
    });
    const out = session.redact({ result: payload }) as { result: string };
    assert.ok(out.result.endsWith(`...[truncated:${payload.length}]`), out.result.slice(-60));
    assert.ok(!out.result.includes("SSSS"), out.result.slice(-60));
    assert.equal(truncatedParts(out.result)?.kept, 2032);
  });

  it("redactValue and redactText of a string already cut", () => {
    const policy = new RedactionPolicy();
    const payload = JSON.stringify({ data: "x".repeat(2000), api_key: `sk-${SECRET}` });
    const cut = truncateString(payload, 2048);
    const value = policy.redactValue({ result: cut }) as { result: string };
    assert.ok(value.result.endsWith(`...[truncated:${payload.length}]`), value.result);
    assert.ok(!value.result.includes("SSSS"));
    const text = policy.redactText(`Error: ${cut}`);
    assert.ok(!text.includes("SSSS"), text.slice(-60));
    assert.ok(text.endsWith(`...[truncated:${payload.length}]`), text.slice(-60));
  });

  it("a replacement longer than the secret is cut back within the limit", () => {
    const policy = new RedactionPolicy();
    const payload = `{"data": "${"x".repeat(2000)}", "token": "ab", "more": "${"y".repeat(500)}"}`;
    const out = policy.redactValue(truncateString(payload, 2048)) as string;
    const parts = truncatedParts(out);
    assert.ok(parts !== undefined, out.slice(-60));
    assert.equal(parts.length, payload.length);
    assert.equal(parts.kept, 2032);
    assert.ok(!parts.prefix.includes('"ab"'));
  });

  it("no secret leaks and the marker stays, wherever the cut falls", () => {
    const session = new TraceSession({ runId: "r", sinks: [] });
    for (const [name, shape] of Object.entries(SHAPES)) {
      for (let pad = 1900; pad < 2060; pad++) {
        const payload = shape("x".repeat(pad));
        const out = session.redact({ result: payload, nested: { result: payload } });
        const text = JSON.stringify(out);
        assert.ok(!/S{4,}|98765/.test(text), `${name} ${pad}: ${text.slice(-80)}`);
        const result = (out as { result: string }).result;
        if (payload.length > 2048) {
          assert.match(result, MARKER, `${name} ${pad}: ${result.slice(-60)}`);
          assert.equal(truncatedParts(result)?.length, payload.length, `${name} ${pad}`);
        }
      }
    }
  });
});
