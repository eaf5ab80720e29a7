// An error nested in a value (a tool result's caught error, an error's `cause`, an
// AggregateError's items) is serialized as `{name, message, stack, …}`; redaction reads that
// record's message and stack trace as error text (free text: JSON embedded in it is masked), as it
// reads a top-level error, while every other string stays a plain value.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RedactionPolicy, serialize } from "../mod.ts";
import type { JsonValue } from "../mod.ts";

const R = "***REDACTED***";

/** What the serializer makes of an error (the keys read here). */
type ErrorRecord = { message: string; stack: string };
const policy = new RedactionPolicy();

/** `value` serialized (no schema) and redacted, as the agent and events layers do. */
function redacted(value: unknown, truncate = true): JsonValue {
  return policy.redactValue(serialize(value, { schema: false }).value, { truncate });
}

const apiError = (tag: string) =>
  new Error(`POST /v1/chat failed: 401 {"error":{"api_key":"SECRET_${tag}"}}`);

describe("redaction of errors nested in values", () => {
  it("masks the message and stack trace of an error inside an object and an array only", () => {
    // Not error text: kept as it is, as every string that is not JSON (a documented choice).
    const note = 'a note: {"api_key":"KEPT"} and text';
    for (const truncate of [true, false]) {
      const out = redacted(
        {
          ok: false,
          caught: apiError("OBJ"),
          attempts: [apiError("ARR")],
          note,
          info: { message: note, stack: note },
        },
        truncate,
      ) as { note: string; info: unknown; caught: ErrorRecord; attempts: ErrorRecord[] };
      assert.equal(out.note, note);
      assert.deepEqual(out.info, { message: note, stack: note });
      const text = JSON.stringify(out);
      assert.doesNotMatch(text, /SECRET_/, text);
      const masked = `POST /v1/chat failed: 401 {"error":{"api_key":"${R}"}}`;
      assert.equal(out.caught.message, masked);
      assert.ok(out.caught.stack.includes(masked), out.caught.stack);
      assert.equal(out.attempts[0].message, masked);
    }
    // The record itself stays a plain object with the serializer's keys.
    const record = serialize(new Error("m"), { schema: false }).value as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(record), Object.prototype);
    assert.deepEqual(Object.keys(record), ["name", "message", "stack"]);
  });

  it("masks an error's cause chain, an AggregateError's items and keys of own properties", () => {
    const error = new Error('outer {"api_key":"SECRET_MSG"}', {
      cause: new Error('inner {"token":"SECRET_CAUSE"}'),
    });
    (error as Error & { response: unknown }).response = {
      headers: { authorization: "SECRET_PROP" },
    };
    const aggregate = new AggregateError([new Error('{"password":"SECRET_AGG"}')], "agg");
    const text = JSON.stringify(redacted({ error, aggregate }));
    assert.doesNotMatch(text, /SECRET_/, text);
  });

  it("masks a secret that straddles the string limit whole", () => {
    const small = new RedactionPolicy({ maxStringLength: 60 });
    // 60 code points keep 44 and the marker: the cut falls inside the secret.
    const message = `${"x".repeat(20)} {"api_key":"SECRET_LONG_VALUE_0123456789"} ${
      "y".repeat(50)
    }`;
    const json = serialize({ e: new Error(message) }, { schema: false }).value;
    const out = small.redactValue(json) as { e: ErrorRecord };
    assert.doesNotMatch(out.e.message, /SECRET|0123/, out.e.message);
    assert.match(
      out.e.message,
      /^x{20} \{"api_key":"\*.*\.\.\.\[truncated:[0-9]+\]$/,
      out.e.message,
    );
  });
});
