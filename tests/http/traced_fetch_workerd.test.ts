// tracedFetch() inside a real workerd (Miniflare): a Worker instrumented with instrument() calls a
// loopback server through tracedFetch, with an explicit parent (no AsyncLocalStorage) and with the
// active span (nodejs_compat, with the AsyncLocalStorage class passed and without). Its spans
// reach a loopback OTLP collector through the per-invocation flush: the CLIENT span is a child of the SERVER span, and the
// upstream received the CLIENT span's traceparent. A proxied body (`return tracedFetch(...)`)
// arrives whole, and both spans end after it. Node only: it starts Miniflare and the servers
// (skipped elsewhere, including inside the workerd test run).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isNode } from "../_support/runtime.ts";
import { type MiniflareWorker, startWorker } from "../_support/miniflare_worker.ts";
import { OtlpReceiver } from "../_support/otlp_receiver.ts";
import { until } from "./_helpers.ts";
import { BIG, Upstream } from "./_upstream.ts";

const skip = !isNode && "starts Miniflare (Node only)";

/** The Worker; PARENT is how tracedFetch finds its parent. */
const worker = (imports: string, parent: string, als: string) => `
${imports}
import { instrument, invocationSpan } from "./src/runtime/worker.ts";
import { tracedFetch } from "./src/http/traced_fetch.ts";
export default instrument({
  async fetch(request, env, ctx) {
    await new Promise((resolve) => setTimeout(resolve, 1)); // the parent must outlive an await
    const traced = tracedFetch({ ${parent} });
    const path = new URL(request.url).pathname;
    if (path === "/proxy") return traced(env.UPSTREAM + "/big");
    const echoed = await (await traced(env.UPSTREAM + "/echo")).json();
    return Response.json({ traceparent: echoed.headers.traceparent });
  },
}, {
  configure: (env) => ({
    ${als}
    local: false,
    otlp: { endpoint: env.COLLECTOR, protocol: "http/json", compression: "none" },
  }),
});`;

const VARIANTS = [
  {
    name: "an explicit parent and fetch (no AsyncLocalStorage)",
    source: worker("", "parent: invocationSpan(ctx), fetch", ""),
    options: {},
  },
  {
    name: "the active span (AsyncLocalStorage)",
    // The Worker build does not leave `node:` imports to workerd: ask its process for the module.
    source: worker(
      'const { AsyncLocalStorage } = process.getBuiltinModule("node:async_hooks");',
      "",
      "asyncLocalStorage: AsyncLocalStorage,",
    ),
    options: { compatibilityFlags: ["nodejs_compat"] },
  },
  {
    // The preset finds `node:async_hooks`' class itself (it used a synchronous stack, and the
    // CLIENT span started after the handler's first await began a trace of its own).
    name: "the active span (nodejs_compat, no asyncLocalStorage option)",
    source: worker("", "", ""),
    options: { compatibilityFlags: ["nodejs_compat"] },
  },
];

/** A span as OTLP/JSON carries it. */
interface JsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}

/** Every span the collector received. */
function received(collector: OtlpReceiver): JsonSpan[] {
  return collector.requests.flatMap((r) =>
    (r.decoded?.resourceSpans ?? []).flatMap((rs: { scopeSpans?: { spans?: JsonSpan[] }[] }) =>
      (rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? [])
    )
  );
}

/** An attribute's value as a string. */
const attribute = (span: JsonSpan, key: string): string | undefined => {
  const found = span.attributes.find((a) => a.key === key);
  return found === undefined ? undefined : String(Object.values(found.value)[0]);
};

const SERVER = 2;
const CLIENT = 3;

describe("tracedFetch() in workerd", () => {
  for (const variant of VARIANTS) {
    it(`traces a subrequest with ${variant.name}, and its spans arrive`, { skip }, async () => {
      const upstream = await Upstream.start();
      const collector = await OtlpReceiver.start();
      let mf: MiniflareWorker | undefined;
      try {
        mf = await startWorker(variant.source, "traced_fetch_worker.js", {
          UPSTREAM: `http://127.0.0.1:${upstream.port}`,
          COLLECTOR: collector.url,
        }, variant.options);
        const answer = await (await mf.dispatchFetch("http://worker.test/echo")).json();
        await until(() => received(collector).length >= 2, 10_000);
        const spans = received(collector);
        const server = spans.find((s) => s.kind === SERVER)!;
        const client = spans.find((s) => s.kind === CLIENT)!;
        assert.ok(server && client, `a server and a client span: ${JSON.stringify(spans)}`);
        assert.equal(client.name, "GET");
        assert.equal(client.traceId, server.traceId);
        assert.equal(client.parentSpanId, server.spanId);
        assert.equal(answer.traceparent, `00-${client.traceId}-${client.spanId}-03`);
        assert.equal(attribute(client, "url.full"), `http://127.0.0.1:${upstream.port}/echo`);
        assert.equal(attribute(client, "server.port"), String(upstream.port));
        assert.equal(attribute(client, "http.response.status_code"), "200");

        const proxied = await mf.dispatchFetch("http://worker.test/proxy");
        assert.deepEqual(new Uint8Array(await proxied.arrayBuffer()), BIG);
        await until(() => received(collector).length >= 4, 10_000);
        const [proxyServer, proxyClient] = [SERVER, CLIENT].map((kind) =>
          received(collector).slice(2).find((s) => s.kind === kind)!
        );
        assert.equal(proxyClient.parentSpanId, proxyServer.spanId);
        assert.equal(attribute(proxyServer, "http.response.body.size"), String(BIG.length));
      } finally {
        await mf?.dispose();
        await collector.close();
        await upstream.close();
      }
    });
  }
});
