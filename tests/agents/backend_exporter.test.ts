// The OpenAI traces backend exporter against a real loopback receiver (skipped in workerd, which
// has no node:http server) and an injected fetch (everywhere): headers, body from real traces and
// spans, retries, no retry on 4xx, key fallback and grouping, sanitizing, deadlines, shutdown,
// and the key never appearing in a diagnostic.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Diagnostic } from "../../mod.ts";
import {
  BackendSpanExporter,
  BatchTraceProcessor,
  functionSpan,
  generationSpan,
  OPENAI_TRACES_ENDPOINT,
  responseSpan,
  setTracingExportApiKey,
  trace,
} from "../../src/agents/mod.ts";
import type {
  AgentSpan,
  AgentTrace,
  BackendFetch,
  BackendSpanExporterOptions,
  FunctionSpanData,
  GenerationSpanData,
} from "../../src/agents/mod.ts";
import { withDiagnostics } from "../_support/otlp_helpers.ts";
import { type OtlpReceiver, withReceiver } from "../_support/otlp_receiver.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { agentSetup } from "./_helpers.ts";

const KEY = "sk-test-backend-secret-0123456789";
const noEnv = () => undefined;

/** The diagnostics reported while `fn` runs (it is given the list as it fills). */
async function diagnosticsOf(fn: (list: Diagnostic[]) => Promise<unknown>): Promise<Diagnostic[]> {
  let reported: Diagnostic[] = [];
  await withDiagnostics(async (list) => {
    reported = list;
    await fn(list);
  });
  return reported;
}

/** Runs `fn` with a receiver and the diagnostics it produced; no diagnostic may hold a key. */
async function withBackend(
  fn: (receiver: OtlpReceiver, diagnostics: Diagnostic[]) => Promise<void>,
): Promise<void> {
  await withReceiver(async (receiver) => {
    assertNoKey(await diagnosticsOf((list) => fn(receiver, list)));
  });
}

/** A trace item whose record is a minimal trace. */
const TRACE_ITEM = { export: () => ({ object: "trace", id: "trace_1" }) };

/** An exporter posting to the receiver with the test key, short back-off and no environment. */
function exporterAt(receiver: OtlpReceiver): BackendSpanExporter {
  return new BackendSpanExporter({
    endpoint: receiver.url,
    apiKey: KEY,
    baseDelay: 5,
    env: noEnv,
  });
}

/** An exporter with the test key and no environment that sends through `fetch`, with `options`. */
function exporterWith(
  fetch: BackendFetch,
  options: BackendSpanExporterOptions = {},
): BackendSpanExporter {
  return new BackendSpanExporter({ apiKey: KEY, env: noEnv, ...options, fetch });
}

function assertNoKey(diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) {
    const text = `${d.message} ${JSON.stringify(d.cause ?? null)}`;
    assert.ok(!text.includes(KEY) && !text.includes("sk-other-key-987"), `key in: ${text}`);
  }
}

function bodyOf(receiver: OtlpReceiver, index = 0): { data: Record<string, unknown>[] } {
  return JSON.parse(new TextDecoder().decode(receiver.requests[index].body));
}

/** A recorded trace with a function span and a generation span. */
async function recorded(
  input = '{"city":"Oslo"}',
): Promise<[AgentTrace, AgentSpan<FunctionSpanData>, AgentSpan<GenerationSpanData>]> {
  const t = trace("weather_bot", { groupId: "thread_1", metadata: { user: "u1" } });
  let fn: AgentSpan<FunctionSpanData> | undefined;
  let gen: AgentSpan<GenerationSpanData> | undefined;
  await t.run(async () => {
    fn = functionSpan("get_weather", { input });
    fn.run((span) => void (span.spanData.output = "sunny"));
    gen = generationSpan({ model: "gpt-4o", usage: { input_tokens: 12, output_tokens: 3 } });
    await gen.run(async () => {});
  });
  return [t, fn!, gen!];
}

describe("BackendSpanExporter over HTTP", { skip: isWorkerd }, () => {
  it("posts {data:[...]} from real traces and spans with the OpenAI headers", async () => {
    const { done } = agentSetup();
    try {
      await withBackend(async (receiver, diagnostics) => {
        const items = await recorded();
        const exporter = new BackendSpanExporter({
          endpoint: receiver.url,
          apiKey: KEY,
          organization: "org_1",
          project: "proj_1",
          env: noEnv,
        });
        await exporter.export(items);
        assert.equal(receiver.requests.length, 1);
        const { headers } = receiver.requests[0];
        assert.equal(headers.authorization, `Bearer ${KEY}`);
        assert.equal(headers["content-type"], "application/json");
        assert.equal(headers["openai-beta"], "traces=v1");
        assert.equal(headers["openai-organization"], "org_1");
        assert.equal(headers["openai-project"], "proj_1");
        const { data } = bodyOf(receiver);
        assert.deepEqual(data, items.map((item) => JSON.parse(JSON.stringify(item.export()))));
        assert.equal(data[0].object, "trace");
        assert.equal(data[0].workflow_name, "weather_bot");
        assert.equal(data[0].group_id, "thread_1");
        assert.equal(data[1].object, "trace.span");
        assert.equal(data[1].trace_id, items[0].traceId);
        assert.deepEqual(diagnostics.map((d) => d.code), []);
      });
    } finally {
      await done();
    }
  });

  it("retries a 500 and succeeds on the third attempt", () =>
    withBackend(async (receiver, diagnostics) => {
      receiver.plan({ status: 500 }, { status: 503 }, { status: 200 });
      const exporter = new BackendSpanExporter({
        endpoint: receiver.url,
        apiKey: KEY,
        baseDelay: 10,
        env: noEnv,
      });
      await exporter.export([TRACE_ITEM]);
      assert.equal(receiver.requests.length, 3);
      assert.deepEqual(diagnostics.map((d) => d.code), []);
    }));

  it("gives up after maxRetries attempts, reporting it", () =>
    withBackend(async (receiver, diagnostics) => {
      receiver.plan({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
      const exporter = exporterAt(receiver);
      await exporter.export([TRACE_ITEM]);
      assert.equal(receiver.requests.length, 3);
      assert.deepEqual(diagnostics.map((d) => d.code), ["openai_export_failed"]);
      assert.match(diagnostics[0].message, /HTTP 500.*after 3 attempts/);
    }));

  it("does not retry a 400; the report masks a key the server echoes back", () =>
    withBackend(async (receiver, diagnostics) => {
      receiver.plan({ status: 400, body: `{"error":"invalid key ${KEY}"}` });
      const exporter = exporterAt(receiver);
      await exporter.export([TRACE_ITEM]);
      assert.equal(receiver.requests.length, 1);
      assert.deepEqual(diagnostics.map((d) => d.code), ["openai_export_rejected"]);
      assert.match(diagnostics[0].message, /HTTP 400.*invalid key \[REDACTED\]/);
    }));

  it("follows no redirect and does not retry it: the key never reaches the new location", () =>
    withBackend(async (receiver, diagnostics) => {
      receiver.plan({ status: 307, location: "/elsewhere" });
      await exporterAt(receiver).export([TRACE_ITEM]);
      assert.deepEqual(receiver.requests.map((r) => r.path), ["/v1/traces"]);
      assert.deepEqual(diagnostics.map((d) => d.code), ["openai_export_rejected"]);
      assert.match(diagnostics[0].message, /HTTP 307/);
    }));

  it("skips the export with a diagnostic when there is no key", () =>
    withBackend(async (receiver, diagnostics) => {
      setTracingExportApiKey(undefined);
      const exporter = new BackendSpanExporter({ endpoint: receiver.url, env: noEnv });
      await exporter.export([TRACE_ITEM]);
      assert.equal(receiver.requests.length, 0);
      assert.deepEqual(diagnostics.map((d) => d.code), ["openai_export_no_key"]);
    }));

  it("takes the key from the option, then setTracingExportApiKey, then OPENAI_API_KEY", () =>
    withBackend(async (receiver) => {
      const env = (name: string) =>
        ({ OPENAI_API_KEY: "sk-env-key", OPENAI_ORG_ID: "org_env" } as Record<string, string>)[
          name
        ];
      const auth = () => receiver.requests.at(-1)!.headers.authorization;
      try {
        await new BackendSpanExporter({ endpoint: receiver.url, env }).export([TRACE_ITEM]);
        assert.equal(auth(), "Bearer sk-env-key");
        assert.equal(receiver.requests.at(-1)!.headers["openai-organization"], "org_env");
        setTracingExportApiKey("sk-global-key");
        await new BackendSpanExporter({ endpoint: receiver.url, env }).export([TRACE_ITEM]);
        assert.equal(auth(), "Bearer sk-global-key");
        await new BackendSpanExporter({ endpoint: receiver.url, env, apiKey: KEY }).export([
          TRACE_ITEM,
        ]);
        assert.equal(auth(), `Bearer ${KEY}`);
      } finally {
        setTracingExportApiKey(undefined);
      }
    }));

  it("sends items with their own tracingApiKey in their own request; skips null records", () =>
    withBackend(async (receiver) => {
      const exporter = new BackendSpanExporter({ endpoint: receiver.url, apiKey: KEY, env: noEnv });
      await exporter.export([
        { export: () => ({ object: "trace", id: "trace_a" }) },
        { toJSON: () => ({ object: "trace", id: "trace_b" }), tracingApiKey: "sk-other-key-987" },
        { export: () => null },
        { export: () => ({ object: "trace.span", id: "span_a" }) },
      ]);
      assert.equal(receiver.requests.length, 2);
      const byAuth = new Map(
        receiver.requests.map((r, i) => [r.headers.authorization, bodyOf(receiver, i).data]),
      );
      assert.deepEqual(byAuth.get(`Bearer ${KEY}`)!.map((d) => d.id), ["trace_a", "span_a"]);
      assert.deepEqual(byAuth.get("Bearer sk-other-key-987")!.map((d) => d.id), ["trace_b"]);
    }));

  it("shrinks a 200 kB input to 100,000 bytes and fixes usage when sanitizing", async () => {
    const { done } = agentSetup();
    try {
      await withBackend(async (receiver) => {
        const big = "é".repeat(100_000); // 200 kB of UTF-8
        const [t, fn, gen] = await recorded(big);
        const response = trace("other").run(() =>
          responseSpan({ response: { id: "resp_1", usage: { input_tokens: 1, output_tokens: 2 } } })
            .run((span) => span)
        );
        assert.deepEqual(response.spanData.usage, { input_tokens: 1, output_tokens: 2 });
        gen.spanData.usage = { input_tokens: 5, output_tokens: 7, total_tokens: 12 };
        const exporter = new BackendSpanExporter({
          endpoint: receiver.url,
          apiKey: KEY,
          sanitize: true,
          env: noEnv,
        });
        await exporter.export([t, fn, gen, response]);
        const [, fnData, genData, responseData] = bodyOf(receiver).data.map((d) =>
          d.span_data as Record<string, unknown>
        );
        const input = fnData.input as string;
        const bytes = new TextEncoder().encode(JSON.stringify(input)).length;
        assert.ok(bytes <= 100_000 && bytes > 99_000, `input JSON is ${bytes} bytes`);
        assert.ok(input.endsWith("... [truncated]") && input.startsWith("éé"));
        assert.equal(fnData.output, "sunny");
        assert.deepEqual(genData.usage, {
          input_tokens: 5,
          output_tokens: 7,
          details: { total_tokens: 12 },
        });
        assert.equal(responseData.usage, undefined);
        assert.equal(fn.spanData.input, big, "the span itself is not modified");

        // Not sanitized by default on another endpoint.
        await new BackendSpanExporter({ endpoint: receiver.url, apiKey: KEY, env: noEnv })
          .export([fn]);
        assert.equal((bodyOf(receiver, 1).data[0].span_data as { input: string }).input, big);
      });
    } finally {
      await done();
    }
  });

  it("shrinks large objects largest-child-first", () =>
    withBackend(async (receiver) => {
      const exporter = new BackendSpanExporter({
        endpoint: receiver.url,
        apiKey: KEY,
        sanitize: true,
        maxFieldBytes: 1000,
        env: noEnv,
      });
      const input = { small: "keep", big: "x".repeat(5000), list: Array(300).fill(1) };
      await exporter.export([{
        export: () => ({
          object: "trace.span",
          id: "span_1",
          span_data: { type: "custom", input },
        }),
      }]);
      const sent = (bodyOf(receiver).data[0].span_data as { input: typeof input }).input;
      assert.ok(new TextEncoder().encode(JSON.stringify(sent)).length <= 1000);
      assert.equal(sent.small, "keep");
      assert.deepEqual(sent.list, input.list);
      assert.match(sent.big, /^x+\.\.\. \[truncated\]$/);
    }));

  it("gives up a retry that would end past the deadline", () =>
    withBackend(async (receiver, diagnostics) => {
      receiver.plan({ status: 500 }, { status: 500 });
      const exporter = new BackendSpanExporter({
        endpoint: receiver.url,
        apiKey: KEY,
        baseDelay: 5000,
        env: noEnv,
      });
      const started = Date.now();
      await exporter.export(
        [{ export: () => ({ object: "trace", id: "t" }) }],
        undefined,
        started + 300,
      );
      assert.ok(Date.now() - started < 2000);
      assert.equal(receiver.requests.length, 1);
      assert.match(diagnostics[0].message, /no time left to retry/);
    }));
});

describe("BackendSpanExporter with an injected fetch", () => {
  it("takes a browser's opaque redirect (status 0) as a redirect: reported, not retried", async () => {
    let calls = 0;
    // What `redirect: "manual"` gives in a browser; a Response with status 0 cannot be built.
    const opaque = { status: 0, type: "opaqueredirect", text: () => Promise.resolve("") };
    const exporter = exporterWith(() => (calls++, Promise.resolve(opaque as unknown as Response)), {
      baseDelay: 5,
    });
    const diagnostics = await diagnosticsOf(() => exporter.export([TRACE_ITEM]));
    assert.equal(calls, 1);
    assert.deepEqual(diagnostics.map((d) => d.code), ["openai_export_rejected"]);
    assert.match(diagnostics[0].message, /HTTP 3xx \(a redirect\)/);
  });

  it("retries any other status-0 answer (Response.error() from a custom fetch) as a network error", async () => {
    let calls = 0;
    const exporter = exporterWith(
      () => Promise.resolve(++calls < 3 ? Response.error() : new Response("{}", { status: 200 })),
      { baseDelay: 5 },
    );
    const diagnostics = await diagnosticsOf(async (list) => {
      await exporter.export([TRACE_ITEM]);
      assert.equal(calls, 3, "retried");
      assert.equal(list.length, 0);
      await exporterWith(() => Promise.resolve(Response.error()), { baseDelay: 5, maxRetries: 2 })
        .export([TRACE_ITEM]);
    });
    assert.deepEqual(diagnostics.map((d) => d.code), ["openai_export_failed"]);
    assert.match(diagnostics[0].message, /network error: .*status 0.* after 2 attempts/);
  });

  it("retries network errors, then succeeds", async () => {
    let calls = 0;
    const exporter = exporterWith(
      () =>
        ++calls < 3 ? Promise.reject(new TypeError("connection refused")) : Promise
          .resolve(new Response("{}", { status: 200 })),
      { baseDelay: 5 },
    );
    assert.equal(exporter.endpoint, OPENAI_TRACES_ENDPOINT);
    const diagnostics = await diagnosticsOf(() => exporter.export([TRACE_ITEM]));
    assert.equal(calls, 3);
    assert.deepEqual(diagnostics, []);
  });

  it("shutdown(timeout) lets a request in progress finish by the deadline, then sends nothing", async () => {
    for (const timeout of [() => 5000, () => Date.now() + 5000]) {
      let calls = 0;
      const exporter = exporterWith((_url, init) =>
        new Promise((resolve, reject) => {
          calls++;
          const timer = setTimeout(() => resolve(new Response("{}", { status: 200 })), 150);
          init.signal?.addEventListener("abort", () => (clearTimeout(timer), reject("aborted")));
        })
      );
      await diagnosticsOf(async (list) => {
        const pending = exporter.export([TRACE_ITEM]);
        await exporter.shutdown(timeout());
        await pending;
        assert.deepEqual(list, [], "the request in progress was delivered");
        await exporter.export([TRACE_ITEM]);
        assert.equal(calls, 1, "nothing is sent after shutdown");
      });
    }
  });

  it("shutdown(timeout) retries at once, and aborts what is left at the deadline", async () => {
    let calls = 0;
    const exporter = exporterWith(
      (_url, init) =>
        ++calls === 1
          ? Promise.resolve(new Response("", { status: 502 }))
          : new Promise((_resolve, reject) => init.signal?.addEventListener("abort", reject)),
      { baseDelay: 10_000 },
    );
    const diagnostics = await diagnosticsOf(async () => {
      const started = Date.now();
      const pending = exporter.export([TRACE_ITEM]);
      await new Promise((resolve) => setTimeout(resolve, 50)); // backing off 10 s
      await exporter.shutdown(200);
      await pending;
      assert.equal(calls, 2, "retried at once");
      assert.ok(Date.now() - started < 2000, "aborted at the deadline");
    });
    assert.deepEqual(diagnostics.map((d) => d.code), ["openai_export_failed"]);
  });

  it("shutdown() ends a back-off at once", async () => {
    let calls = 0;
    const exporter = exporterWith(
      () => (calls++, Promise.resolve(new Response("", { status: 502 }))),
      { baseDelay: 10_000 },
    );
    const diagnostics = await diagnosticsOf(async () => {
      const started = Date.now();
      const pending = exporter.export([TRACE_ITEM]);
      setTimeout(() => void exporter.shutdown(), 50);
      await pending;
      assert.ok(Date.now() - started < 2000, "the back-off ended at shutdown");
      assert.equal(calls, 1);
      await exporter.export([TRACE_ITEM]);
      assert.equal(calls, 1, "nothing is sent after shutdown");
    });
    assert.deepEqual(diagnostics.map((d) => d.code), ["openai_export_failed"]);
    assertNoKey(diagnostics);
  });

  it("masks secrets the redaction policy covers before posting, unless redaction is false", async () => {
    const bodies: string[] = [];
    const fetch: BackendFetch = (_url, init) => (
      bodies.push(String(init.body)), Promise.resolve(new Response("{}", { status: 200 }))
    );
    const secretItem = {
      export: () => ({
        object: "trace.span",
        span_data: {
          type: "function",
          input: '{"query":"weather","api_key":"sk-live-1234"}',
          output: "x".repeat(5000),
        },
        metadata: { authorization: "Bearer abc" },
      }),
    };
    await exporterWith(fetch).export([secretItem]);
    const [posted] = JSON.parse(bodies[0]).data;
    assert.ok(!bodies[0].includes("sk-live-1234") && !bodies[0].includes("Bearer abc"));
    assert.equal(JSON.parse(posted.span_data.input).query, "weather");
    assert.equal(posted.span_data.output.length, 5000, "lengths are left to sanitizing");
    await exporterWith(fetch, { redaction: false }).export([secretItem]);
    assert.ok(bodies[1].includes("sk-live-1234"), "redaction: false posts the records as given");
  });

  it("masks a key echoed across the cut of an error body: not even its start is reported", async () => {
    const diagnostics = await diagnosticsOf(async () => {
      // The body is cut to 300 characters; the echoed key starts anywhere around the cut.
      for (let at = 260; at <= 300; at += 4) {
        const body = `{"error":"${"x".repeat(at - 10)} Incorrect API key provided: Bearer ${KEY}"}`;
        await exporterWith(() => Promise.resolve(new Response(body, { status: 401 })))
          .export([TRACE_ITEM]);
      }
    });
    assert.equal(diagnostics.length, 11);
    for (const d of diagnostics) {
      assert.equal(d.code, "openai_export_rejected");
      assert.ok(!d.message.includes(KEY.slice(0, 4)), `part of the key in: ${d.message}`);
    }
  });

  it("skips only the record that cannot be serialized; the rest of its group is posted", async () => {
    const posted: string[][] = [];
    const diagnostics = await diagnosticsOf(async () => {
      for (const redaction of [undefined, false] as const) {
        await exporterWith((_url, init) => (
          posted.push(JSON.parse(String(init.body)).data.map((r: { id: string }) => r.id)),
            Promise.resolve(new Response("{}", { status: 200 }))
        ), { redaction }).export([
          TRACE_ITEM,
          { export: () => ({ object: "trace.span", id: "span_big", span_data: { n: 10n } }) },
          {
            export: () => ({ object: "trace.span", id: "span_ok", span_data: { type: "custom" } }),
          },
        ]);
      }
    });
    assert.deepEqual(posted, [["trace_1", "span_ok"], ["trace_1", "span_ok"]]);
    assert.deepEqual(diagnostics.map((d) => d.code), ["openai_export_item", "openai_export_item"]);
    assert.match(diagnostics[0].message, /BigInt/);
  });

  it("maxRetries: 0 makes one attempt; a bad maxRetries keeps the default 3", async () => {
    await diagnosticsOf(async () => {
      for (const [maxRetries, expected] of [[0, 1], [1, 1], [2, 2], [NaN, 3], [-1, 3], ["2", 3]]) {
        let calls = 0;
        await exporterWith(() => (calls++, Promise.resolve(new Response("", { status: 500 }))), {
          baseDelay: 0,
          maxRetries: maxRetries as number,
        }).export([TRACE_ITEM]);
        assert.equal(calls, expected, `maxRetries: ${String(maxRetries)}`);
      }
    });
  });

  it("rejects a bad endpoint, a missing fetch and a non-string key with TracerErrors", () => {
    const invalid = { name: "TracerError", code: "INVALID_CONFIG" };
    assert.throws(
      () => new BackendSpanExporter({ endpoint: "ftp://x" }),
      { ...invalid, message: /http\(s\) URL/ },
    );
    assert.throws(() => setTracingExportApiKey(42 as unknown as string), invalid);
    assert.throws(
      () => new BatchTraceProcessor({} as never),
      { ...invalid, message: /export\(items\)/ },
    );
    // An own property hides `fetch` (on workerd it is the global scope prototype's).
    const own = Object.getOwnPropertyDescriptor(globalThis, "fetch");
    try {
      Object.defineProperty(globalThis, "fetch", { value: undefined, configurable: true });
      assert.throws(() => new BackendSpanExporter(), {
        name: "TracerError",
        code: "WRONG_RUNTIME",
      });
    } finally {
      if (own) Object.defineProperty(globalThis, "fetch", own);
      else delete (globalThis as { fetch?: unknown }).fetch;
    }
  });
});
