// traceFetchHandler() with a handler that returns a lazy thenable (a query builder such as Knex or
// Prisma, whose `then` starts the work): that work runs inside the SERVER span, as it would if the
// handler awaited the thenable itself. Called directly, so this runs on every runtime.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { traceFetchHandler } from "../../src/http/trace_fetch_handler.ts";
import type { Span, Tracer } from "../../mod.ts";
import { withTracing } from "./_helpers.ts";

/**
 * A lazy thenable: `then` starts the work (a span, and what is active then), which settles
 * after `then` returned.
 */
function lazyQuery<T>(tracer: Tracer, outcome: { value: T } | { error: unknown }) {
  const seen: { active?: Span; query?: Span } = {};
  return {
    seen,
    then(resolve: (value: T) => unknown, reject: (error: unknown) => unknown): void {
      seen.active = tracer.activeSpan();
      seen.query = tracer.startSpan("query");
      setTimeout(() => {
        seen.query!.end();
        if ("value" in outcome) resolve(outcome.value);
        else reject(outcome.error);
      }, 1);
    },
  };
}

describe("traceFetchHandler(): a handler that returns a lazy thenable", () => {
  it("runs the work its `then` starts inside the server span", () =>
    withTracing(async ({ tracer, collected }) => {
      let query: ReturnType<typeof lazyQuery<Response>> | undefined;
      const handler = traceFetchHandler(() => {
        query = lazyQuery(tracer, { value: new Response("rows") });
        return query as unknown as Promise<Response>;
      }, { tracer });
      const response = await handler(new Request("http://svc.example/items"));
      assert.equal(await response.text(), "rows");
      const server = collected.byName("GET");
      const work = collected.byName("query");
      assert.equal(query?.seen.active?.spanId, server.spanId, "the server span is active in then");
      assert.equal(work.parentSpanId, server.spanId);
      assert.equal(work.traceId, server.traceId);
      assert.equal(server.attributes["http.response.status_code"], 200);
      assert.equal(tracer.activeSpan(), undefined);
    }));

  it("records the thenable's rejection on the server span, with the work inside it", () =>
    withTracing(async ({ tracer, collected }) => {
      const failure = new RangeError("query failed");
      const handler = traceFetchHandler(
        () => lazyQuery(tracer, { error: failure }) as unknown as Promise<Response>,
        { tracer },
      );
      await assert.rejects(handler(new Request("http://svc.example/items")), (e) => e === failure);
      const server = collected.byName("GET");
      assert.equal(server.status.code, "ERROR");
      assert.equal(server.attributes["error.type"], "RangeError");
      assert.equal(collected.byName("query").parentSpanId, server.spanId);
    }));
});
