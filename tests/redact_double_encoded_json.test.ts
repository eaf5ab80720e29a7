// JSON encoded twice (security trial): a value whose JSON text is a string that itself holds JSON,
// `JSON.stringify(JSON.stringify({ api_key: "…" }))` (typical: `JSON.stringify(toolCall.arguments)`
// when `arguments` is a JSON string already), kept its secret in every layer, while the same JSON
// one level down inside an object's string was masked. Such a JSON string literal is now parsed,
// the JSON inside redacted one level deeper, and re-encoded: it stays a JSON string literal.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RedactingExporter, RedactionPolicy, SimpleSpanProcessor, Tracer } from "../mod.ts";
import { finishToolCall, startToolCall } from "../src/events/mod.ts";
import { MemoryExporter } from "./_support/collect.ts";
import { exportOneSpan } from "./_support/otlp_helpers.ts";
import { eventSetup } from "./events/_helpers.ts";

const R = "***REDACTED***";
/** Tool-call arguments as a JSON string, the way model APIs hand them over. */
const ARGUMENTS = JSON.stringify({ api_key: "sk-live-SECRET", query: "weather" });
/** The arguments encoded once more. */
const TWICE = JSON.stringify(ARGUMENTS);
/** What `TWICE` becomes: the same shape, the key's value masked. */
const TWICE_MASKED = JSON.stringify(JSON.stringify({ api_key: R, query: "weather" }));

describe("redaction of JSON encoded twice", () => {
  it("masks the JSON inside a JSON string literal and keeps it a JSON string literal", () => {
    const policy = new RedactionPolicy();
    const out = policy.redactAttributes({
      "gen_ai.tool.call.arguments": TWICE,
      padded: ` \n${TWICE}\t`,
      thrice: JSON.stringify(TWICE),
      items: [TWICE, "plain"],
      inObject: JSON.stringify({ call: TWICE }),
    });
    assert.equal(out["gen_ai.tool.call.arguments"], TWICE_MASKED);
    assert.equal(out.padded, TWICE_MASKED);
    assert.deepEqual(JSON.parse(JSON.parse(JSON.parse(out.thrice as string))), {
      api_key: R,
      query: "weather",
    });
    assert.deepEqual(out.items, [TWICE_MASKED, "plain"]);
    assert.deepEqual(JSON.parse(out.inObject as string), { call: TWICE_MASKED });
    assert.ok(!JSON.stringify(out).includes("sk-live"), JSON.stringify(out));
    // Strings with nothing to mask stay as they are (the same attributes object): text that goes
    // on after a literal is no JSON string literal.
    const clean = {
      clean: JSON.stringify(JSON.stringify({ max_tokens: 5, query: "weather" })),
      quoted: '"my token is not here"',
      two: '"token" and "secret"',
      number: JSON.stringify("42"),
    };
    assert.equal(policy.redactAttributes(clean), clean);
    const value = { input: clean.clean };
    assert.equal(policy.redactValue(value), value);
  });

  it("masks it in logged values, with keys written as escapes and any replacement", () => {
    const policy = new RedactionPolicy();
    assert.equal(policy.redactValue(TWICE), TWICE_MASKED);
    assert.deepEqual(policy.redactValue({ input: TWICE, list: [TWICE] }), {
      input: TWICE_MASKED,
      list: [TWICE_MASKED],
    });
    // Keys spelled with escapes, and a custom replacement that needs escaping.
    const escaped = JSON.stringify('{"api\\u005fkey":"sk-live-SECRET"}');
    assert.equal(policy.redactValue(escaped), JSON.stringify(JSON.stringify({ api_key: R })));
    const custom = new RedactionPolicy({ replacement: `<"hidden">` });
    assert.deepEqual(JSON.parse(JSON.parse(custom.redactValue(TWICE) as string)), {
      api_key: `<"hidden">`,
      query: "weather",
    });
  });

  it("masks a JSON string literal cut short, with or without a truncation marker", () => {
    const policy = new RedactionPolicy();
    const cut = TWICE.slice(0, TWICE.indexOf("SECRET") + 2); // `"{\"api_key\":\"sk-live-SE`
    const out = policy.redactAttributes({ cut })["cut"] as string;
    assert.equal(out, `"{\\"api_key\\":\\"${R}\\"`);
    const short = new RedactionPolicy({ maxStringLength: 30 });
    const long = JSON.stringify(
      JSON.stringify({ api_key: "sk-live-SECRET", pad: "x".repeat(100) }),
    );
    const truncated = short.redactAttributes({ long }).long as string;
    assert.ok(!truncated.includes("sk-live"), truncated);
    assert.ok(truncated.endsWith(`...[truncated:${long.length}]`), truncated);
    // A value the span's limit cut, and the policy's marker on it, as the exporter sees them.
    const marked = `${TWICE.slice(0, TWICE.indexOf("SECRET") + 2)}...[truncated:200]`;
    const kept = policy.redactAttributes({ marked }).marked as string;
    assert.ok(!kept.includes("sk-live"), kept);
    assert.ok(kept.endsWith("...[truncated:200]"), kept);
  });

  it("reads crafted JSON string literals in time linear in their length, without throwing", () => {
    // Not truncated, so that a secret left anywhere would show.
    const policy = new RedactionPolicy({ maxStringLength: 1 << 24 });
    const n = 1 << 19;
    const repeat = (s: string) => s.repeat(Math.ceil(n / s.length)).slice(0, n);
    let nested = JSON.stringify({ api_key: "sk-live-SECRET", pad: "y".repeat(n / 4) });
    while (nested.length < n) nested = JSON.stringify(nested);
    const texts = [
      '"' + repeat('{\\"api_key\\":\\"sk-live\\",'),
      JSON.stringify("{" + repeat('"api_key":"sk-live",') + '"z":1}'),
      JSON.stringify("[" + repeat('["token","sk-live"],') + '["z",1]]'),
      JSON.stringify(repeat("[") + "token"),
      '"' + repeat('{\\"') + 'token"',
      '"' + repeat("\\u0022api_key\\u0022:\\u0022") + '"',
      repeat('"token": "'),
      nested,
    ];
    for (const text of texts) {
      const started = performance.now();
      const out = policy.redactAttributes({ v: text }).v as string;
      const value = JSON.stringify(policy.redactValue({ v: text }));
      const took = performance.now() - started;
      assert.ok(took < 3000, `${took} ms for ${text.slice(0, 20)}…`);
      assert.ok(!out.includes("sk-live") && !value.includes("sk-live"), out.slice(0, 80));
    }
  });
});

describe("redaction of JSON encoded twice, end to end", () => {
  it("masks a span attribute in the JSONL line and the OTLP body", async () => {
    const { line, body, stringValue } = await exportOneSpan((span) => {
      span.setAttribute("gen_ai.tool.call.arguments", TWICE);
      span.setAttribute("input", [TWICE]);
    });
    assert.ok(!line.includes("sk-live"), line);
    assert.ok(!body.includes("sk-live"), body);
    assert.equal(JSON.parse(line).attributes["gen_ai.tool.call.arguments"], TWICE_MASKED);
    assert.equal(stringValue("gen_ai.tool.call.arguments"), TWICE_MASKED);
  });

  it("masks it in an attribute the span's length limit cut", async () => {
    const inner = new MemoryExporter();
    const tracer = new Tracer({
      limits: { attributeValueLengthLimit: 40 },
      processors: [new SimpleSpanProcessor(new RedactingExporter(inner))],
    });
    tracer.withSpan("tool", (span) => span.setAttribute("args", TWICE));
    await tracer.shutdown();
    const value = inner.spans[0].attributes.args as string;
    assert.ok(!value.includes("sk-live"), value);
    assert.ok(value.startsWith(`"{\\"api_key\\":\\"${R.slice(0, 8)}`), value);
  });

  it("masks an events-layer tool input in the event log", async () => {
    const setup = eventSetup({ enableConsole: false });
    try {
      await setup.tracer.runCallable({
        agentName: "agent",
        requestId: "double",
        inputPayload: {},
        fn: () => {
          const id = startToolCall({ toolName: "search", toolInput: TWICE });
          finishToolCall(id, { toolName: "search", result: { ok: true } });
          return { success: true };
        },
      });
      const { lines, events } = await setup.readEvents("double");
      assert.ok(lines.length > 0);
      assert.ok(!lines.join("\n").includes("sk-live"), lines.join("\n"));
      const spans = JSON.stringify(setup.collector.ended);
      assert.ok(spans.includes("weather") && !spans.includes("sk-live"), spans);
      const started = events.find((e) => e.event_type === "ToolCallStarted");
      assert.equal(started?.attributes.tool_input, TWICE_MASKED);
    } finally {
      await setup.done();
    }
  });
});
