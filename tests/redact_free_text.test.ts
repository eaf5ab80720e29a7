// Free text (error messages, status messages, stack traces) can hold quotes that are not JSON: a
// `"key":` of JSON embedded anywhere in it has its value masked, whatever quotes come before, and
// the scan stays linear in the length of the text.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RedactionPolicy } from "../mod.ts";
import { seededRandom } from "./_support/seeded_random.ts";
import { serialize } from "../src/serialize/serialize.ts";

const R = "***REDACTED***";
const policy = new RedactionPolicy({ maxStringLength: 100_000 });

describe("RedactionPolicy.redactText with a URL quoted in the text", () => {
  it("masks the sensitive query parameters of each URL, as in url.full", () => {
    const cases: [string, string][] = [
      [
        "request to https://api.example.com/v1/chat?api_key=sk-1&x=1 failed, reason: ECONNRESET",
        `request to https://api.example.com/v1/chat?api_key=${R}&x=1 failed, reason: ECONNRESET`,
      ],
      // Several URLs; a fragment, a percent-encoded name, a nested name; a stack frame after it.
      [
        "GET /a?token=t-2#top then /b?q=1&access%5Ftoken=t-3\n    at f (x.js:1:2)",
        `GET /a?token=${R}#top then /b?q=1&access%5Ftoken=${R}\n    at f (x.js:1:2)`,
      ],
      [`fetch('/u?user[password]=p-4')`, `fetch('/u?user[password]=${R}')`],
      // Ended by a quote, escaped or not; JSON around it stays JSON.
      [
        `{"url":"https://h/p?secret=s-5","n":1}`,
        `{"url":"https://h/p?secret=${R}","n":1}`,
      ],
      [
        `Error: "{\\"url\\":\\"/p?password=s-6\\"}"`,
        `Error: "{\\"url\\":\\"/p?password=${R}\\"}"`,
      ],
      // A URL nested unencoded in another's parameter, URLs joined by a comma, a fragment's query,
      // escaped or encoded ampersands, `;` separators, an encoded query; a closing parenthesis.
      [
        "https://login/?next=https://app/cb?token=s-8",
        `https://login/?next=https://app/cb?token=${R}`,
      ],
      ["https://a/?x=1,https://b/?api_key=s-9", `https://a/?x=1,https://b/?api_key=${R}`],
      ["https://x/?v=1#/cb?access_token=s-10", `https://x/?v=1#/cb?access_token=${R}`],
      ["?a=1&amp;api_key=s-11 &#38;secret=s-12", `?a=1&amp;api_key=${R} &#38;secret=${R}`],
      ["?a=1\\u0026api_key=s-13", `?a=1\\u0026api_key=${R}`],
      ["/p?a=1;token=s-14", `/p?a=1;token=${R}`],
      ["/p%3Fapi_key%3Ds-15", `/p%3Fapi_key%3D${R}`],
      ["(see https://h/p?token=s-16), then", `(see https://h/p?token=${R}), then`],
      // No sensitive name, or no query: unchanged.
      ["what? /p?page=2&sort=asc ok?", "what? /p?page=2&sort=asc ok?"],
    ];
    for (const [text, expected] of cases) assert.equal(policy.redactText(text), expected, text);
  });

  it("masks them in the message and stack of an error nested in a value too", () => {
    const error = new Error("GET https://h/p?api_key=s-17 failed");
    const redacted = JSON.stringify(policy.redactValue(serialize({ cause: error }).value));
    assert.ok(!redacted.includes("s-17"), redacted);
    assert.ok(redacted.includes(`api_key=${R}`), redacted);
  });

  it("leaves the text alone when the policy is disabled", () => {
    const text = "request to https://h/p?api_key=sk-7 failed";
    assert.equal(new RedactionPolicy({ enabled: false }).redactText(text), text);
  });
});

describe("RedactionPolicy.redactText with quotes that are not JSON", () => {
  it("masks the value after a sensitive key whatever quotes come before it", () => {
    const cases: [string, string][] = [
      [
        `POST /v1/chat failed: body="{"api_key":"sk-1","model":"gpt"}"`,
        `POST /v1/chat failed: body="{"api_key":"${R}","model":"gpt"}"`,
      ],
      [
        `config 'x" rejected; response {"api_key":"sk-2"}`,
        `config 'x" rejected; response {"api_key":"${R}"}`,
      ],
      // Text that starts like JSON but is not.
      [
        `{"a":"b"} then 'x" rejected: {"token": {"v": [1, "}"]}, "n": 1}`,
        `{"a":"b"} then 'x" rejected: {"token": "${R}", "n": 1}`,
      ],
      // A number, a pair of a serialized Map, a value cut off at the end of the text.
      [`a" b {"password": 12345, "x": 1}`, `a" b {"password": "${R}", "x": 1}`],
      [`a" [["secret", "s-3"]]`, `a" [["secret", "${R}"]]`],
      [`a" b {"x":1,"token":"s-4`, `a" b {"x":1,"token":"${R}"`],
      [`a" b {"token":{"v":"s-5"`, `a" b {"token":"${R}"`],
      // A stray quote right before the key's own quote (`"x"api_key":…` is not JSON either).
      [`{"token":"t"api_key":"s-6"}`, `{"token":"${R}"api_key":"${R}"}`],
      // JSON escaped inside a quoted string, after prose.
      [
        `Error: "note: {\\"api_key\\":\\"s-7\\"}" at x`,
        `Error: "note: {\\"api_key\\":\\"${R}\\"}" at x`,
      ],
    ];
    for (const [text, expected] of cases) assert.equal(policy.redactText(text), expected, text);
  });

  it("leaves text with quotes but no sensitive key as it is", () => {
    const text = `Error: config 'x" is "bad": {"a": "b"}\n    at f (file:///"app".ts:1:1)`;
    assert.equal(policy.redactText(text), text);
    const named = `Error: field "token_count": 3 "x"`; // Not a sensitive key in "exact" mode.
    assert.equal(policy.redactText(named), named);
  });

  it("never lets a secret after a sensitive key through, for random free text", () => {
    const random = seededRandom(0x5eed);
    const pieces = ['"', '\\"', "\\", " ", "{", "}", "[", "]", ":", ",", "\n", "'", '"a":', "1"];
    for (let round = 0; round < 3000; round++) {
      let text = "Error: ";
      const secrets: string[] = [];
      const count = 1 + Math.floor(random() * 12);
      for (let i = 0; i < count; i++) {
        if (random() < 0.2) {
          const secret = `SECRET${round}x${i}Z`;
          const forms = [
            `"api_key": "${secret}"`,
            `"token":{"v":"${secret}"}`,
            `"password":${secret}`,
            `[["secret", "${secret}"]]`,
          ];
          // A quote after an odd number of backslashes is escaped: that key is not a key.
          const slashes = text.length - text.replace(/\\+$/, "").length;
          if (slashes % 2 === 0) secrets.push(secret);
          text += forms[Math.floor(random() * forms.length)];
        } else {
          text += pieces[Math.floor(random() * pieces.length)];
        }
      }
      const out = policy.redactText(text);
      for (const secret of secrets) assert.ok(!out.includes(secret), `${text}\n=> ${out}`);
    }
  });

  it("masks ~1 MB texts of hostile shapes (the scan is linear: quadratic work would take minutes here; no timing is asserted)", () => {
    // About 1 MB each: a quote on every stack frame, and many quoted keys, brackets and colons.
    const frames = Array.from(
      { length: 20_000 },
      (_, i) => `    at f${i} [as g] (file:///app/"mod${i}.ts:1:1)`,
    ).join("\n");
    const texts = [
      `Error: {"api_key":"SECRET"}\n${frames}`,
      `x" ${'"a": [{"b": "c", ["d", {"e": 1}]: '.repeat(25_000)}`,
      `x" ${'"token": "\\"'.repeat(80_000)}`,
      `x" ${'[["a", '.repeat(100_000)}`,
    ];
    const big = new RedactionPolicy({ maxStringLength: 2_000_000 });
    for (const text of texts.slice(1)) assert.equal(typeof big.redactText(text), "string");
    assert.ok(!big.redactText(texts[0]).includes("SECRET"));
  });
});

describe("RedactionPolicy.redactText of error text that is JSON", () => {
  it("masks JSON embedded in the strings of error text that is itself JSON", () => {
    const cases: [string, string][] = [
      // An API error body used as the message, whose message echoes the request body.
      [
        `{"error":{"message":"Invalid request body: {\\"api_key\\":\\"sk-1\\",\\"model\\":\\"x\\"}"}}`,
        `{"error":{"message":"Invalid request body: {\\"api_key\\":\\"${R}\\",\\"model\\":\\"x\\"}"}}`,
      ],
      [
        `{"error":"request failed: {\\"api_key\\":\\"sk-2\\"}"}`,
        `{"error":"request failed: {\\"api_key\\":\\"${R}\\"}"}`,
      ],
      [`["bad request: {\\"token\\":\\"sk-3\\"}"]`, `["bad request: {\\"token\\":\\"${R}\\"}"]`],
      // A quote that is not JSON inside the string, leading space.
      [
        ` {"detail":"token \\"x\\" rejected; {\\"token\\":\\"sk-4\\"}"}`,
        `{"detail":"token \\"x\\" rejected; {\\"token\\":\\"${R}\\"}"}`,
      ],
      // A repeated key (`JSON.parse` keeps the last copy): the text itself is masked as free text.
      [
        `{"a":"x {\\"token\\":\\"sk-5\\"}","a":1}`,
        `{"a":"x {\\"token\\":\\"${R}\\"}","a":1}`,
      ],
    ];
    for (const [text, expected] of cases) assert.equal(policy.redactText(text), expected, text);
    // Attribute values keep their rule: a JSON string's strings are not free text.
    const attribute = `{"m":"failed: {\\"token\\":1}"}`;
    assert.deepEqual(policy.redactAttributes({ a: attribute }), { a: attribute });
  });
});

describe("RedactionPolicy.redactText: where a masked value ends", () => {
  const frames = Array.from({ length: 200 }, (_, i) => `    at f${i} (file:///app/m${i}.ts:1:1)`)
    .join("\n");

  it("ends a bare value holding a quote at the line break, keeping the stack trace", () => {
    const text = `ValidationError: field "password": must match "^[a-z]+$"\n${frames}`;
    assert.equal(policy.redactText(text), `ValidationError: field "password": "${R}"\n${frames}`);
    const next = `Error: "password": a"b, c\n"api_key": k"2\nend`;
    assert.equal(policy.redactText(next), `Error: "password": "${R}"\n"api_key": "${R}"\nend`);
  });

  it("ends an object or array value left open where the stack trace starts", () => {
    const text = `Error: bad {"token": {"note": "5" tall"}} user "bob"\n${frames}`;
    assert.equal(policy.redactText(text), `Error: bad {"token": "${R}"\n${frames}`);
    const array = `Error: {"secret": ["a", "b\n    at x (y.ts:1:1)`;
    assert.equal(policy.redactText(array), `Error: {"secret": "${R}"\n    at x (y.ts:1:1)`);
  });

  it("masks the rest of an open value that goes on over lines that are no stack frames", () => {
    // Pretty-printed JSON cut short: the lines after the key are the value's, masked with it.
    const cut = `Error: {\n  "token": {\n    "a": "S1",\n    "b": "S2`;
    assert.equal(policy.redactText(cut), `Error: {\n  "token": "${R}"`);
    const beforeFrames = `Error: {"token": {\n "a": "S3",\n "b": "S4"\n${frames}`;
    assert.equal(policy.redactText(beforeFrames), `Error: {"token": "${R}"\n${frames}`);
  });
});

describe("RedactionPolicy.redactText on hostile text", () => {
  it("parses no piece of the text that is not JSON (a failed JSON.parse is slow)", () => {
    const big = new RedactionPolicy({ maxStringLength: 2_000_000 });
    const texts = [
      `x${'"{api_key'.repeat(50_000)}`,
      `x" "${"\\u0022{token".repeat(50_000)}"`,
      `x${'"{api_key}'.repeat(50_000)}`,
      `x${'"{\\"api_key\\"}'.repeat(50_000)}`,
      `x${'"[\\"token\\", 1'.repeat(50_000)}`,
    ];
    const parse = JSON.parse;
    let failed = 0;
    JSON.parse = (...args: Parameters<typeof parse>) => {
      try {
        return parse(...args);
      } catch (error) {
        failed++;
        throw error;
      }
    };
    try {
      for (const text of texts) {
        failed = 0;
        assert.equal(typeof big.redactText(text), "string");
        assert.ok(failed <= 1, `${failed} failed JSON.parse calls for ${text.slice(0, 30)}…`);
      }
    } finally {
      JSON.parse = parse;
    }
  });
});
