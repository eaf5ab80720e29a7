// JSON escaped in error text (once or more, inside a quoted string or not, next to text that is no
// JSON string) has the values of its sensitive keys masked, with the replacement escaped as much as
// the value's quotes are.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RedactionPolicy } from "../mod.ts";
import { seededRandom } from "./_support/seeded_random.ts";

const R = "***REDACTED***";
const policy = new RedactionPolicy({ maxStringLength: 100_000 });

describe("RedactionPolicy.redactText with escaped JSON", () => {
  it("masks escaped JSON that is not inside a valid JSON string", () => {
    const cases: [string, string][] = [
      // A Windows path (`\d` is no JSON escape) in the same quoted string.
      [
        `Error: "cannot load D:\\data\\cfg.json: {\\"api_key\\":\\"sk-B\\"}"`,
        `Error: "cannot load D:\\data\\cfg.json: {\\"api_key\\":\\"${R}\\"}"`,
      ],
      // A raw line break or tab in the quoted string.
      [
        `Error: "upstream said\n{\\"api_key\\":\\"sk-C\\"}"`,
        `Error: "upstream said\n{\\"api_key\\":\\"${R}\\"}"`,
      ],
      [`Error: "body:\t{\\"api_key\\":\\"sk-D\\"}"`, `Error: "body:\t{\\"api_key\\":\\"${R}\\"}"`],
      // Not inside quotes at all; a number and an object as values.
      [
        `Error: body={\\"api_key\\":\\"sk-E\\",\\"password\\":123,\\"token\\":{\\"v\\":1}}`,
        `Error: body={\\"api_key\\":\\"${R}\\",\\"password\\":\\"${R}\\",\\"token\\":\\"${R}\\"}`,
      ],
      // Escaped twice, inside quotes, and echoed by a gateway's JSON body.
      [
        `Error: "{\\\\\\"api_key\\\\\\":\\\\\\"sk-F\\\\\\"}"`,
        `Error: "{\\\\\\"api_key\\\\\\":\\\\\\"${R}\\\\\\"}"`,
      ],
      [
        `Error: 502 {"message":"upstream: {\\\\\\"api_key\\\\\\":\\\\\\"sk-G\\\\\\"}"}`,
        `Error: 502 {"message":"upstream: {\\\\\\"api_key\\\\\\":\\\\\\"${R}\\\\\\"}"}`,
      ],
      // Quotes written as `\u0022`.
      [
        `Error: {\\u0022api_key\\u0022:\\u0022sk-H\\u0022}`,
        `Error: {\\u0022api_key\\u0022:\\u0022${R}\\u0022}`,
      ],
    ];
    for (const [text, expected] of cases) assert.equal(policy.redactText(text), expected, text);
  });

  it("escapes a replacement holding quotes as much as the value's quotes are", () => {
    const custom = new RedactionPolicy({ replacement: `<"hidden">` });
    const text = `Error: body={\\"api_key\\":\\"sk\\"} {\\\\\\"token\\\\\\":1}`;
    const out = custom.redactText(text);
    assert.equal(
      out,
      `Error: body={\\"api_key\\":\\"<\\\\\\"hidden\\\\\\">\\"} ` +
        `{\\\\\\"token\\\\\\":\\\\\\"<\\\\\\\\\\\\\\"hidden\\\\\\\\\\\\\\">\\\\\\"}`,
    );
    // Unescaped once, the first object is JSON again, with the replacement as its value.
    const once = JSON.parse(`"${out.slice("Error: body=".length, out.indexOf("} ") + 1)}"`);
    assert.deepEqual(JSON.parse(once), { api_key: `<"hidden">` });
  });

  it("masks the whole of a value holding a quote escaped once more than its own quotes", () => {
    const body = JSON.stringify({ password: 'hunter2"TAIL-SECRET', user: "bob" });
    const once = JSON.stringify(body).slice(1, -1);
    const twice = JSON.stringify(JSON.stringify(body)).slice(1, -1);
    const nested = JSON.stringify(JSON.stringify({ token: { v: 'a"}TAIL-SECRET' }, user: "bob" }));
    // Written as .NET does (quotes as `\u0022`), then escaped again: the key's quotes are
    // `\\u0022`, the quote inside the value `\\\\\\u0022`.
    const dotnet = JSON.stringify(body.replaceAll("\\", "\\\\").replaceAll('"', "\\u0022"));
    const cases: [string, string][] = [
      [
        `HTTP 400: body=${once}`,
        `HTTP 400: body={\\"password\\":\\"${R}\\",\\"user\\":\\"bob\\"}`,
      ],
      [
        `x ${twice}`,
        `x \\"{\\\\\\"password\\\\\\":\\\\\\"${R}\\\\\\",\\\\\\"user\\\\\\":\\\\\\"bob\\\\\\"}\\"`,
      ],
      [
        `HTTP 400: body=${nested.slice(1, -1)}`,
        `HTTP 400: body={\\"token\\":\\"${R}\\",\\"user\\":\\"bob\\"}`,
      ],
      [
        `HTTP 400: body=${dotnet}`,
        `HTTP 400: body="{\\\\u0022password\\\\u0022:\\\\u0022${R}\\\\u0022,` +
        `\\\\u0022user\\\\u0022:\\\\u0022bob\\\\u0022}"`,
      ],
    ];
    for (const [text, expected] of cases) {
      const out = policy.redactText(text);
      assert.ok(!out.includes("TAIL-SECRET"), `${text}\n=> ${out}`);
      assert.equal(out, expected, text);
    }
  });

  it("leaves escaped JSON without a sensitive key as it is", () => {
    const text = `Error: "D:\\data" body={\\"model\\":\\"gpt\\",\\"tokens_used\\":3} "a\\"b"`;
    assert.equal(policy.redactText(text), text);
  });

  it("never lets a secret of escaped JSON through, for random text around it", () => {
    const random = seededRandom(0xe5c);
    const pieces = ['"', '\\"', "\\", "\\d", " ", "{", "}", ":", ",", "\n", "\t", "'", '"a":', "1"];
    for (let round = 0; round < 2000; round++) {
      let text = "Error: ";
      const secrets: string[] = [];
      const count = 1 + Math.floor(random() * 10);
      for (let i = 0; i < count; i++) {
        if (random() < 0.25) {
          const secret = `SECRET${round}x${i}Z`;
          const value = [{ api_key: secret }, { token: { v: secret } }, { password: [secret] }];
          let json = JSON.stringify(value[Math.floor(random() * value.length)]);
          // Escaped 1 to 3 times, with or without its outer quotes.
          const times = 1 + Math.floor(random() * 3);
          for (let t = 0; t < times; t++) json = JSON.stringify(json);
          text += random() < 0.5 ? json : json.slice(1, -1);
          secrets.push(secret);
        } else {
          text += pieces[Math.floor(random() * pieces.length)];
        }
      }
      const out = policy.redactText(text);
      for (const secret of secrets) assert.ok(!out.includes(secret), `${text}\n=> ${out}`);
    }
  });
});
