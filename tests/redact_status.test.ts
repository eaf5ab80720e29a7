// Error text is redacted everywhere it is exported: a secret the policy masks in an exception's
// message must not come out in the span's status message or in the exception's stack trace, on
// the JSONL line or in the OTLP request body, whichever layer recorded the error (core span,
// agent span, event log).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  getTracer,
  type MemoryStorage,
  RedactingExporter,
  RedactionPolicy,
  redactSpan,
  setRedactionPolicy,
  SimpleSpanProcessor,
  Tracer,
} from "../mod.ts";
import type { SpanRecord } from "../mod.ts";
import { BackendSpanExporter, functionSpan, trace } from "../src/agents/mod.ts";
import { EventTracer, failToolCall, startToolCall } from "../src/events/mod.ts";
import { agentSetup, failedToolSpan } from "./agents/_helpers.ts";
import { MemoryExporter } from "./_support/collect.ts";
import { isolated } from "./_support/global_state.ts";
import { makeSpanRecord } from "./_support/span_records.ts";
import { exportThroughConfigure } from "./_support/otlp_helpers.ts";

const R = "***REDACTED***";

/** A provider error whose message is the JSON error body, which echoes the request. */
function providerError(secret: string): Error {
  return new Error(JSON.stringify({ error: "invalid_request", request: { api_key: secret } }));
}

/** Every JSONL line the storage holds (memory storage keeps them per path; read them all). */
async function allLines(storage: MemoryStorage, traceIds: Iterable<string>): Promise<string> {
  const lines: string[] = [];
  for (const id of traceIds) {
    lines.push(...await storage.readLines(["projects", "default", id, "spans.jsonl"]));
  }
  return lines.join("\n");
}

describe("redaction of error text", () => {
  it("masks the secret in status message and stack trace on the JSONL line and the OTLP body", async () => {
    const traceIds = new Set<string>();
    const { storage, bodies } = await exportThroughConfigure(async (storage) => {
      // 1. The core span's recordException.
      getTracer().withSpan("core", (span) => {
        traceIds.add(span.traceId);
        span.recordException(providerError("SECRET_CORE"));
      });
      // 2. The agent layer (status set from the error's message, plus the exception event).
      await failedToolSpan(providerError("SECRET_AGENT"));
      // 3. The events layer (status set from the event's error text).
      const events = new EventTracer({ storage, enableConsole: false });
      await events.runCallable({
        agentName: "a",
        requestId: "r",
        fn: () => {
          const id = startToolCall({ toolName: "t" });
          failToolCall(id, { toolName: "t", error: providerError("SECRET_EVENTS") });
        },
      });
    });

    const body = bodies.join("\n");
    const spans = bodies.flatMap((b) =>
      JSON.parse(b).resourceSpans.flatMap((r: { scopeSpans: { spans: unknown[] }[] }) =>
        r.scopeSpans.flatMap((s) => s.spans)
      )
    ) as { name: string; traceId: string; status?: { message?: string } }[];
    for (const span of spans) traceIds.add(span.traceId);
    const lines = await allLines(storage, traceIds);
    for (const secret of ["SECRET_CORE", "SECRET_AGENT", "SECRET_EVENTS"]) {
      assert.ok(!body.includes(secret), `${secret} in the OTLP body`);
      assert.ok(!lines.includes(secret), `${secret} in a JSONL line`);
    }
    const failed = spans.filter((s) => s.status?.message !== undefined);
    assert.equal(failed.length, 3, JSON.stringify(spans.map((s) => s.name)));
    for (const span of failed) {
      assert.deepEqual(JSON.parse(span.status!.message!), {
        error: "invalid_request",
        request: { api_key: R },
      });
    }
    assert.ok(lines.includes(R) && body.includes(R));
  });

  it("masks the secrets of a thrown data object recorded by its JSON (OTLP body and JSONL)", async () => {
    let traceId = "";
    const { storage, bodies } = await exportThroughConfigure(async () => {
      await assert.rejects(
        getTracer().withSpan("call", (span) => {
          traceId = span.traceId;
          // A client library rejecting with its response data, not an Error.
          return Promise.reject({
            status: 401,
            headers: { authorization: "Bearer SECRET_TOKEN_1" },
          });
        }),
      );
    });
    const body = bodies.join("\n");
    const lines = await allLines(storage, new Set([traceId]));
    for (const text of [body, lines]) {
      assert.ok(!text.includes("SECRET_TOKEN_1"));
      assert.ok(text.includes("status") && text.includes("401"), "the object's fields are kept");
    }
    const [span] = JSON.parse(bodies[0]).resourceSpans[0].scopeSpans[0].spans;
    assert.deepEqual(JSON.parse(span.status.message), {
      status: 401,
      headers: { authorization: R },
    });
  });

  it("replaces the original message in the stack trace and status with its redacted text", () => {
    const policy = new RedactionPolicy();
    const message = `{"request":{"api_key":"SECRET_1"},"detail":"quota"}`;
    const record = recordOf(
      { code: "ERROR", message: `tool failed: ${message}` },
      {
        "exception.type": "ProviderError",
        "exception.message": message,
        "exception.stacktrace": `ProviderError: ${message}\n    at call (file:///app.ts:1:1)`,
      },
    );
    const out = redactSpan(record, policy);
    const masked = `{"request":{"api_key":"${R}"},"detail":"quota"}`;
    assert.equal(out.events[0].attributes["exception.message"], masked);
    assert.equal(
      out.events[0].attributes["exception.stacktrace"],
      `ProviderError: ${masked}\n    at call (file:///app.ts:1:1)`,
    );
    assert.deepEqual(out.status, { code: "ERROR", message: `tool failed: ${masked}` });
    assert.equal(out.events[0].attributes["exception.type"], "ProviderError");
    assert.ok(!JSON.stringify(out).includes("SECRET_1"));
    // The input record is not changed.
    assert.equal(record.events[0].attributes["exception.message"], message);
  });

  it("masks JSON embedded in plain error text (message, stack trace, status)", () => {
    const text = `400 Bad Request: {"error":"bad","headers":{"Authorization":"Bearer SECRET_2"}}`;
    const record = recordOf({ code: "ERROR", message: text }, {
      "exception.message": text,
      "exception.stacktrace": `Error: ${text}\n    at f (x.js:1:1)`,
    });
    const out = redactSpan(record, new RedactionPolicy());
    assert.ok(!JSON.stringify(out).includes("SECRET_2"), JSON.stringify(out));
    assert.equal(
      out.status.message,
      `400 Bad Request: {"error":"bad","headers":{"Authorization":"${R}"}}`,
    );
  });

  it("masks a secret of a message cut by the span's attribute length limit in its stack", async () => {
    const inner = new MemoryExporter();
    const tracer = new Tracer({
      limits: { attributeValueLengthLimit: 60 },
      processors: [new SimpleSpanProcessor(new RedactingExporter(inner))],
    });
    tracer.withSpan("cut", (span) => {
      span.recordException(new Error(JSON.stringify({ api_key: "SECRET_3", pad: "x".repeat(99) })));
    });
    await tracer.shutdown();
    assert.ok(!JSON.stringify(inner.spans).includes("SECRET_3"), JSON.stringify(inner.spans));
  });

  it("leaves error text without secrets, span names and event names as they are", () => {
    const record = recordOf({ code: "ERROR", message: "timeout after 30 s" }, {
      "exception.message": "timeout after 30 s",
      "exception.stacktrace": "Error: timeout after 30 s\n    at f (token_store.ts:1:1)",
    });
    assert.equal(redactSpan(record, new RedactionPolicy()), record);
    const named = {
      ...record,
      name: "password reset",
      events: [{ ...record.events[0], name: "token" }],
    };
    const out = redactSpan(named, new RedactionPolicy());
    assert.equal(out.name, "password reset");
    assert.equal(out.events[0].name, "token");
  });

  it("replaces a message the policy masks by its key in the stack trace, and the status whole", () => {
    const message = "cannot connect to postgres://admin:SECRET_B@db:5432";
    const record = recordOf({ code: "ERROR", message: `query failed: ${message}` }, {
      "exception.message": message,
      "exception.stacktrace": `Error: ${message}\n    at connect (db.ts:1:1)`,
    });
    const policies = [
      // The last segment of `exception.message` in "exact" mode, or a matcher.
      new RedactionPolicy({ extraKeys: ["message"] }),
      new RedactionPolicy({ matcher: (key) => key === "exception.message" }),
    ];
    for (const policy of policies) {
      const out = redactSpan(record, policy);
      assert.ok(!JSON.stringify(out).includes("SECRET_B"), JSON.stringify(out));
      assert.equal(out.events[0].attributes["exception.message"], R);
      assert.equal(
        out.events[0].attributes["exception.stacktrace"],
        `Error: ${R}\n    at connect (db.ts:1:1)`,
      );
      // The status message is replaced whole: it may repeat the message past a cut copy's end.
      assert.deepEqual(out.status, { code: "ERROR", message: R });
    }
    // A sensitive stack trace is the replacement; the status message still is too.
    const both = new RedactionPolicy({ extraKeys: ["message", "stacktrace"] });
    const out = redactSpan(record, both);
    assert.equal(out.events[0].attributes["exception.stacktrace"], R);
    assert.deepEqual(out.status, { code: "ERROR", message: R });
    // An empty message has nothing to replace.
    const empty = recordOf({ code: "ERROR", message: "failed" }, {
      "exception.message": "",
      "exception.stacktrace": "Error\n    at f (x.ts:1:1)",
    });
    const kept = redactSpan(empty, both);
    assert.deepEqual(kept.status, { code: "ERROR", message: "failed" });
  });

  it("masks JSON after an unbalanced quote in the message, stack trace and status", async () => {
    const errors = [
      new Error(`POST /v1/chat failed: body="{"api_key":"sk-SECRET_A","model":"gpt"}"`),
      new Error(`config 'x" rejected; response {"api_key":"sk-SECRET_A2"}`),
    ];
    const inner = new MemoryExporter();
    const tracer = new Tracer({
      processors: [new SimpleSpanProcessor(new RedactingExporter(inner))],
    });
    for (const error of errors) tracer.withSpan("op", (span) => span.recordException(error));
    await tracer.shutdown();
    assert.equal(inner.spans.length, 2);
    const text = JSON.stringify(inner.spans);
    assert.ok(!text.includes("SECRET_A"), text);
    const [first, second] = inner.spans;
    assert.equal(
      first.status.message,
      `POST /v1/chat failed: body="{"api_key":"${R}","model":"gpt"}"`,
    );
    assert.equal(second.status.message, `config 'x" rejected; response {"api_key":"${R}"}`);
    assert.equal(second.events[0].attributes["exception.message"], second.status.message);
    assert.ok(
      String(second.events[0].attributes["exception.stacktrace"]).startsWith(
        `Error: ${second.status.message}\n`,
      ),
    );
  });

  it("masks JSON in the message of a JSON error body everywhere (exception, status, agents, OpenAI)", async () => {
    // An API error body used as the error's message; its message echoes the request body.
    const body = JSON.stringify({
      error: { message: `Invalid request body: {"api_key":"SECRET_J","model":"x"}` },
    });
    const masked = JSON.stringify({
      error: { message: `Invalid request body: {"api_key":"${R}","model":"x"}` },
    });
    const inner = new MemoryExporter();
    const tracer = new Tracer({
      processors: [new SimpleSpanProcessor(new RedactingExporter(inner))],
    });
    tracer.withSpan("call", (span) => {
      span.recordException(new Error(body));
      span.setStatus({ code: "ERROR", message: body });
    });
    await tracer.shutdown();
    const [core] = inner.spans;
    assert.equal(core.events[0].attributes["exception.message"], masked);
    assert.equal(core.status.message, masked);
    assert.ok(!JSON.stringify(core).includes("SECRET_J"), JSON.stringify(core));

    const { collector, done } = agentSetup();
    try {
      const span = await failedToolSpan(new Error(body));
      const record = collector.ended.find((s) => s.attributes["openai.error"] !== undefined)!;
      assert.deepEqual(JSON.parse(record.attributes["openai.error"] as string), {
        message: masked,
        data: { type: "Error" },
      });
      const bodies: string[] = [];
      await new BackendSpanExporter({
        apiKey: "sk-test-key",
        env: () => undefined,
        fetch: (_url: string, init: RequestInit) => (
          bodies.push(String(init.body)), Promise.resolve(new Response("{}"))
        ),
      }).export([span!]);
      assert.equal(JSON.parse(bodies[0]).data[0].error.message, masked);
      assert.ok(!bodies[0].includes("SECRET_J"), bodies[0]);
    } finally {
      await done();
    }
  });

  it("ends an agent span whose error message the redaction policy fails on", async () => {
    class Failing extends RedactionPolicy {
      override redactText(): string {
        throw new RangeError("policy failure");
      }
    }
    await isolated(async () => {
      const { collector, done } = agentSetup();
      try {
        setRedactionPolicy(new Failing());
        await trace("wf").run(() => {
          const span = functionSpan("tool");
          span.start();
          span.setError({ message: "quota exceeded: SECRET_F" });
          span.finish(); // Host code: must not throw.
        });
        const record = collector.ended.find((s) => s.name !== "wf");
        assert.ok(record !== undefined, "the tracelet span has ended");
        assert.equal(JSON.parse(record.attributes["openai.error"] as string).message, R);
        assert.equal(record.status.code, "ERROR");
      } finally {
        await done();
      }
    });
  });

  it("masks JSON in an agent span's openai.error with the exporter's own policy, not only the global one", async () => {
    const { collector, done } = agentSetup();
    try {
      await failedToolSpan(new Error('tool failed: {"session":"SESS-LEAK"}'));
      const record = collector.ended.find((s) => s.name !== "wf")!;
      const out = redactSpan(record, new RedactionPolicy({ extraKeys: ["session"] }));
      assert.ok(!JSON.stringify(out).includes("SESS-LEAK"), JSON.stringify(out.attributes));
      assert.match(
        String(out.attributes["openai.error"]),
        /\\"session\\":\\"\*\*\*REDACTED\*\*\*\\"/,
      );
    } finally {
      await done();
    }
  });

  it("keeps error text as given when redaction is off", () => {
    const text = JSON.stringify({ api_key: "k" });
    const record = recordOf({ code: "ERROR", message: text }, { "exception.message": text });
    assert.equal(redactSpan(record, new RedactionPolicy({ enabled: false })), record);
  });
});

describe("RedactionPolicy.redactText", () => {
  it("masks sensitive values of JSON embedded anywhere in free text, then truncates", () => {
    const policy = new RedactionPolicy({ maxStringLength: 100 });
    assert.equal(
      policy.redactText(`failed: {"token": 42} (retry)`),
      `failed: {"token": "${R}"} (retry)`,
    );
    assert.equal(policy.redactText(`{"password":"p"}`), `{"password":"${R}"}`);
    assert.equal(policy.redactText("plain text"), "plain text");
    const long = policy.redactText(`x: {"secret":"s"} ${"y".repeat(200)}`);
    assert.ok(long.startsWith(`x: {"secret":"${R}"} yyy`) && long.endsWith("...[truncated:231]"));
    // Attribute values keep their rule: only text that starts as JSON is redacted inside.
    assert.deepEqual(policy.redactAttributes({ m: `failed: {"token": 42}` }), {
      m: `failed: {"token": 42}`,
    });
  });
});

/** A finished span record with one `exception` event. */
function recordOf(
  status: SpanRecord["status"],
  exception: Record<string, string>,
): SpanRecord {
  return makeSpanRecord({
    status,
    events: [{ name: "exception", time: 1e18, attributes: exception, droppedAttributesCount: 0 }],
    resource: { attributes: { "service.name": "svc" } },
    scope: { name: "test" },
  });
}
