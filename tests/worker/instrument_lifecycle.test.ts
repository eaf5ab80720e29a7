// The Workers preset's instrument(): waitUntil tracking, a flush through ctx.waitUntil that never
// rejects, no timers, context with and without AsyncLocalStorage, cron and queue invocations, and
// the handler object. Inside workerd one test uses the real ExecutionContext of the test run.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import type { SpanProcessor } from "../../src/processor/types.ts";
import { getTracer } from "../../src/global.ts";
import { instrument, invocationSpan } from "../../src/runtime/worker.ts";
import type { WorkerConfigureOptions } from "../../src/runtime/worker.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { byName, isolated, RecordingContext, setup, traced } from "./_helpers.ts";
import type { Traced } from "./_helpers.ts";

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
      const queue = byName(exporter.spans, "process jobs");
      assert.equal(queue.kind, "CONSUMER");
      assert.equal(queue.attributes["messaging.operation.name"], "process");
      assert.equal(queue.attributes["messaging.operation.type"], "process");
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

  it("gives wrapped and passed-through methods one `this`: state written by one is seen by all", () =>
    isolated(async () => {
      const { options } = setup();
      const handler = {
        count: 0,
        fetch(this: { count: number }) {
          this.count++;
          return new Response(String(this.count));
        },
        email(this: { count: number }) {
          return ++this.count;
        },
      };
      const worker = instrument(handler, options);
      const ctx = new RecordingContext();
      const fetch = (worker as unknown as Traced).fetch;
      await (await fetch.call(worker, new Request("https://x.test/"), {}, ctx)).text();
      assert.equal(worker.email(), 2, "email sees the request fetch counted");
      const response = await fetch.call(worker, new Request("https://x.test/"), {}, ctx);
      assert.equal(await response.text(), "3", "fetch sees what email counted");
      assert.equal(worker.count, 3);
      assert.equal(handler.count, 3);
      await ctx.drain();
    }));

  it("instruments a frozen handler and a handler whose fetch is a getter", () =>
    isolated(async () => {
      const frozen = Object.freeze({ fetch: () => new Response("frozen") });
      const getter = {
        get fetch() {
          return () => new Response("getter");
        },
      };
      for (const [handler, text] of [[frozen, "frozen"], [getter, "getter"]] as const) {
        const { exporter, options } = setup();
        const worker = instrument(handler, options) as unknown as Traced;
        const ctx = new RecordingContext();
        const response = await worker.fetch(new Request("https://x.test/"), {}, ctx);
        assert.equal(await response.text(), text);
        await ctx.drain();
        assert.equal(exporter.spans.length, 1, `the ${text} handler is traced`);
      }
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
      // In the message: the default console hook prints no cause (it said only "Cannot configure").
      assert.match(diagnostics[0].message, /bad options/);
      assert.equal(ctx.waits.length, 0);
    }));

  it("names the invalid option in the message itself (the console hook prints no cause)", () =>
    isolated(async () => {
      // The README's Worker without its OTLP_TOKEN binding: the header value is undefined.
      const worker = traced({ fetch: () => new Response("ok") }, {
        configure: () => ({
          otlp: {
            endpoint: "https://collector.test/v1/traces",
            headers: { authorization: undefined as unknown as string },
          },
        }),
      });
      const { diagnostics } = await captureDiagnostics(async () => {
        await worker.fetch(new Request("https://x.test/"), {}, new RecordingContext());
      });
      assert.equal(diagnostics.length, 1);
      assert.match(diagnostics[0].message, /authorization/);
      assert.match(diagnostics[0].message, /the handler runs untraced$/);
    }));
});
