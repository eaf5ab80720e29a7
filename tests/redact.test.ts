import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  codePointLength,
  createRedactionPolicy,
  DEFAULT_REDACTED_KEYS,
  getRedactionPolicy,
  normalizeKey,
  RedactingExporter,
  RedactionPolicy,
  setRedactionPolicy,
  SimpleSpanProcessor,
  Tracer,
  truncateString,
} from "../mod.ts";
import type { Attributes, JsonObject, JsonValue, SpanRecord } from "../mod.ts";
import { taskSpan } from "../src/task/mod.ts";
import { captureDiagnostics, MemoryExporter } from "./_support/collect.ts";
import { withTaskEnv } from "./_support/task_env.ts";

const R = "***REDACTED***";

function casings(key: string): string[] {
  const upper = key.toUpperCase();
  const title = key.replace(
    /(^|[-_])([a-z])/g,
    (_m, sep: string, c: string) => sep + c.toUpperCase(),
  );
  return [key, upper, title];
}

describe("RedactionPolicy keys", () => {
  it("has the seeds' keys plus common variants by default", () => {
    for (
      const key of [
        "api_key",
        "token",
        "authorization",
        "password",
        "secret",
        "access_token",
        "refresh_token",
        "apiKey",
        "api-key",
        "x-api-key",
        "cookie",
        "set-cookie",
        "client_secret",
        "private_key",
        "proxy-authorization",
        "x-auth-token",
      ]
    ) {
      assert.ok(DEFAULT_REDACTED_KEYS.includes(key), key);
    }
  });

  it("redacts every default key in nested objects and arrays, in any casing", () => {
    const policy = new RedactionPolicy();
    for (const key of DEFAULT_REDACTED_KEYS) {
      for (const variant of casings(key)) {
        const input = {
          outer: [{ deep: { [variant]: "s3cr3t", keep: "visible" } }],
          [variant]: { any: "shape" },
        };
        const out = policy.redactValue(input) as JsonObject;
        assert.deepEqual(out, {
          outer: [{ deep: { [variant]: R, keep: "visible" } }],
          [variant]: R,
        }, variant);
      }
    }
  });

  it("normalizes keys: lower-case, without - and _", () => {
    assert.equal(normalizeKey("X-Api_KEY"), "xapikey");
    const policy = new RedactionPolicy();
    for (
      const key of [
        "apiKey",
        "API_KEY",
        "Api-Key",
        "accessToken",
        "ClientSecret",
        "privateKey",
        "Set-Cookie",
      ]
    ) {
      assert.equal(policy.isSensitiveKey(key), true, key);
    }
    for (
      const key of ["openai_api_key", "max_tokens", "input_tokens", "password_hint", "name", ""]
    ) {
      assert.equal(policy.isSensitiveKey(key), false, key);
    }
  });

  it("matches the last segment of dotted keys (OpenTelemetry header attributes)", () => {
    const policy = new RedactionPolicy();
    assert.equal(policy.isSensitiveKey("http.request.header.authorization"), true);
    assert.equal(policy.isSensitiveKey("http.response.header.set-cookie"), true);
    assert.equal(policy.isSensitiveKey("gen_ai.usage.input_tokens"), false);
  });

  it("supports substring mode for keys such as openai_api_key", () => {
    const policy = new RedactionPolicy({ mode: "substring" });
    assert.equal(policy.isSensitiveKey("openai_api_key"), true);
    assert.equal(policy.isSensitiveKey("DB_PASSWORD_PROD"), true);
    assert.equal(policy.isSensitiveKey("model"), false);
  });

  it("accepts a replacement list, extra keys and a matcher", () => {
    const custom = new RedactionPolicy({ keys: ["ssn"] });
    assert.equal(custom.isSensitiveKey("SSN"), true);
    assert.equal(custom.isSensitiveKey("password"), false, "keys replaces the defaults");

    const extra = createRedactionPolicy({ extraKeys: ["session_key"] });
    assert.equal(extra.isSensitiveKey("sessionKey"), true);
    assert.equal(extra.isSensitiveKey("password"), true, "extraKeys keeps the defaults");

    const matcher = new RedactionPolicy({ matcher: (key) => key.startsWith("pii_") });
    assert.deepEqual(matcher.redactValue({ pii_email: "a@b.c", email: "x" }), {
      pii_email: R,
      email: "x",
    });

    const throwing = new RedactionPolicy({
      matcher: () => {
        throw new Error("bad matcher");
      },
    });
    assert.equal(throwing.isSensitiveKey("harmless"), false);
  });

  it("uses a custom replacement and can be disabled", () => {
    const policy = new RedactionPolicy({ replacement: "[hidden]" });
    assert.deepEqual(policy.redactValue({ token: "t" }), { token: "[hidden]" });
    const off = new RedactionPolicy({ enabled: false });
    const value = { token: "t", long: "x".repeat(5000) };
    assert.equal(off.redactValue(value), value);
    const attrs: Attributes = { token: "t" };
    assert.equal(off.redactAttributes(attrs), attrs);
  });
});

describe("truncation", () => {
  it("keeps the first max-16 code points and notes the original length (DRA rule)", () => {
    const text = "a".repeat(3000);
    const cut = truncateString(text);
    assert.equal(cut, "a".repeat(2032) + "...[truncated:3000]");
    assert.equal(
      truncateString("a".repeat(2048)),
      "a".repeat(2048),
      "exactly at the limit: unchanged",
    );
    assert.equal(truncateString("abc", 2), "...[truncated:3]");
  });

  it("counts code points, never splitting an emoji", () => {
    const emoji = "😀".repeat(30); // 30 code points, 60 UTF-16 units
    assert.equal(codePointLength(emoji), 30);
    assert.equal(truncateString(emoji, 30), emoji, "30 code points fit a 30 limit");
    assert.equal(truncateString(emoji, 20), "😀".repeat(4) + "...[truncated:30]");
    const mixed = "é😀x".repeat(1000); // 3000 code points
    const cut = truncateString(mixed);
    assert.ok(cut.endsWith("...[truncated:3000]"));
    assert.equal(codePointLength(cut.slice(0, cut.indexOf("...[truncated"))), 2032);
  });

  it("can be skipped with truncate: false while keys are still masked", () => {
    const policy = new RedactionPolicy({ maxStringLength: 20 });
    const long = "x".repeat(25);
    const value = { a: long, nested: JSON.stringify({ token: "t", b: long }) };
    assert.deepEqual(policy.redactValue(value, { truncate: false }), {
      a: long,
      nested: JSON.stringify({ token: R, b: long }),
    });
    const clean = { a: long };
    assert.equal(policy.redactValue(clean, { truncate: false }), clean);
  });

  it("is applied by redactValue with the policy's limit", () => {
    const policy = new RedactionPolicy({ maxStringLength: 20 });
    assert.deepEqual(policy.redactValue({ a: ["x".repeat(25), "short"] }), {
      a: ["xxxx...[truncated:25]", "short"],
    });
  });
});

describe("redactAttributes", () => {
  const policy = new RedactionPolicy({ maxStringLength: 64 });

  it("returns the same object when nothing changes", () => {
    const attrs: Attributes = { name: "x", n: 3, tags: ["a", "b"], json: '{"q":"hello"}' };
    assert.equal(policy.redactAttributes(attrs), attrs);
  });

  it("redacts top-level keys and truncates long strings without mutating the input", () => {
    const attrs: Attributes = {
      "Authorization": "Bearer abc",
      text: "t".repeat(100),
      list: ["u".repeat(80)],
    };
    const out = policy.redactAttributes(attrs);
    assert.notEqual(out, attrs);
    assert.equal(out.Authorization, R);
    assert.equal(out.text, "t".repeat(48) + "...[truncated:100]");
    assert.deepEqual(out.list, ["u".repeat(48) + "...[truncated:80]"]);
    assert.equal(attrs.Authorization, "Bearer abc");
  });

  it("redacts inside JSON-string attribute values", () => {
    const attrs: Attributes = {
      "dreadnode.inputs": JSON.stringify([{
        name: "req",
        value: { headers: { Authorization: "Bearer x" } },
      }]),
      "tool.arguments": '{"headers":{"Authorization":"Bearer y"},"q":"hi"}',
      "not.json": "{ this is not json password",
    };
    const out = policy.redactAttributes(attrs);
    assert.deepEqual(JSON.parse(out["dreadnode.inputs"] as string), [
      { name: "req", value: { headers: { Authorization: R } } },
    ]);
    assert.deepEqual(JSON.parse(out["tool.arguments"] as string), {
      headers: { Authorization: R },
      q: "hi",
    });
    assert.equal(out["not.json"], "{ this is not json password");
  });

  it("keeps a long JSON attribute valid JSON, truncating the strings inside it", () => {
    const attrs: Attributes = { payload: JSON.stringify({ text: "w".repeat(200), ok: 1 }) };
    const out = policy.redactAttributes(attrs);
    assert.deepEqual(JSON.parse(out.payload as string), {
      text: "w".repeat(48) + "...[truncated:200]",
      ok: 1,
    });
  });

  it("redacts JSON strings nested inside JSON values", () => {
    const inner = JSON.stringify({ api_key: "sk-1" });
    const out = policy.redactValue({ args: inner });
    assert.deepEqual(out, { args: JSON.stringify({ api_key: R }) });
  });
});

describe("redacting JSON text that does not parse or hides its keys", () => {
  const policy = new RedactionPolicy();

  it("masks every secret in JSON cut at any length, keeping the rest", () => {
    // Every secret is made of "Q"s (or 9s), which appear nowhere else in the text.
    const text = JSON.stringify({
      a: 1,
      headers: { authorization: 'Bearer QQ"Q\\QQ\u00e9Q' },
      token: 99999,
      secret: { nested: ["QQ", { x: "QQQ" }] },
      body: JSON.stringify({ api_key: "QQQQ", note: "hi" }),
      deep: JSON.stringify({ inner: JSON.stringify({ client_secret: "QQQQ" }) }),
      entries: [[1, "a"], ["password", "QQQQ"]],
      "x-api-key": "QQQ",
      tail: "kept",
    });
    for (let length = 0; length <= text.length; length++) {
      const out = policy.redactAttributes({ v: text.slice(0, length) }).v as string;
      assert.ok(!/Q|99/.test(out), `cut at ${length}: ${out}`);
    }
    const cut = policy.redactAttributes({ v: text.slice(0, -2) }).v as string;
    assert.ok(cut.startsWith(`{"a":1,"headers":{"authorization":"${R}"},"token":"${R}"`), cut);
    assert.ok(cut.includes(`"note\\":\\"hi\\"`), cut);
    assert.ok(cut.endsWith('"tail":"kept'), cut);
  });

  it("leaves text that only looks like JSON alone", () => {
    for (const text of ["[INFO] token expired", '{"a":"b", "c":', "[1, 2"]) {
      assert.equal(policy.redactAttributes({ v: text }).v, text);
    }
  });

  it("redacts JSON strings inside string-array attributes", () => {
    const out = policy.redactAttributes({
      "llm.prompts": ['{"api_key":"sk-A"}', "plain", " [1]"],
    });
    assert.deepEqual(out["llm.prompts"], [`{"api_key":"${R}"}`, "plain", " [1]"]);
  });

  it("parses JSON text with leading whitespace", () => {
    const out = policy.redactAttributes({ req: ' \n {"password":"sk-C"}' });
    assert.deepEqual(JSON.parse(out.req as string), { password: R });
  });

  it("finds sensitive keys spelled with escapes", () => {
    const out = policy.redactAttributes({ x: '{"api\\u005fkey":"sk-J"}' });
    assert.deepEqual(JSON.parse(out.x as string), { api_key: R });
  });

  it("masks the value of a [key, value] pair with a sensitive key (a serialized Map entry)", () => {
    const out = policy.redactValue({ m: [[1, "a"], ["password", "sk-D"], ["name", "x"]] });
    assert.deepEqual(out, { m: [[1, "a"], ["password", R], ["name", "x"]] });
    const three = ["token", "a", "b"];
    assert.equal((policy.redactValue([three]) as JsonValue[])[0], three);
  });

  it("in cut JSON, masks [key, value] pairs but leaves other arrays of strings alone", () => {
    const scopes = JSON.stringify({ scopes: ["token", "openid", "profile"], x: "y".repeat(50) });
    const nested = JSON.stringify({ lists: [["password", "a", "b"], ["token", "c", "d"], "z"] });
    for (const text of [scopes, nested]) {
      const cut = text.slice(0, -5);
      assert.equal(policy.redactAttributes({ v: cut }).v, cut);
    }
    const map = JSON.stringify({ m: [[1, "a"], ["password", "sk-E"], ["name", "x"]], x: "yyyy" });
    for (const length of [map.length - 3, map.indexOf("sk-E") + 2]) {
      const out = policy.redactAttributes({ v: map.slice(0, length) }).v as string;
      assert.ok(out.startsWith(`{"m":[[1,"a"],["password","${R}"`), out);
      assert.ok(!out.includes("sk-"), out);
    }
    const top = policy.redactAttributes({ v: '[["token", "sk-F"], ["x"' }).v;
    assert.equal(top, `[["token", "${R}"], ["x"`);
  });

  it("scans cut JSON in linear time, even with deeply nested [key, value] candidates", () => {
    const small = "[" + '["a",'.repeat(3) + '"token"';
    assert.equal(policy.redactAttributes({ v: small }).v, small);
    const pairs = "[" + '["a",'.repeat(3) + '["token","sk-G"],["b"';
    const masked = "[" + '["a",'.repeat(3) + `["token","${R}"],["b"`;
    assert.equal(policy.redactAttributes({ v: pairs }).v, masked);
    // A 200k-character text that does not parse: a quadratic scan took many seconds; a linear
    // one takes milliseconds (the bound is a generous guard, not a benchmark).
    const crafted = "[" + '["a",'.repeat(40_000) + '["token","sk-H"]';
    const started = performance.now();
    const out = policy.redactAttributes({ v: crafted }).v as string;
    const elapsed = performance.now() - started;
    assert.ok(!out.includes("sk-H"));
    assert.ok(elapsed < 2000, `took ${elapsed} ms`);
  });

  it("masks a secret under an earlier copy of a repeated key (JSON.parse keeps the last)", () => {
    const text = '{"auth":{"api_key":"hunter2"},"auth":null}';
    const masked = `{"auth":{"api_key":"${R}"},"auth":null}`;
    assert.equal(policy.redactAttributes({ body: text }).body, masked);
    assert.deepEqual(policy.redactValue({ body: text }), { body: masked });
    const args = '{"config":{"api_key":"sk-live-123"},"config":{"model":"gpt"}}';
    assert.ok(!(policy.redactAttributes({ args }).args as string).includes("sk-live"));
    const matcher = new RedactionPolicy({ matcher: (key) => key === "mine" });
    const own = '{"a":{"mine":"sk-K"},"a":1}';
    assert.equal(matcher.redactAttributes({ v: own }).v, `{"a":{"mine":"${R}"},"a":1}`);
    // Text without a sensitive key is kept byte for byte, repeated keys and spacing included.
    for (const kept of ['{"a": 1, "a": 2}', '{ "note": "token expired", "note": "x" }']) {
      assert.equal(policy.redactAttributes({ v: kept }).v, kept);
    }
  });
});

describe("attributes keyed by names (dreadnode.metrics, dreadnode.object_schemas)", () => {
  const substring = new RedactionPolicy({ mode: "substring" });
  const series = (value: number, attributes: JsonObject = {}) => ({
    values: [value],
    steps: [0],
    timestamps: ["2026-01-02T03:04:05.123000+00:00"],
    attributes: [attributes],
  });
  const metrics = (policy: RedactionPolicy, value: JsonObject) =>
    JSON.parse(
      policy.redactAttributes({ "dreadnode.metrics": JSON.stringify(value) })[
        "dreadnode.metrics"
      ] as string,
    );

  it("keeps the series of a metric named token, masking secrets in its point attributes", () => {
    const policy = new RedactionPolicy();
    const out = metrics(policy, {
      token: series(512),
      "train.password": series(1),
      loss: series(0.5, { token: "sk-P", n: 1, auth: { api_key: "sk-Q" } }),
    });
    assert.deepEqual(out.token, series(512));
    assert.deepEqual(out["train.password"], series(1));
    assert.deepEqual(out.loss.attributes, [{ token: R, n: 1, auth: { api_key: R } }]);
  });

  it("keeps total_tokens and output_tokens in substring mode", () => {
    const out = metrics(substring, {
      total_tokens: series(1234),
      output_tokens: series(99, { max_tokens: 256, split: "dev" }),
    });
    assert.deepEqual(out.total_tokens, series(1234));
    assert.deepEqual(out.output_tokens, series(99, { max_tokens: R, split: "dev" }));
  });

  it("still masks anything but a series under a sensitive name, and only in these attributes", () => {
    const policy = new RedactionPolicy();
    const wrong = { token: "sk-R", secret: [1, 2], password: 3, loss: series(1) };
    assert.deepEqual(metrics(policy, wrong), { token: R, secret: R, password: R, loss: series(1) });
    const text = JSON.stringify({ token: series(1), api_key: { value: "sk-S" } });
    const out = policy.redactAttributes({
      "dreadnode.params": text,
      "dreadnode.inputs": text,
      "my.metrics": text,
      "dreadnode.params.x": JSON.stringify({ api_key: "sk-T" }),
    });
    for (const key of ["dreadnode.params", "dreadnode.inputs", "my.metrics"]) {
      assert.deepEqual(JSON.parse(out[key] as string), { token: R, api_key: R }, key);
    }
    assert.deepEqual(JSON.parse(out["dreadnode.params.x"] as string), { api_key: R });
  });

  it("treats metrics JSON cut by a length limit the same way", () => {
    const text = JSON.stringify({
      token: series(512),
      total_tokens: series(7, { token: "QQQQ", note: JSON.stringify({ secret: "QQ" }) }),
      loss: series(0.5),
    });
    const head = JSON.stringify({ token: series(512) }).slice(0, -1);
    for (const policy of [new RedactionPolicy(), substring]) {
      for (let length = 1; length < text.length; length++) {
        const out = policy.redactAttributes({ "dreadnode.metrics": text.slice(0, length) })[
          "dreadnode.metrics"
        ] as string;
        assert.ok(!out.includes("QQ"), `${policy.mode}, cut at ${length}: ${out}`);
        if (length >= head.length) assert.ok(out.startsWith(head), `cut at ${length}: ${out}`);
        if (length > text.indexOf('"loss"')) {
          assert.ok(out.includes(`"total_tokens":{"values":[7]`), `cut at ${length}: ${out}`);
        }
      }
    }
  });

  it("leaves JSON schemas whole when properties are named like sensitive keys", () => {
    const schemas = JSON.stringify({
      "13ea03080899228d": {
        type: "object",
        properties: {
          password: { type: "object", properties: { salt: { type: "array" } } },
          total_tokens: { type: "array", items: { type: "integer" } },
          pairs: { type: "array", prefixItems: [{ type: "object", title: "Token" }] },
        },
      },
    });
    for (const policy of [new RedactionPolicy(), substring]) {
      for (const text of [schemas, schemas.slice(0, -7)]) {
        const out = policy.redactAttributes({ "dreadnode.object_schemas": text });
        assert.equal(out["dreadnode.object_schemas"], text, policy.mode);
      }
    }
  });

  it("masks anything but a series or a schema under a sensitive name, parsed or cut", () => {
    const policy = new RedactionPolicy();
    const redact = (key: string, text: string) =>
      policy.redactAttributes({ [key]: text })[key] as string;
    const leaks: [string, JsonValue][] = [
      ["dreadnode.metrics", { password: { value: "hunter2" } }],
      ["dreadnode.metrics", { token: { values: ["hunter2"] } }],
      ["dreadnode.metrics", { token: { values: [1], attributes: "hunter2" } }],
      ["dreadnode.metrics", { token: { ...series(1), timestamps: ["hunter2"] } }],
      ["dreadnode.metrics", { token: { ...series(1), note: "hunter2" } }],
      ["dreadnode.object_schemas", { h: { properties: { password: { default: "hunter2" } } } }],
      ["dreadnode.object_schemas", { h: { properties: { token: { type: "hunter2" } } } }],
      ["dreadnode.object_schemas", { token: { properties: { x: { const: "hunter2" } } } }],
      ["dreadnode.object_schemas", { token: { items: { examples: ["hunter2"] } } }],
    ];
    for (const [key, value] of leaks) {
      const text = JSON.stringify(value);
      for (const cut of [text, text.slice(0, -1), text.slice(0, -2)]) {
        const out = redact(key, cut);
        assert.ok(!out.includes("hunter2"), `${key} ${cut}: ${out}`);
        assert.ok(out.includes(R), `${key} ${cut}: ${out}`);
      }
    }
    const kept = JSON.stringify({ token: series(1), loss: series(2) });
    assert.equal(redact("dreadnode.metrics", kept), kept);
  });

  it("never keeps an earlier copy of a repeated key inside a name's value, parsed or cut", () => {
    const policy = new RedactionPolicy();
    const redact = (key: string, text: string) =>
      policy.redactAttributes({ [key]: text })[key] as string;
    const cases: [string, string, string][] = [
      [
        "dreadnode.metrics",
        '{"token":{"values":["hunter2"],"values":[1]},"loss":{"values":[0.5]}}',
        '{"token":{"values":[1]},"loss":{"values":[0.5]}}',
      ],
      [
        "dreadnode.metrics",
        '{"token":{"attributes":"hunter2","attributes":[]},"x":"y"}',
        '{"token":{"attributes":[]},"x":"y"}',
      ],
      [
        "dreadnode.object_schemas",
        '{"h":{"properties":{"password":{"type":"hunter2","type":"string"}},"title":"x"}}',
        '{"h":{"properties":{"password":{"type":"string"}},"title":"x"}}',
      ],
    ];
    for (const [key, text, expected] of cases) {
      assert.equal(redact(key, text), expected, text);
      assert.equal(redact(key, text.slice(0, -2)), expected.slice(0, -2), text);
    }
  });

  it("in cut JSON, masks a name's value cut off and never counts stray brackets as levels", () => {
    const policy = new RedactionPolicy();
    const redact = (text: string) =>
      policy.redactAttributes({ "dreadnode.metrics": text })["dreadnode.metrics"];
    const cutSeries = JSON.stringify({ token: series(1) }).slice(0, 30);
    assert.equal(redact(cutSeries), `{"token":"${R}"`);
    const stray = '{"a":{"b":1}}}}{"x":{"password":{"v":"hunter2"';
    assert.equal(redact(stray), `{"a":{"b":1}}}}{"x":{"password":"${R}"`);
    // Below the first level a series under a sensitive key is masked, as in parsed JSON.
    const deeper = JSON.stringify({ x: { token: series(1) } });
    assert.equal(JSON.parse(redact(deeper) as string).x.token, R);
    const strayDeeper = `{"a":1}}}${deeper.slice(0, -1)},"y":"`;
    assert.ok((redact(strayDeeper) as string).includes(`"x":{"token":"${R}"}`));
  });

  it("never treats [key, value] pairs as names", () => {
    const policy = new RedactionPolicy();
    for (const key of ["dreadnode.metrics", "dreadnode.object_schemas"]) {
      const text = JSON.stringify([["token", series(1)], ["password", { type: "string" }]]);
      for (const cut of [text, text.slice(0, -1)]) {
        const out = policy.redactAttributes({ [key]: cut })[key] as string;
        assert.ok(out.startsWith(`[["token","${R}"],["password","${R}"`), `${key}: ${out}`);
      }
    }
  });

  it("exports a task's metric named token and its input's schema intact", async () => {
    await withTaskEnv(() => {
      const t = taskSpan("t");
      t.logMetric("token", 512);
      t.logMetric("loss", 0.5, { attributes: { token: "sk-U" } });
      t.logInput("creds", { user: "u", password: { hash: "sk-V", salt: [1, 2] } });
      const state = t.stateAttributes();
      t.end();
      const out = new RedactionPolicy().redactAttributes(state);
      const json = (key: string) => JSON.parse(out[key] as string);
      assert.deepEqual(json("dreadnode.metrics").token.values, [512]);
      assert.deepEqual(json("dreadnode.metrics").loss.attributes, [{ token: R }]);
      const [schema] = Object.values(json("dreadnode.object_schemas")) as JsonObject[];
      assert.deepEqual(Object.keys((schema.properties as JsonObject).password as JsonObject), [
        "type",
        "properties",
      ]);
      assert.ok(!JSON.stringify(out).includes("sk-"));
    });
  });
});

describe("redactHeaders", () => {
  it("redacts a Headers object, pairs and a record", () => {
    const policy = new RedactionPolicy();
    const headers = new Headers({
      Authorization: "Bearer x",
      "X-Api-Key": "k",
      Accept: "text/plain",
    });
    assert.deepEqual(policy.redactHeaders(headers), {
      accept: "text/plain",
      authorization: R,
      "x-api-key": R,
    });
    assert.deepEqual(policy.redactHeaders([["Cookie", "a=1"], ["Host", "h"]]), {
      Cookie: R,
      Host: "h",
    });
    assert.deepEqual(
      policy.redactHeaders({ "Set-Cookie": ["a", "b"], "Content-Length": 3, skip: undefined }),
      {
        "Set-Cookie": R,
        "Content-Length": "3",
      },
    );
  });
});

describe("default policy", () => {
  it("is shared through a global slot and can be replaced and restored", () => {
    const original = getRedactionPolicy();
    assert.equal(getRedactionPolicy(), original);
    const previous = setRedactionPolicy({ extraKeys: ["pin"] });
    try {
      assert.equal(previous, original);
      assert.equal(getRedactionPolicy().isSensitiveKey("PIN"), true);
      const mine = new RedactionPolicy();
      setRedactionPolicy(mine);
      assert.equal(getRedactionPolicy(), mine);
    } finally {
      setRedactionPolicy(undefined);
    }
    assert.equal(getRedactionPolicy().isSensitiveKey("pin"), false);
  });
});

describe("RedactingExporter", () => {
  function run(exporter: RedactingExporter, body: (tracer: Tracer) => void): Promise<unknown> {
    const tracer = new Tracer({ processors: [new SimpleSpanProcessor(exporter)] });
    body(tracer);
    return tracer.shutdown();
  }

  it("hands the inner exporter redacted attributes, event and link attributes", async () => {
    const inner = new MemoryExporter();
    await run(new RedactingExporter(inner), (tracer) => {
      const linked = tracer.startSpan("linked");
      linked.end();
      tracer.withSpan("call", (span) => {
        span.setAttribute("api_key", "sk-live-123");
        span.setAttribute("request", { headers: { authorization: "Bearer abc" }, model: "m" });
        span.addEvent("retry", { password: "hunter2", attempt: 2 });
        span.addLink({ context: linked.spanContext(), attributes: { token: "t" } });
      });
    });
    const call = inner.spans.find((s) => s.name === "call")!;
    assert.equal(call.attributes.api_key, R);
    assert.deepEqual(JSON.parse(call.attributes.request as string), {
      headers: { authorization: R },
      model: "m",
    });
    assert.deepEqual(call.events[0].attributes, { password: R, attempt: 2 });
    assert.equal(call.events[0].name, "retry");
    assert.deepEqual(call.links[0].attributes, { token: R });
    assert.equal(typeof call.spanId, "string");
    assert.ok(call.endTime >= call.startTime);
    assert.ok(!JSON.stringify(inner.spans).includes("sk-live-123"));
    assert.ok(!JSON.stringify(inner.spans).includes("hunter2"));
  });

  it("never exports a secret of a JSON attribute cut by the span's length limit", async () => {
    const inner = new MemoryExporter();
    const tracer = new Tracer({
      limits: { attributeValueLengthLimit: 1024 },
      processors: [new SimpleSpanProcessor(new RedactingExporter(inner))],
    });
    tracer.withSpan("call", (span) => {
      span.setAttribute("http.request", {
        headers: { authorization: "Bearer sk-LEAKED-1" },
        body: "x".repeat(3000),
      });
    });
    await tracer.shutdown();
    const value = inner.spans[0].attributes["http.request"] as string;
    assert.ok(!value.includes("sk-LEAKED"), value.slice(0, 80));
    assert.ok(value.startsWith(`{"headers":{"authorization":"${R}"},"body":"xxx`));
  });

  it("passes spans with nothing to redact through unchanged (same objects)", async () => {
    const inner = new MemoryExporter();
    const spans: SpanRecord[] = [];
    await run(new RedactingExporter(inner), (tracer) => {
      tracer.withSpan("clean", (span) => {
        span.setAttribute("model", "gpt");
        spans.push(span);
      });
    });
    assert.equal(inner.spans[0], spans[0]);
  });

  it("uses its own policy or the current default one", async () => {
    const own = new MemoryExporter();
    await run(new RedactingExporter(own, new RedactionPolicy({ keys: ["model"] })), (tracer) => {
      tracer.withSpan("s", (span) => span.setAttributes({ model: "m", token: "t" }));
    });
    assert.deepEqual(own.spans[0].attributes, { model: R, token: "t" });

    const previous = setRedactionPolicy({ extraKeys: ["user_email"] });
    try {
      const global = new MemoryExporter();
      await run(new RedactingExporter(global), (tracer) => {
        tracer.withSpan("s", (span) => span.setAttribute("userEmail", "a@b.c"));
      });
      assert.equal(global.spans[0].attributes.userEmail, R);
    } finally {
      setRedactionPolicy(previous);
    }
  });

  it("drops (never exports unredacted) a batch whose redaction fails", async () => {
    const inner = new MemoryExporter();
    const broken = new RedactionPolicy();
    broken.redactAttributes = () => {
      throw new Error("broken policy");
    };
    const exporter = new RedactingExporter(inner, broken);
    const { result, diagnostics } = await captureDiagnostics(() =>
      exporter.export([
        { attributes: { token: "t" }, events: [], links: [] } as unknown as SpanRecord,
      ])
    );
    assert.deepEqual(result.dropped, { redaction_failed: 1 });
    assert.equal(inner.spans.length, 0);
    assert.ok(diagnostics.some((d) => d.code === "redaction_failed"));
  });

  it("forwards forceFlush and shutdown", async () => {
    const calls: string[] = [];
    const exporter = new RedactingExporter({
      export: () =>
        Promise.resolve({ exported: 0, retried: 0, persisted: 0, dropped: {}, failed: 0 }),
      forceFlush: () => {
        calls.push("flush");
        return Promise.resolve({ exported: 5, retried: 0, persisted: 0, dropped: {}, failed: 0 });
      },
      shutdown: () => {
        calls.push("shutdown");
        return Promise.resolve();
      },
    });
    assert.equal((await exporter.forceFlush()).exported, 5);
    await exporter.shutdown();
    assert.deepEqual(calls, ["flush", "shutdown"]);
    const bare = new RedactingExporter(new MemoryExporter());
    assert.equal((await bare.forceFlush()).exported, 0);
    await bare.shutdown();
  });
});
