// instrument() with handlers (fetch, scheduled, queue) that return a lazy thenable (a query builder
// such as Knex or Prisma, whose `then` starts the work): that work runs inside the invocation's
// span, as it would if the handler awaited the thenable itself. Called directly with a recording
// execution context (every runtime, and inside workerd by the workerd runner), and in a real
// workerd with `nodejs_compat` through Miniflare (Node only).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getTracer } from "../../src/global.ts";
import type { SpanRecord } from "../../src/types.ts";
import { isNode } from "../_support/runtime.ts";
import type { MiniflareWorker } from "../_support/miniflare_worker.ts";
import { pollRecords, RECORDED_PATH, startWorker } from "../_support/miniflare_worker.ts";
import { byName, isolated, RecordingContext, setup, traced } from "./_helpers.ts";

/** A lazy thenable: `then` starts a span named `name`, ended (and `value` given) a tick later. */
function lazy<T>(name: string, value: T): PromiseLike<T> {
  return {
    then(resolve) {
      const work = getTracer().startSpan(name);
      setTimeout(() => {
        work.end();
        resolve?.(value);
      }, 1);
      return undefined as never;
    },
  };
}

/** The lazy work of each invocation (fetch, scheduled, queue) is a child of its span. */
function assertUnderInvocations(spans: readonly SpanRecord[]): void {
  const pairs = [
    ["fetch work", "GET"],
    ["scheduled work", "scheduled * * * * *"],
    ["queue work", "process jobs"],
  ];
  const parents = pairs.map(([work]) => {
    const parent = spans.find((s) => s.spanId === byName(spans, work).parentSpanId);
    return [work, parent?.name ?? "(none: a new trace)"];
  });
  assert.deepEqual(parents, pairs);
}

describe("instrument(): a handler that returns a lazy thenable", () => {
  it("runs the work its `then` starts inside the invocation span (fetch, scheduled, queue)", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      const worker = traced({
        fetch: () => lazy("fetch work", new Response("rows")) as Promise<Response>,
        scheduled: () => lazy("scheduled work", undefined),
        queue: () => lazy("queue work", undefined),
      }, options);
      const ctx = new RecordingContext();
      const response = await worker.fetch(new Request("https://x.test/items"), {}, ctx);
      assert.equal(await response.text(), "rows");
      await worker.scheduled({ cron: "* * * * *", scheduledTime: Date.now() }, {}, ctx);
      await worker.queue({ queue: "jobs", messages: [{}] }, {}, ctx);
      await ctx.drain();
      assertUnderInvocations(exporter.spans);
    }));
});

/** The Worker: each handler returns a lazy thenable; it records its ended spans. */
const WORKER = `
import { getTracer, instrument } from "./src/runtime/worker.ts";
const recorded = [];
const lazy = (name, value) => ({
  then(resolve) {
    const work = getTracer().startSpan(name);
    setTimeout(() => { work.end(); resolve(value); }, 1);
  },
});
const worker = instrument({
  fetch: () => lazy("fetch work", new Response("rows")),
  scheduled: () => lazy("scheduled work", undefined),
  queue: (batch) => lazy("queue work", batch.ackAll()),
}, {
  configure: {
    local: false,
    processors: [{
      onSpanEnd: (s) => void recorded.push({
        name: s.name, spanId: s.spanId, parentSpanId: s.parentSpanId, traceId: s.traceId,
      }),
    }],
  },
});
export default {
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname === ${JSON.stringify(RECORDED_PATH)}) {
      return Response.json(recorded);
    }
    return worker.fetch(request, env, ctx);
  },
  scheduled: (controller, env, ctx) => worker.scheduled(controller, env, ctx),
  queue: (batch, env, ctx) => worker.queue(batch, env, ctx),
};`;

interface Fetcher {
  scheduled(options: { cron?: string; scheduledTime?: Date }): Promise<unknown>;
  queue(
    queue: string,
    messages: { id: string; timestamp: Date; body: unknown; attempts: number }[],
  ): Promise<unknown>;
}

describe("instrument() in workerd with nodejs_compat, a handler that returns a lazy thenable", () => {
  it(
    "runs the work its `then` starts inside the invocation span (fetch, scheduled, queue)",
    { skip: !isNode && "starts Miniflare (Node only)" },
    async () => {
      let mf: MiniflareWorker | undefined;
      try {
        mf = await startWorker(WORKER, "thenable_worker.js", {}, {
          compatibilityFlags: ["nodejs_compat"],
        });
        const base = await mf.ready;
        const response = await mf.dispatchFetch(new URL("/items", base).href);
        assert.equal(await response.text(), "rows");
        const fetcher = await (mf as unknown as { getWorker(): Promise<Fetcher> }).getWorker();
        await fetcher.scheduled({ cron: "* * * * *", scheduledTime: new Date() });
        await fetcher.queue("jobs", [{ id: "m1", timestamp: new Date(), body: 1, attempts: 1 }]);
        const names = ["GET", "fetch work", "scheduled * * * * *", "scheduled work"];
        names.push("process jobs", "queue work");
        const spans = await pollRecords<SpanRecord>(
          mf,
          (spans) => names.every((name) => spans.some((s) => s.name === name)),
        );
        assertUnderInvocations(spans);
      } finally {
        await mf?.dispose();
      }
    },
  );
});
