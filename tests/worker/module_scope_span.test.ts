// A span started at a Worker's module scope (a "boot" span, or `configure()` then `startSpan` at
// the top of the module): workerd forbids random values there, and the id generator's
// `crypto.getRandomValues` threw out of `startSpan`, so the Worker failed to start. The ids made
// there now come from Math.random; the ones made in requests from the crypto pool again.
// Node only: it starts Miniflare itself (skipped elsewhere, including inside the workerd run).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isNode } from "../_support/runtime.ts";
import type { MiniflareWorker } from "../_support/miniflare_worker.ts";
import { startWorker } from "../_support/miniflare_worker.ts";

const WORKER = `
import { Tracer } from "./src/tracer.ts";
import { getTracer } from "./src/runtime/worker.ts";
const ended = [];
const tracer = new Tracer({ processors: [{ onSpanEnd: (s) => void ended.push(s) }] });
const boot = tracer.startSpan("boot"); // module scope
const global = getTracer().startSpan("global boot"); // the preset's tracer, module scope too
export default {
  fetch() {
    boot.end();
    global.end();
    const inRequest = tracer.startSpan("request");
    inRequest.end();
    return Response.json(ended.map((s) => ({ name: s.name, traceId: s.traceId, spanId: s.spanId })));
  },
};`;

describe("a span started at a Worker's module scope", () => {
  it(
    "does not stop the Worker from starting, and has valid, distinct ids",
    { skip: !isNode && "starts Miniflare (Node only)" },
    async () => {
      let mf: MiniflareWorker | undefined;
      try {
        mf = await startWorker(WORKER, "module_scope_worker.js", {});
        const response = await mf.dispatchFetch(new URL("/", await mf.ready).href);
        assert.equal(response.status, 200);
        const spans: { name: string; traceId: string; spanId: string }[] = await response.json();
        assert.deepEqual(spans.map((s) => s.name), ["boot", "request"]);
        for (const span of spans) {
          assert.match(span.traceId, /^[0-9a-f]{32}$/);
          assert.match(span.spanId, /^[0-9a-f]{16}$/);
          assert.notEqual(span.traceId, "0".repeat(32));
          assert.notEqual(span.spanId, "0".repeat(16));
        }
        assert.notEqual(spans[0].traceId, spans[1].traceId);
      } finally {
        await mf?.dispose();
      }
    },
  );
});
