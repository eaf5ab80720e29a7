// Redaction runs on every exported span: its worst cases must stay linear in the input's length
// (a quadratic or exponential scan of one crafted attribute or error message stalls the export
// path). The time bounds are generous guards, not benchmarks: the inputs took seconds before.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RedactionPolicy } from "../mod.ts";

const policy = new RedactionPolicy();

/** Milliseconds `run` takes. */
function timed(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

/** JSON text as a JSON string whose quotes and backslashes are `\u` escapes (a few bytes a level). */
function encode(text: string): string {
  return '"' + text.replaceAll("\\", "\\u005c").replaceAll('"', "\\u0022") + '"';
}

// Outputs of the policy before these fixes, for ordinary inputs: they must not change.
const TEXTS: [string, string][] = [
  ['Error: {"api_key":"sk-1","model":"gpt"}', 'Error: {"api_key":"***REDACTED***","model":"gpt"}'],
  [
    'POST /v1 failed: body={\\"token\\":\\"abc\\",\\"n\\":1} retry',
    'POST /v1 failed: body={\\"token\\":\\"***REDACTED***\\",\\"n\\":1} retry',
  ],
  [
    "Error: {\\u0022api_key\\u0022:\\u0022sk-2\\u0022,\\u0022q\\u0022:\\u0022\\\\u0041\\u0022}",
    "Error: {\\u0022api_key\\u0022:\\u0022***REDACTED***\\u0022,\\u0022q\\u0022:\\u0022\\\\u0041\\u0022}",
  ],
  [
    'gateway: "{\\\\\\"password\\\\\\":\\\\\\"pw\\\\\\"}" and {\\\\\\u0022token\\\\\\u0022:1}',
    'gateway: "{\\\\\\"password\\\\\\":\\\\\\"***REDACTED***\\\\\\"}" and {\\\\\\"token\\\\\\":\\\\\\"***REDACTED***\\\\\\"}',
  ],
  ['Error: [["token","abc"],["user","bob"]]', 'Error: [["token","***REDACTED***"],["user","bob"]]'],
  [
    'Error: ["a",{"password":"p","x":"say \\"hi\\""}]\n    at f (x.js:1:1)',
    'Error: ["a",{"password":"***REDACTED***","x":"say \\"hi\\""}]\n    at f (x.js:1:1)',
  ],
  [
    'Error: upstream {"error":{"message":"bad {\\"secret\\":\\"s\\\\\\"q\\"}"}}',
    'Error: upstream {"error":{"message":"bad {\\"secret\\":\\"***REDACTED***\\"}"}}',
  ],
];
const ATTRIBUTES: [string, string][] = [
  [
    '{"max_tokens":5,"messages":[{"role":"user","content":"{\\"api_key\\":\\"k\\"}"}]}',
    '{"max_tokens":5,"messages":[{"role":"user","content":"{\\"api_key\\":\\"***REDACTED***\\"}"}]}',
  ],
  ['{"auth":{"api_key":"k"},"auth":null}', '{"auth":{"api_key":"***REDACTED***"},"auth":null}'],
  [
    '{"a":"{\\"api_key\\":\\"S\\"}","a":"x","max_tokens":1}',
    '{"a":"{\\"api_key\\":\\"***REDACTED***\\"}","a":"x","max_tokens":1}',
  ],
  [
    '{"api_key":"sk-abc","messages":[{"content":"hi',
    '{"api_key":"***REDACTED***","messages":[{"content":"hi',
  ],
  [
    '[["token",{"v":"\\u005c\\u0022"}],"{\\"refresh_token\\":[1,2]}"]',
    '[["token","***REDACTED***"],"{\\"refresh_token\\":\\"***REDACTED***\\"}"]',
  ],
];

describe("redaction worst cases", () => {
  it("redacts JSON nested in JSON strings once per level (it took time exponential in the depth)", () => {
    // `max_tokens` holds the key word `token`, so each level is also scanned for repeated keys.
    let text = '{"max_tokens":1}';
    for (let level = 0; level < 22; level++) text = `[${encode(text)}]`;
    let out: unknown;
    const elapsed = timed(() => out = policy.redactAttributes({ "gen_ai.request": text }));
    assert.equal(out && (out as Record<string, unknown>)["gen_ai.request"], text);
    assert.ok(elapsed < 1000, `took ${elapsed} ms`);
  });

  it("still masks a secret under an earlier copy of a repeated key in nested JSON", () => {
    let text = '{"a":"{\\"api_key\\":\\"SECRET-1\\"}","a":"x","max_tokens":1}';
    for (let level = 0; level < 4; level++) text = `[${encode(text)},"max_tokens"]`;
    const out = policy.redactAttributes({ body: text }).body as string;
    assert.ok(!out.includes("SECRET-1"), out);
  });

  it("reads long backslash runs in linear time (a regular expression took quadratic time)", () => {
    const run = "\\".repeat(100_000);
    for (const text of [`Error "x" \\u0041 ${run}y`, `token \\" ${run}y`]) {
      const elapsed = timed(() => policy.redactText(text));
      assert.ok(elapsed < 1000, `took ${elapsed} ms`);
    }
    // A run of backslashes before `u0022` or `"` is still read as the escape level.
    assert.equal(
      policy.redactText("Error: {\\\\\\u0022api_key\\\\\\u0022:\\\\\\u0022sk\\\\\\u0022} \\u0041"),
      "Error: {\\\\\\u0022api_key\\\\\\u0022:\\\\\\u0022***REDACTED***\\\\\\u0022} \\u0041",
    );
  });

  it("checks [key, value] pairs in free text in linear time (each rescanned its line)", () => {
    const text = "token [" + ',["a",b"'.repeat(25_000);
    const elapsed = timed(() => policy.redactText(text, { truncate: false }));
    assert.ok(elapsed < 1000, `took ${elapsed} ms`);
    // Pairs whose values end at the same line break, or run to the same stack frame line.
    const spaces = "\n" + " ".repeat(100_000);
    for (const crafted of ['["a",b"'.repeat(15_000) + spaces, '["a",['.repeat(15_000) + spaces]) {
      const took = timed(() => policy.redactText(`token [${crafted}at f (x.js:1:1)`));
      assert.ok(took < 1000, `took ${took} ms`);
    }
  });

  it("keeps the output of redacted nested JSON within a few times its input (it grew twofold a level)", () => {
    for (const [levels, inner] of [[22, '{"token":1}'], [34, '{"n":1}']] as const) {
      let text: string = inner;
      for (let level = 1; level <= levels; level++) text = "[" + encode(text) + "]";
      let out = "";
      const ms = timed(() =>
        out = String(policy.redactAttributes({ "gen_ai.request": text })["gen_ai.request"])
      );
      assert.ok(out.length <= 4 * text.length + 1024, `${levels} levels: ${out.length} chars`);
      // The secret's level grew past the bound, so the whole value is replaced (never exported).
      if (inner.includes("token")) assert.equal(out, policy.replacement);
      assert.ok(ms < 1000, `${levels} levels took ${ms} ms`);
    }
  });

  it("redacts ordinary error text and attributes as before", () => {
    for (const [text, expected] of TEXTS) assert.equal(policy.redactText(text), expected, text);
    for (const [text, expected] of ATTRIBUTES) {
      assert.equal(policy.redactAttributes({ x: text }).x, expected, text);
    }
  });
});
