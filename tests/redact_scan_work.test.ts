// How much work the redaction scan does, counted rather than timed. The exporter redacts every
// span: a JSON attribute of 4 kB cost eight to sixteen times its protobuf encoding because the
// key search lower-cased a copy of the text and searched it once per key, a JSON text naming
// `prompt_tokens` was masked a second time after its walk had decided every key, and a string
// that truncation had already cut was read character by character twice. Counted here: copies of
// the text, decisions per key, characters read one at a time.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RedactionPolicy } from "../mod.ts";
import { SensitiveKeys } from "../src/redact/sensitive_keys.ts";
import { codePointLength, cutCodePoints, truncateString } from "../src/redact/truncate.ts";

/** Runs `run` with a `String.prototype` method counting its calls on strings of `minLength`. */
function counting(
  method: "toLowerCase" | "replace" | "charCodeAt",
  minLength: number,
  run: () => void,
): number {
  const prototype = String.prototype as unknown as Record<string, unknown>;
  const original = prototype[method] as (this: string, ...args: unknown[]) => unknown;
  let calls = 0;
  prototype[method] = function (this: string, ...args: unknown[]) {
    if (this.length >= minLength) calls++;
    return original.apply(this, args);
  };
  try {
    run();
  } finally {
    prototype[method] = original;
  }
  return calls;
}

/** JSON text of about `bytes` bytes: tool results, no sensitive key in it. */
function toolResults(bytes: number): string {
  const items = [];
  // The length is added up item by item (stringifying the whole list each time made a megabyte
  // take 10-30 s, past Bun's test timeout on a loaded machine).
  for (let i = 0, length = 2; length < bytes; i++) {
    const item = {
      tool_call_id: `call_${i}`,
      role: "tool",
      name: "search",
      content: `result ${i}`,
    };
    items.push(item);
    length += JSON.stringify(item).length + 1;
  }
  return JSON.stringify(items);
}

/** A default policy counting how often it decides whether a key is sensitive. */
function countingDecisions(): { policy: RedactionPolicy; decisions: () => number } {
  const policy = new RedactionPolicy();
  const decide = policy.isSensitiveKey;
  let count = 0;
  policy.isSensitiveKey = (key: string) => {
    count++;
    return decide.call(policy, key);
  };
  return { policy, decisions: () => count };
}

describe("redaction scan: work", () => {
  it("searches a megabyte for sensitive keys without lower-casing a copy of it", () => {
    const keys = new SensitiveKeys(new RedactionPolicy().keys, "exact", undefined);
    const text = toolResults(1 << 20);
    const escaped = text + '{"note":"caf\\u00e9"}';
    let found: boolean[] = [];
    const copies = counting("toLowerCase", 1 << 20, () => {
      found = [keys.mayOccurIn(text), keys.mayOccurIn(escaped), keys.mayOccurIn(text + "Token")];
    });
    assert.deepEqual(found, [false, false, true]);
    assert.equal(copies, 0);
    // The text is decoded (one copy) only when it holds a `\u` escape.
    const decoded = counting("replace", 1 << 20, () => {
      keys.mayOccurIn(text);
      keys.mayOccurIn(escaped);
    });
    assert.equal(decoded, 1);
  });

  it("decides each key of a JSON attribute once, when none is sensitive", () => {
    const { policy, decisions } = countingDecisions();
    const attributes = {
      "gen_ai.usage": '{"prompt_tokens": 100, "completion_tokens": 30, "total_tokens": 130}',
      "tool.results": JSON.stringify({ max_tokens: 512, results: JSON.parse(toolResults(4096)) }),
      "gen_ai.request": '{"model":"m","messages":[{"role":"user","content":"count the tokens"}]}',
      "agent.output": JSON.stringify({ output: JSON.stringify({ usage: { prompt_tokens: 1 } }) }),
    };
    const keyCount = [3, 1 + JSON.parse(attributes["tool.results"]).results.length * 4 + 1, 4, 3];
    assert.equal(policy.redactAttributes(attributes), attributes);
    // The attribute keys themselves, then each key of each JSON text (nested ones too) once.
    assert.equal(decisions(), 4 + keyCount.reduce((a, b) => a + b));
  });

  it("still decides the keys of a JSON text twice when one repeats", () => {
    const { policy, decisions } = countingDecisions();
    const text = '{"usage":{"secret":"s"},"usage":{"prompt_tokens":1}}';
    assert.equal(
      policy.redactAttributes({ a: text }).a,
      '{"usage":{"secret":"***REDACTED***"},"usage":{"prompt_tokens":1}}',
    );
    assert.ok(decisions() > 1 + 2, `${decisions()} decisions`);
  });

  it("reads no character one at a time to truncate a string without surrogates", () => {
    const ascii = "x".repeat(1 << 20);
    const greek = "\u03b1".repeat(1 << 20); // Stored two bytes a character.
    const cut = truncateString("y".repeat(4000), 2048);
    let results: unknown[] = [];
    const reads = counting("charCodeAt", 2048, () => {
      results = [
        truncateString(ascii, 2048),
        truncateString(greek, 2048),
        truncateString(cut, 2048),
        codePointLength(greek),
        cutCodePoints(greek, 100.5),
      ];
    });
    assert.deepEqual(results, [
      `${"x".repeat(2032)}...[truncated:${1 << 20}]`,
      `${"\u03b1".repeat(2032)}...[truncated:${1 << 20}]`,
      cut,
      1 << 20,
      "\u03b1".repeat(101),
    ]);
    // One read a string: whether it ends with the `]` of a truncation marker.
    assert.ok(reads <= 3, `${reads} characters read one at a time`);
    // Surrogate pairs still count once.
    const emoji = "\u{1F600}".repeat(3000);
    assert.equal(codePointLength(emoji), 3000);
    assert.equal(truncateString(emoji, 2048), `${"\u{1F600}".repeat(2032)}...[truncated:3000]`);
  });
});
