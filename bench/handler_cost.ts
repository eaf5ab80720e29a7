/**
 * CPU per request of `traceFetchHandler` on a trivial handler, against the same handler untraced
 * and with a span made by hand (`withSpan` + two attributes): each call builds a `Request`, runs
 * the handler and reads the response body whole, as a server would. Spans go to a batch
 * processor with an exporter that discards. Not part of `bench.ts`: a cost to know, not a target.
 *
 *   node --import ./bench/_node_loader.mjs bench/handler_cost.ts [requests]
 *   deno run -A bench/handler_cost.ts [requests]
 *
 * @module
 */
import process from "node:process";
import { traceFetchHandler } from "../src/http/trace_fetch_handler.ts";
import { BatchSpanProcessor } from "../src/processor/batch.ts";
import type { SpanExporter } from "../src/processor/types.ts";
import { Tracer } from "../src/tracer.ts";

const requests = Number(process.argv[2] ?? 20_000);
const discard: SpanExporter = {
  export: (spans) =>
    Promise.resolve({ exported: spans.length, retried: 0, persisted: 0, dropped: {}, failed: 0 }),
  shutdown: () => Promise.resolve(),
};
const tracer = new Tracer({ processors: [new BatchSpanProcessor(discard)] });
const handler = (_request: Request) =>
  new Response("ok", { headers: { "content-type": "text/plain" } });
const headers = {
  "user-agent": "bench/1.0",
  accept: "*/*",
  traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
};

const CASES: Record<string, (request: Request) => Response | Promise<Response>> = {
  untraced: handler,
  "span by hand": (request) =>
    tracer.withSpan("GET /items", (span) => {
      span.setAttributes({ "http.request.method": "GET", "url.path": "/items/42" });
      return handler(request);
    }),
  "traceFetchHandler, waitForBody: false": traceFetchHandler(handler, {
    tracer,
    waitForBody: false,
  }),
  "traceFetchHandler (default: the span ends with the body)": traceFetchHandler(handler, {
    tracer,
  }),
};

/** CPU µs per request of `serve`, after a warm-up. */
async function cpuPerRequest(serve: (request: Request) => Response | Promise<Response>) {
  const once = async () => {
    const response = await serve(new Request("http://localhost:8080/items/42?x=1", { headers }));
    await response.text();
  };
  for (let i = 0; i < requests / 5; i++) await once();
  const before = process.cpuUsage();
  for (let i = 0; i < requests; i++) await once();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / requests;
}

for (const [name, serve] of Object.entries(CASES)) {
  console.log(`${(await cpuPerRequest(serve)).toFixed(1).padStart(7)} µs/request  ${name}`);
}
await tracer.shutdown();
