// The Workers preset's instrument(): root spans per invocation, traceparent continuation, body-end
// detection, waitUntil tracking, a flush that never rejects, and no timers. Handlers are called
// directly with a recording execution context, so these run on every runtime; inside workerd one
// test also uses the real ExecutionContext of the test run.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { BatchSpanProcessor } from "../../src/processor/batch.ts";
import type { SpanProcessor } from "../../src/processor/types.ts";
import type { SpanRecord } from "../../src/types.ts";
import { getContextManager, setContextManager } from "../../src/context/manager.ts";
import { peekConfig, setConfig } from "../../src/config_state.ts";
import { getTracer, setTracer } from "../../src/global.ts";
import { setDiagnosticsHook } from "../../src/diagnostics.ts";
import { instrument, invocationSpan } from "../../src/runtime/worker.ts";
import type {
  InstrumentOptions,
  MessageBatchLike,
  ScheduledControllerLike,
  WorkerConfigureOptions,
} from "../../src/runtime/worker.ts";
import { captureDiagnostics, MemoryExporter } from "../_support/collect.ts";
import { isWorkerd } from "../_support/runtime.ts";

/** The handler methods as workerd calls them. */
interface Handlers {
  fetch(request: Request, env: unknown, ctx: RecordingContext): Response | Promise<Response>;
  scheduled(controller: ScheduledControllerLike, env: unknown, ctx: RecordingContext): unknown;
  queue(batch: MessageBatchLike, env: unknown, ctx: RecordingContext): unknown;
}

/** What instrument() returns: every handler answers with a promise. */
interface Traced {
  fetch(request: Request, env: unknown, ctx: RecordingContext): Promise<Response>;
  scheduled(
    controller: ScheduledControllerLike,
    env: unknown,
    ctx: RecordingContext,
  ): Promise<unknown>;
  queue(batch: MessageBatchLike, env: unknown, ctx: RecordingContext): Promise<unknown>;
}

/** instrument() with the handler typed as workerd calls it. */
function traced(handler: Partial<Handlers>, options: InstrumentOptions): Traced {
  return instrument(handler, options) as unknown as Traced;
}

/** Runs `fn` and restores the process-wide tracer, config and context manager afterwards. */
async function isolated(fn: () => Promise<void>): Promise<void> {
  const manager = getContextManager();
  const config = peekConfig();
  const tracer = getTracer();
  const hook = setDiagnosticsHook(() => {});
  try {
    await fn();
  } finally {
    setDiagnosticsHook(hook);
    setContextManager(manager);
    setConfig(config);
    setTracer(tracer);
  }
}

/** An execution context that records what is passed to waitUntil. */
class RecordingContext {
  readonly waits: Promise<unknown>[] = [];
  passedThrough = false;
  waitUntil(promise: Promise<unknown>): void {
    this.waits.push(promise);
  }
  passThroughOnException(): void {
    this.passedThrough = true;
  }
  /** Waits for everything passed to waitUntil so far (and added meanwhile). */
  async drain(): Promise<void> {
    for (let seen = 0; seen < this.waits.length;) {
      const batch = this.waits.slice(seen);
      seen = this.waits.length;
      await Promise.all(batch);
    }
  }
}

interface Setup {
  readonly exporter: MemoryExporter;
  readonly ended: string[];
  readonly options: InstrumentOptions;
}

/** Instrument options with a recording, timer-free pipeline (no JSONL). */
function setup(extra: WorkerConfigureOptions = {}, invocation: InstrumentOptions = {}): Setup {
  const exporter = new MemoryExporter();
  const ended: string[] = [];
  const watcher: SpanProcessor = { onSpanEnd: (span) => void ended.push(span.name) };
  const options: InstrumentOptions = {
    ...invocation,
    configure: {
      local: false,
      processors: [new BatchSpanProcessor(exporter, { timers: false }), watcher],
      ...extra,
    },
  };
  return { exporter, ended, options };
}

const byName = (spans: readonly SpanRecord[], name: string): SpanRecord => {
  const span = spans.find((s) => s.name === name);
  assert.ok(span, `span ${name} was exported`);
  return span;
};

describe("instrument(): fetch", () => {
  it("creates one SERVER root span with HTTP semantic-convention attributes", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      const worker = traced({ fetch: () => new Response("hello", { status: 201 }) }, options);
      const ctx = new RecordingContext();
      const request = new Request("https://api.example.com:8443/items/7?token=secret", {
        method: "POST",
        headers: {
          "user-agent": "probe/1.0",
          "cf-connecting-ip": "203.0.113.9",
          "content-length": "0",
        },
      });
      const response = await worker.fetch(request, {}, ctx);
      assert.equal(await response.text(), "hello");
      await ctx.drain();
      assert.equal(exporter.spans.length, 1);
      const [root] = exporter.spans;
      assert.equal(root.name, "POST");
      assert.equal(root.kind, "SERVER");
      assert.equal(root.parentSpanId, undefined);
      assert.equal(root.attributes["http.request.method"], "POST");
      assert.equal(root.attributes["url.scheme"], "https");
      assert.equal(root.attributes["url.path"], "/items/7");
      assert.equal(root.attributes["server.address"], "api.example.com");
      assert.equal(root.attributes["server.port"], 8443);
      assert.equal(root.attributes["user_agent.original"], "probe/1.0");
      assert.equal(root.attributes["client.address"], "203.0.113.9");
      assert.equal(root.attributes["http.response.status_code"], 201);
      assert.equal(root.attributes["http.response.body.size"], 5);
      assert.equal(root.attributes["faas.trigger"], "http");
      assert.equal(typeof root.attributes["faas.coldstart"], "boolean");
      assert.equal(root.attributes["url.query"], undefined, "the query is not recorded by default");
      assert.equal(root.status.code, "UNSET");
    }));

  it("continues the caller's trace from traceparent and tracestate", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      const worker = traced({ fetch: () => new Response(null, { status: 204 }) }, options);
      const ctx = new RecordingContext();
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      await worker.fetch(
        new Request("https://x.test/", {
          headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, tracestate: "vendor=abc" },
        }),
        {},
        ctx,
      );
      await worker.fetch(
        new Request("https://x.test/", { headers: { traceparent: "00-zz-bad-01" } }),
        {},
        ctx,
      );
      await ctx.drain();
      const [continued, fresh] = exporter.spans;
      assert.equal(continued.traceId, traceId);
      assert.equal(continued.parentSpanId, "00f067aa0ba902b7");
      assert.equal(continued.traceState, "vendor=abc");
      assert.notEqual(fresh.traceId, traceId);
      assert.equal(fresh.parentSpanId, undefined, "an invalid traceparent starts a new trace");
    }));

  it("ignores traceparent when trustTraceparent is false", () =>
    isolated(async () => {
      const { exporter, options } = setup({}, { trustTraceparent: false });
      const worker = traced({ fetch: () => new Response("x") }, options);
      const ctx = new RecordingContext();
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      const request = new Request("https://x.test/", {
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      });
      await (await worker.fetch(request, {}, ctx)).text();
      await ctx.drain();
      assert.notEqual(exporter.spans[0].traceId, traceId);
    }));

  it("ends the root span only after the streamed body was read to the end", () =>
    isolated(async () => {
      const { ended, exporter, options } = setup();
      let push!: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({ start: (c) => void (push = c) });
      const worker = traced({ fetch: () => new Response(body) }, options);
      const ctx = new RecordingContext();
      const response = await worker.fetch(new Request("https://x.test/stream"), {}, ctx);
      assert.deepEqual(ended, [], "headers are out, the body is not: the root span is open");
      const reader = response.body!.getReader();
      push.enqueue(new TextEncoder().encode("part 1,"));
      assert.equal(new TextDecoder().decode((await reader.read()).value), "part 1,");
      push.enqueue(new TextEncoder().encode("part 2"));
      await reader.read();
      assert.deepEqual(ended, [], "still streaming");
      push.close();
      assert.equal((await reader.read()).done, true);
      assert.deepEqual(ended, ["GET"]);
      await ctx.drain();
      assert.equal(exporter.spans[0].attributes["http.response.body.size"], 13);
    }));

  it("ends the root span when the client cancels the body", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      const body = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(new Uint8Array(8)) });
      const worker = traced({ fetch: () => new Response(body) }, options);
      const ctx = new RecordingContext();
      const response = await worker.fetch(new Request("https://x.test/"), {}, ctx);
      const reader = response.body!.getReader();
      await reader.read();
      await reader.cancel("client went away");
      await ctx.drain();
      const [root] = exporter.spans;
      assert.deepEqual(root.events.map((e) => e.name), ["http.response.cancelled"]);
      assert.equal(root.attributes["http.response.body.size"], 8);
    }));

  it("records a thrown error, rethrows it, and still flushes", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      const worker = traced({
        fetch: () => {
          throw new RangeError("bad input");
        },
      }, options);
      const ctx = new RecordingContext();
      await assert.rejects(worker.fetch(new Request("https://x.test/"), {}, ctx), RangeError);
      await ctx.drain();
      const [root] = exporter.spans;
      assert.equal(root.status.code, "ERROR");
      assert.equal(root.events[0].name, "exception");
      assert.equal(root.events[0].attributes["exception.message"], "bad input");
    }));

  it("marks 5xx responses as errors and leaves 4xx unset", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      let status = 503;
      const worker = traced({ fetch: () => new Response("x", { status }) }, options);
      const ctx = new RecordingContext();
      await (await worker.fetch(new Request("https://x.test/"), {}, ctx)).text();
      status = 404;
      await (await worker.fetch(new Request("https://x.test/"), {}, ctx)).text();
      await ctx.drain();
      assert.deepEqual(exporter.spans.map((s) => s.status.code), ["ERROR", "UNSET"]);
    }));
});

describe("instrument(): waitUntil and flushing", () => {
  it("awaits the handler's waitUntil promises before it flushes", () =>
    isolated(async () => {
      const flushes: number[] = [];
      const { exporter, options } = setup({}, { onFlush: (r) => void flushes.push(r.exported) });
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const worker = traced({
        fetch(_request: Request, _env: unknown, ctx: RecordingContext) {
          const parent = invocationSpan(ctx);
          ctx.waitUntil(gate.then(() => getTracer().startSpan("background", { parent }).end()));
          return new Response("done");
        },
      }, options);
      const ctx = new RecordingContext();
      await (await worker.fetch(new Request("https://x.test/"), {}, ctx)).text();
      // Let every already-settled promise run: the flush must still wait for the gate.
      for (let i = 0; i < 20; i++) await Promise.resolve();
      assert.deepEqual(flushes, [], "no flush while a waitUntil promise is pending");
      release();
      await ctx.drain();
      assert.deepEqual(flushes, [2]);
      const root = byName(exporter.spans, "GET");
      assert.equal(byName(exporter.spans, "background").parentSpanId, root.spanId);
      assert.equal(ctx.waits.length, 2, "the user's promise reached the real waitUntil too");
    }));

  it("never rejects the flush promise, even when exporting throws", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      exporter.failWith = new Error("collector down");
      const broken: SpanProcessor = {
        forceFlush: () => {
          throw new Error("processor broke");
        },
      };
      const worker = traced({ fetch: () => new Response("ok") }, {
        ...options,
        configure: { ...(options.configure as WorkerConfigureOptions), processors: [broken] },
      });
      const ctx = new RecordingContext();
      const { diagnostics } = await captureDiagnostics(async () => {
        await (await worker.fetch(new Request("https://x.test/"), {}, ctx)).text();
        const results = await Promise.allSettled(ctx.waits);
        assert.deepEqual(results.map((r) => r.status), ["fulfilled"]);
      });
      assert.ok(diagnostics.length > 0, "the failure is reported through diagnostics");
    }));

  it("uses no timers during an invocation with the default pipeline", () =>
    isolated(async () => {
      const g = globalThis as unknown as Record<string, unknown>;
      const originals = { setTimeout: g.setTimeout, setInterval: g.setInterval };
      let calls = 0;
      const counting = (name: "setTimeout" | "setInterval") => (...args: unknown[]) => {
        calls++;
        return (originals[name] as (...a: unknown[]) => unknown)(...args);
      };
      g.setTimeout = counting("setTimeout");
      g.setInterval = counting("setInterval");
      try {
        const flushes: number[] = [];
        const worker = traced({
          fetch() {
            getTracer().startSpan("child").end();
            return new Response("ok");
          },
        }, { configure: { serviceName: "timers" }, onFlush: (r) => void flushes.push(r.exported) });
        const ctx = new RecordingContext();
        await (await worker.fetch(new Request("https://x.test/"), {}, ctx)).text();
        await ctx.drain();
        assert.deepEqual(flushes, [2], "both spans were flushed to the JSONL storage");
      } finally {
        g.setTimeout = originals.setTimeout;
        g.setInterval = originals.setInterval;
      }
      assert.equal(calls, 0);
    }));

  it("leaves no timer behind when it exports over OTLP (attempt timeouts are cleared)", () =>
    isolated(async () => {
      const g = globalThis as unknown as Record<string, unknown>;
      const originals = {
        setTimeout: g.setTimeout,
        clearTimeout: g.clearTimeout,
        setInterval: g.setInterval,
      };
      const pending = new Set<unknown>();
      let intervals = 0;
      g.setTimeout = (fn: () => void, ms?: number) => {
        const handle: unknown = (originals.setTimeout as typeof setTimeout)(() => {
          pending.delete(handle);
          fn();
        }, ms);
        pending.add(handle);
        return handle;
      };
      g.clearTimeout = (handle: unknown) => {
        pending.delete(handle);
        (originals.clearTimeout as (h: unknown) => void)(handle);
      };
      g.setInterval = (...args: unknown[]) => {
        intervals++;
        return (originals.setInterval as (...a: unknown[]) => unknown)(...args);
      };
      const bodies: Uint8Array[] = [];
      try {
        const flushes: number[] = [];
        const worker = traced({ fetch: () => new Response("ok") }, {
          configure: {
            serviceName: "otlp-timers",
            otlp: {
              endpoint: "https://collector.test/v1/traces",
              fetch: async (_url: string, init?: { body?: unknown }) => {
                bodies.push(init?.body as Uint8Array);
                return await Promise.resolve(new Response(null, { status: 200 }));
              },
            },
          },
          onFlush: (r) => void flushes.push(r.exported),
        });
        const ctx = new RecordingContext();
        await (await worker.fetch(new Request("https://x.test/"), {}, ctx)).text();
        await ctx.drain();
        assert.deepEqual(flushes, [2], "one span to JSONL storage, one over OTLP");
        assert.equal(bodies.length, 1, "one OTLP request");
      } finally {
        Object.assign(g, originals);
      }
      assert.equal(pending.size, 0, "every timer was cleared or fired");
      assert.equal(intervals, 0);
    }));

  it("passes the rest of the execution context through", () =>
    isolated(async () => {
      const { options } = setup();
      const worker = traced({
        fetch(_request: Request, _env: unknown, ctx: RecordingContext) {
          ctx.passThroughOnException();
          return new Response("ok");
        },
      }, options);
      const ctx = new RecordingContext();
      await (await worker.fetch(new Request("https://x.test/"), {}, ctx)).text();
      assert.equal(ctx.passedThrough, true);
      await ctx.drain();
    }));

  it(
    "works with workerd's real ExecutionContext",
    { skip: !isWorkerd },
    () =>
      isolated(async () => {
        const realCtx = (globalThis as { __TRACELET_TEST_CTX__?: RecordingContext })
          .__TRACELET_TEST_CTX__!;
        const flushed: number[] = [];
        const { options } = setup({}, { onFlush: (r) => void flushed.push(r.exported) });
        let background!: Promise<unknown>;
        const worker = traced({
          fetch(_request: Request, _env: unknown, ctx: RecordingContext) {
            background = Promise.resolve().then(() =>
              getTracer().startSpan("bg", { parent: invocationSpan(ctx) }).end()
            );
            ctx.waitUntil(background);
            return new Response("ok");
          },
        }, options);
        await (await worker.fetch(new Request("https://x.test/"), {}, realCtx)).text();
        await background;
        for (let i = 0; i < 50 && flushed.length === 0; i++) {
          await new Promise((r) => setTimeout(r, 1));
        }
        assert.deepEqual(flushed, [2]);
      }),
  );
});

describe("instrument(): context", () => {
  it("without AsyncLocalStorage: root active synchronously, explicit parents after await", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      const seen: (string | undefined)[] = [];
      const worker = traced({
        async fetch(request: Request, _env: unknown, ctx: RecordingContext) {
          seen.push(getTracer().activeSpan()?.spanId);
          await Promise.resolve();
          getTracer().startSpan(`child ${new URL(request.url).pathname}`, {
            parent: invocationSpan(ctx),
          }).end();
          return new Response("ok");
        },
      }, options);
      const ctxA = new RecordingContext();
      const ctxB = new RecordingContext();
      const [a, b] = await Promise.all([
        worker.fetch(new Request("https://x.test/a"), {}, ctxA),
        worker.fetch(new Request("https://x.test/b"), {}, ctxB),
      ]);
      await Promise.all([a.text(), b.text()]);
      await Promise.all([ctxA.drain(), ctxB.drain()]);
      const roots = exporter.spans.filter((s) => s.name === "GET");
      assert.equal(roots.length, 2);
      assert.deepEqual(seen.sort(), roots.map((r) => r.spanId).sort());
      for (const path of ["/a", "/b"]) {
        const child = byName(exporter.spans, `child ${path}`);
        const root = roots.find((r) => r.spanId === child.parentSpanId);
        assert.ok(root, `child ${path} has its own request's root as parent`);
        assert.equal(root.attributes["url.path"], path);
      }
    }));

  it("with AsyncLocalStorage: the root stays active across await, per request", () =>
    isolated(async () => {
      const { exporter, options } = setup({ asyncLocalStorage: AsyncLocalStorage });
      const worker = traced({
        async fetch(request: Request) {
          await new Promise((resolve) => setTimeout(resolve, 1));
          getTracer().startSpan(`child ${new URL(request.url).pathname}`).end();
          return new Response("ok");
        },
      }, options);
      const ctx = new RecordingContext();
      const responses = await Promise.all(
        ["/a", "/b"].map((p) => worker.fetch(new Request(`https://x.test${p}`), {}, ctx)),
      );
      await Promise.all(responses.map((r) => r.text()));
      await ctx.drain();
      for (const path of ["/a", "/b"]) {
        const child = byName(exporter.spans, `child ${path}`);
        const root = exporter.spans.find((s) => s.spanId === child.parentSpanId);
        assert.equal(root?.attributes["url.path"], path);
      }
    }));
});

describe("instrument(): scheduled, queue and the handler object", () => {
  it("traces cron and queue invocations and flushes each through waitUntil", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      const worker = traced({
        scheduled() {},
        async queue() {
          await Promise.resolve();
        },
      }, options);
      const ctx = new RecordingContext();
      await worker.scheduled({ cron: "*/5 * * * *", scheduledTime: Date.UTC(2026, 0, 1) }, {}, ctx);
      await worker.queue({ queue: "jobs", messages: [{}, {}, {}] }, {}, ctx);
      await ctx.drain();
      const cron = byName(exporter.spans, "scheduled */5 * * * *");
      assert.equal(cron.attributes["faas.trigger"], "timer");
      assert.equal(cron.attributes["faas.cron"], "*/5 * * * *");
      assert.equal(cron.attributes["faas.time"], "2026-01-01T00:00:00.000Z");
      const queue = byName(exporter.spans, "jobs process");
      assert.equal(queue.kind, "CONSUMER");
      assert.equal(queue.attributes["messaging.destination.name"], "jobs");
      assert.equal(queue.attributes["messaging.batch.message_count"], 3);
      assert.equal(ctx.waits.length, 2);
    }));

  it("keeps other properties, and `this` inside the handler's methods", () =>
    isolated(async () => {
      const { options } = setup();
      const handler = {
        greeting: "hi",
        email: () => "untouched",
        fetch(this: { greeting: string }) {
          return new Response(this.greeting);
        },
      };
      const worker = instrument(handler, options);
      assert.equal(worker.email, handler.email);
      assert.equal(worker.greeting, "hi");
      const ctx = new RecordingContext();
      const response = await (worker as unknown as Traced).fetch(
        new Request("https://x.test/"),
        {},
        ctx,
      );
      assert.equal(await response.text(), "hi");
      await ctx.drain();
    }));

  it("runs the handler untraced when configuring fails, and says why", () =>
    isolated(async () => {
      const worker = traced({ fetch: () => new Response("still serving") }, {
        configure: () => {
          throw new Error("bad options");
        },
      });
      const ctx = new RecordingContext();
      const { diagnostics } = await captureDiagnostics(async () => {
        const response = await worker.fetch(new Request("https://x.test/"), {}, ctx);
        assert.equal(await response.text(), "still serving");
      });
      assert.deepEqual(diagnostics.map((d) => d.code), ["worker_configure_failed"]);
      assert.equal(ctx.waits.length, 0);
    }));
});
