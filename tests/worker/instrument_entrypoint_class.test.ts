// instrument() given a class-based entrypoint (`export default class extends WorkerEntrypoint`)
// refused it at load ("it must be an object"), so the Worker did not start (Workers user trial).
// It now returns a subclass whose `fetch`, `scheduled` and `queue` (those the class has) are traced
// as an object handler's are, with `this.env` as env and the tracked view of `this.ctx` seen by
// the user's method as `this.ctx` (its `waitUntil` work is flushed with the invocation); RPC
// methods and static members are inherited untouched. The first tests use a stand-in base class
// (its constructor sets `this.ctx` and `this.env`, as WorkerEntrypoint's does) and run on every
// runtime; the last one runs the real WorkerEntrypoint in workerd (Miniflare, Node only).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { TracerError } from "../../src/errors.ts";
import { getTracer } from "../../src/global.ts";
import type { SpanRecord } from "../../src/types.ts";
import { instrument, invocationSpan } from "../../src/runtime/worker.ts";
import type { MessageBatchLike, ScheduledControllerLike } from "../../src/runtime/worker.ts";
import { WORKER_BUILD } from "../../scripts/worker_build.mjs";
import { isNode } from "../_support/runtime.ts";
import { loadHidden, type MiniflareWorker } from "../_support/miniflare_worker.ts";
import { byName, isolated, RecordingContext, setup } from "./_helpers.ts";

/** Stands in for `WorkerEntrypoint`: workerd makes an instance per invocation, `new C(ctx, env)`. */
class StandInEntrypoint {
  ctx: RecordingContext;
  env: Record<string, string>;
  constructor(ctx: RecordingContext, env: Record<string, string>) {
    this.ctx = ctx;
    this.env = env;
  }
}

/** What an instrumented class's instances answer, as workerd calls them. */
interface Invoked {
  fetch?(request: Request): Promise<Response>;
  scheduled?(controller: ScheduledControllerLike): Promise<unknown>;
  queue?(batch: MessageBatchLike): Promise<unknown>;
}

/** `new Class(ctx, env)`, as workerd does it. */
const entrypoint = (
  Class: typeof StandInEntrypoint,
  ctx: RecordingContext,
  env: Record<string, string> = {},
): StandInEntrypoint & Invoked => new Class(ctx, env) as StandInEntrypoint & Invoked;

describe("instrument() given a WorkerEntrypoint class", () => {
  it("traces fetch with this.env, and flushes the this.ctx.waitUntil work with it", () =>
    isolated(async () => {
      const flushes: number[] = [];
      const { exporter, options } = setup({}, { onFlush: (r) => void flushes.push(r.exported) });
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const Api = instrument(
        class extends StandInEntrypoint {
          fetch(request: Request): Response {
            const parent = invocationSpan(this.ctx);
            this.ctx.waitUntil(
              gate.then(() => getTracer().startSpan("background", { parent }).end()),
            );
            this.ctx.passThroughOnException();
            return new Response(`${this.env.GREETING} ${new URL(request.url).pathname}`);
          }
        },
        options,
      );
      const ctx = new RecordingContext();
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      const request = new Request("https://api.example.com/items/7", {
        method: "POST",
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, "content-length": "0" },
      });
      const response = await entrypoint(Api, ctx, { GREETING: "hello" }).fetch!(request);
      assert.equal(await response.text(), "hello /items/7");
      for (let i = 0; i < 20; i++) await Promise.resolve();
      assert.deepEqual(flushes, [], "no flush while this.ctx.waitUntil work is pending");
      release();
      await ctx.drain();
      assert.deepEqual(flushes, [2], "one flush, with the root span and the background one");
      assert.equal(exporter.batches.length, 1);
      const root = byName(exporter.spans, "POST");
      assert.equal(root.kind, "SERVER");
      assert.equal(root.traceId, traceId);
      assert.equal(root.parentSpanId, "00f067aa0ba902b7");
      assert.equal(root.attributes["http.request.method"], "POST");
      assert.equal(root.attributes["url.path"], "/items/7");
      assert.equal(root.attributes["server.address"], "api.example.com");
      assert.equal(root.attributes["http.response.status_code"], 200);
      assert.equal(root.attributes["http.response.body.size"], 14);
      assert.equal(root.attributes["faas.trigger"], "http");
      assert.equal(byName(exporter.spans, "background").parentSpanId, root.spanId);
      assert.equal(ctx.waits.length, 2, "the user's promise and the flush reached the real ctx");
      assert.equal(ctx.passedThrough, true, "the rest of this.ctx reaches the real context");
    }));

  it("records a thrown error, and passes it on", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      const Failing = instrument(
        class extends StandInEntrypoint {
          fetch(): Response {
            throw new RangeError("boom");
          }
        },
        options,
      );
      const ctx = new RecordingContext();
      await assert.rejects(
        entrypoint(Failing, ctx).fetch!(new Request("https://x.test/")),
        RangeError,
      );
      await ctx.drain();
      const [root] = exporter.spans;
      assert.equal(root.status.code, "ERROR");
      assert.equal(root.attributes["error.type"], "RangeError");
    }));

  it("traces scheduled and queue from the prototype chain, and adds no fetch", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      class Jobs extends StandInEntrypoint {
        scheduled(): string {
          return `cron for ${this.env.NAME}`;
        }
      }
      const Consumer = instrument(
        class extends Jobs {
          async queue(batch: MessageBatchLike): Promise<number> {
            await Promise.resolve();
            return batch.messages?.length ?? 0;
          }
        },
        options,
      );
      const ctx = new RecordingContext();
      const instance = entrypoint(Consumer, ctx, { NAME: "jobs" });
      assert.equal(instance.fetch, undefined, "no fetch: workerd sees none");
      const controller = { cron: "*/5 * * * *", scheduledTime: Date.UTC(2026, 0, 1) };
      assert.equal(await instance.scheduled!(controller), "cron for jobs");
      assert.equal(await instance.queue!({ queue: "jobs", messages: [{}, {}, {}] }), 3);
      await ctx.drain();
      const cron = byName(exporter.spans, "scheduled */5 * * * *");
      assert.equal(cron.attributes["faas.trigger"], "timer");
      const queue = byName(exporter.spans, "process jobs");
      assert.equal(queue.kind, "CONSUMER");
      assert.equal(queue.attributes["messaging.batch.message_count"], 3);
      assert.equal(ctx.waits.length, 2, "one flush per invocation");
    }));

  it("leaves RPC methods, static members, instanceof and the class name as they were", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      class Api extends StandInEntrypoint {
        static version = 3;
        static describe(): string {
          return "api";
        }
        fetch(): Response {
          return new Response("ok");
        }
        greet(name: string): string {
          return `${this.env.GREETING} ${name}`;
        }
      }
      const Traced = instrument(Api, options);
      assert.notEqual(Traced, Api, "a subclass, not the class changed");
      assert.equal(Traced.name, "Api");
      assert.equal(Traced.version, 3);
      assert.equal(Traced.describe, Api.describe);
      assert.equal(Traced.prototype.greet, Api.prototype.greet, "RPC methods are inherited");
      assert.notEqual(Traced.prototype.fetch, Api.prototype.fetch);
      assert.equal(Object.keys(Traced.prototype).length, 0, "methods are not enumerable");
      const ctx = new RecordingContext();
      const instance = new Traced(ctx, { GREETING: "hi" });
      assert.ok(instance instanceof Api);
      assert.equal(instance.greet("ada"), "hi ada");
      await ctx.drain();
      assert.deepEqual(exporter.spans, [], "an RPC call is not traced");
    }));

  it("tracks each invocation of one instance on its own: a later one holds no earlier flush", () =>
    isolated(async () => {
      const flushes: string[] = [];
      const { exporter, options } = setup({}, {
        onFlush: () => void flushes.push(exporter.spans.map((s) => s.name).join()),
      });
      const gates = new Map<string, () => void>();
      const Api = instrument(
        class extends StandInEntrypoint {
          fetch(request: Request): Response {
            const parent = invocationSpan(this.ctx);
            const path = new URL(request.url).pathname;
            const gate = new Promise<void>((resolve) => gates.set(path, resolve));
            this.ctx.waitUntil(gate.then(() => getTracer().startSpan(path, { parent }).end()));
            return new Response(path);
          }
        },
        options,
      );
      const ctx = new RecordingContext();
      const instance = entrypoint(Api, ctx);
      for (const path of ["/a", "/b"]) {
        await (await instance.fetch!(new Request(`https://x.test${path}`))).text();
      }
      gates.get("/a")!();
      for (let i = 0; i < 20; i++) await Promise.resolve();
      assert.deepEqual(flushes, ["GET,GET,/a"], "/a's flush does not wait for /b's work");
      gates.get("/b")!();
      await ctx.drain();
      assert.equal(flushes.length, 2);
      const [a, b] = exporter.spans.filter((s) => s.name === "GET");
      assert.equal(byName(exporter.spans, "/a").parentSpanId, a.spanId);
      assert.equal(byName(exporter.spans, "/b").parentSpanId, b.spanId);
      assert.equal(ctx.waits.length, 4, "two user promises and two flushes, each passed once");
    }));

  it("still refuses a function with none of the three methods, saying what it takes", () => {
    const { options } = setup();
    const refused: unknown[] = [
      () => new Response("arrow"),
      function handler() {},
      class {
        greet(): string {
          return "rpc only";
        }
      },
      "handler",
      null,
    ];
    for (const handler of refused) {
      assert.throws(
        () => instrument(handler as never, options),
        (error) =>
          error instanceof TracerError && error.code === "INVALID_CONFIG" &&
          /an object or a WorkerEntrypoint class/.test(error.message),
        String(handler),
      );
    }
  });
});

/**
 * The Worker: the real WorkerEntrypoint, instrumented. Its RPC method `recorded()` (not traced,
 * so it flushes nothing itself) answers the flushes so far with the spans each exported.
 */
const WORKER = `
import { WorkerEntrypoint } from "cloudflare:workers";
import { getTracer, instrument, invocationSpan } from "./src/runtime/worker.ts";
import { BatchSpanProcessor } from "./src/processor/batch.ts";
const exported = [];
const flushes = [];
const exporter = {
  async export(spans) {
    for (const s of spans) {
      exported.push({ name: s.name, kind: s.kind, traceId: s.traceId, spanId: s.spanId,
        parentSpanId: s.parentSpanId, attributes: s.attributes });
    }
    return { exported: spans.length, retried: 0, persisted: 0, dropped: {}, failed: 0 };
  },
};
export default instrument(class Api extends WorkerEntrypoint {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    const parent = invocationSpan(this.ctx);
    this.ctx.waitUntil((async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      getTracer().startSpan("background", { parent }).end();
    })());
    return new Response(this.env.GREETING + " " + path);
  }
  recorded() {
    return flushes;
  }
}, {
  configure: { local: false, processors: [new BatchSpanProcessor(exporter, { timers: false })] },
  onFlush: (report) => void flushes.push({ exported: report.exported, spans: exported.splice(0) }),
});`;

/** A flush the Worker saw: its report's `exported` and the spans exported since the last one. */
interface Flush {
  exported: number;
  spans: (Pick<SpanRecord, "name" | "kind" | "traceId" | "spanId" | "attributes"> & {
    parentSpanId?: string;
  })[];
}

/** The running Worker: requests can carry headers, and its RPC methods can be called. */
interface EntrypointWorker extends MiniflareWorker {
  dispatchFetch(url: string, init?: RequestInit): Promise<Response>;
  getWorker(): Promise<{ recorded(): Promise<Flush[]> }>;
}

interface Bundler {
  build(options: Record<string, unknown>): Promise<{ outputFiles: { text: string }[] }>;
}

/** Bundles the Worker as Wrangler does, with `cloudflare:workers` left to workerd, and starts it. */
async function startEntrypointWorker(bindings: Record<string, string>): Promise<EntrypointWorker> {
  const esbuild = await loadHidden<Bundler>("esbuild");
  const { Miniflare } = await loadHidden<
    { Miniflare: new (options: Record<string, unknown>) => EntrypointWorker }
  >("miniflare");
  const built = await esbuild.build({
    stdin: {
      contents: WORKER,
      resolveDir: fileURLToPath(new URL("../../", import.meta.url)),
      sourcefile: "entrypoint_class_worker.js",
    },
    ...WORKER_BUILD,
    external: ["cloudflare:*"],
    write: false,
  });
  return new Miniflare({
    modules: true,
    script: built.outputFiles[0].text,
    compatibilityDate: "2026-04-01",
    bindings,
  });
}

/** Calls the Worker's `recorded()` every 50 ms until a flush has `path`'s root span, for 5 s. */
async function flushOf(mf: EntrypointWorker, path: string): Promise<Flush | undefined> {
  const worker = await mf.getWorker();
  for (let waited = 0; waited < 5000; waited += 50) {
    const flush = (await worker.recorded()).find((f) =>
      f.spans.some((s) => s.attributes["url.path"] === path)
    );
    if (flush !== undefined) return flush;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return undefined;
}

describe("instrument() given the real WorkerEntrypoint, in workerd", () => {
  it(
    "starts the Worker, exports the root span with HTTP attributes and flushes this.ctx.waitUntil spans with it",
    { skip: !isNode && "starts Miniflare (Node only)" },
    async () => {
      let mf: EntrypointWorker | undefined;
      try {
        mf = await startEntrypointWorker({ GREETING: "hello" });
        const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        const response = await mf.dispatchFetch(new URL("/items/7", await mf.ready).href, {
          headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
        });
        assert.equal(await response.text(), "hello /items/7", "this.env is the Worker's env");
        const flush = await flushOf(mf, "/items/7");
        assert.ok(flush, "the root span was exported (and RPC methods still answer)");
        const root = flush.spans.find((s) => s.attributes["url.path"] === "/items/7")!;
        assert.equal(root.name, "GET");
        assert.equal(root.kind, "SERVER");
        assert.equal(root.traceId, traceId);
        assert.equal(root.parentSpanId, "00f067aa0ba902b7");
        assert.equal(root.attributes["http.request.method"], "GET");
        assert.equal(root.attributes["http.response.status_code"], 200);
        assert.equal(root.attributes["faas.trigger"], "http");
        assert.equal(root.attributes["cloud.platform"], "cloudflare.workers");
        const background = flush.spans.find((s) => s.name === "background");
        assert.ok(background, "the this.ctx.waitUntil span is in the invocation's own flush");
        assert.equal(background.parentSpanId, root.spanId);
        assert.equal(flush.exported, 2);
      } finally {
        await mf?.dispose();
      }
    },
  );
});
