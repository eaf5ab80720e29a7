// A `[key, value]` pair under a sensitive key is masked wherever it is (security trial): as an
// item of a list (a Map's entries) it was, but a pair given on its own, as a span attribute
// (`["Authorization", "Bearer …"]`) or a logged value (`["api_key", "sk-…"]`), was exported as is.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RedactionPolicy } from "../mod.ts";
import { exportOneSpan } from "./_support/otlp_helpers.ts";

const R = "***REDACTED***";

describe("[key, value] pairs", () => {
  it("masks the value of a pair given as a value, an attribute or nested in an object", () => {
    const policy = new RedactionPolicy();
    assert.deepEqual(policy.redactValue(["api_key", "sk-1"]), ["api_key", R]);
    assert.deepEqual(policy.redactValue({ header: ["Authorization", "Bearer 2"] }), {
      header: ["Authorization", R],
    });
    assert.deepEqual(policy.redactValue([["token", "3"], ["model", "m"]]), [["token", R], [
      "model",
      "m",
    ]]);
    assert.deepEqual(policy.redactAttributes({ header: ["X-Api-Key", "4"] }), {
      header: ["X-Api-Key", R],
    });
  });

  it("keeps pairs under other keys, longer lists and lists whose first item is no key", () => {
    const policy = new RedactionPolicy();
    const kept = [["model", "gpt-4o"], ["api_key", "a", "b"], [1, "x"], ["prompt", "api_key"]];
    for (const value of kept) assert.equal(policy.redactValue(value), value);
    const attributes = { tags: ["model", "gpt-4o"], more: ["api_key", "a", "b"] };
    assert.equal(policy.redactAttributes(attributes), attributes);
  });

  it("masks them in the JSONL line and the OTLP body", async () => {
    const { line, body } = await exportOneSpan((span) => {
      span.setAttribute("header", ["Authorization", "Bearer PAIR1"]);
    });
    assert.ok(!line.includes("PAIR1"), line);
    assert.ok(!body.includes("PAIR1"), body);
    assert.deepEqual(JSON.parse(line).attributes.header, ["Authorization", R]);
  });
});
