// instrument() when the client disconnects before the handler returns (workerd aborts
// `request.signal`; here an AbortController stands in): the root span ends as cancelled at once,
// but the flush waits for the handler, so the spans it still ends are flushed with it. A handler
// that never settles leaves its cancelled root span queued for the next invocation's flush. Every
// runtime (the real workerd disconnect is in instrument_workerd_disconnect.test.ts).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getTracer } from "../../src/global.ts";
import { invocationSpan } from "../../src/runtime/worker.ts";
import { byName, isolated, RecordingContext, setup, traced } from "./_helpers.ts";

/** A promise and the function that resolves it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Lets every already-settled promise run. */
async function idle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

describe("instrument(): client disconnect before the handler returns", () => {
  it("flushes the spans the handler ends after the disconnect, once it has returned", () =>
    isolated(async () => {
      const flushes: number[] = [];
      const { exporter, ended, options } = setup({}, {
        onFlush: (r) => void flushes.push(r.exported),
      });
      const model = gate();
      const worker = traced({
        async fetch(_request: Request, _env: unknown, ctx: RecordingContext) {
          const call = getTracer().startSpan("llm-call", { parent: invocationSpan(ctx) });
          await model.promise;
          call.end();
          return new Response("done");
        },
      }, options);
      const client = new AbortController();
      const ctx = new RecordingContext();
      const request = new Request("https://x.test/slow", { signal: client.signal });
      const response = worker.fetch(request, {}, ctx);
      await idle();
      client.abort();
      await idle();
      assert.deepEqual(ended, ["GET"], "the root span ends at the disconnect");
      assert.deepEqual(flushes, [], "no flush while the handler still runs");

      model.open();
      await (await response).text();
      await ctx.drain();
      assert.deepEqual(ended, ["GET", "llm-call"]);
      assert.deepEqual(flushes, [2], "one flush, with the span ended after the disconnect");
      const root = byName(exporter.spans, "GET");
      assert.deepEqual(root.events.map((e) => e.name), ["http.response.cancelled"]);
      assert.equal(byName(exporter.spans, "llm-call").parentSpanId, root.spanId);
    }));

  it("keeps the cancelled root span of a handler that never returns for the next flush", () =>
    isolated(async () => {
      const flushes: number[] = [];
      const { exporter, ended, options } = setup({}, {
        onFlush: (r) => void flushes.push(r.exported),
      });
      const worker = traced({
        fetch: (request: Request) =>
          new URL(request.url).pathname === "/hang"
            ? new Promise<Response>(() => {})
            : new Response("ok"),
      }, options);
      const client = new AbortController();
      void worker.fetch(
        new Request("https://x.test/hang", { signal: client.signal }),
        {},
        new RecordingContext(),
      );
      client.abort();
      await idle();
      assert.deepEqual(ended, ["GET"], "the root span ended at the disconnect");
      assert.deepEqual(flushes, []);

      const ctx = new RecordingContext();
      await (await worker.fetch(new Request("https://x.test/next"), {}, ctx)).text();
      await ctx.drain();
      assert.deepEqual(flushes, [2], "the next invocation's flush exports both root spans");
      assert.deepEqual(
        exporter.spans.map((s) => s.attributes["url.path"]).sort(),
        ["/hang", "/next"],
      );
    }));
});
