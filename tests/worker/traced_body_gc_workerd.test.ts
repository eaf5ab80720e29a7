// Traced response bodies in a real workerd (Miniflare) when garbage collection runs before they
// are read. workerd can collect a response stream's JavaScript object while the body is still
// pending, so a traced body that cancelled its source once its wrapper was collected (as a
// response nobody reads is cancelled on Node, Deno and Bun, freeing its connection) cut bodies
// short on Workers: a `tracedFetch()` response read after some allocations came back empty, and
// so did a `traceFetchHandler()` response. On workerd a traced body is never cancelled by a
// collection now. Node only: it starts Miniflare itself (skipped elsewhere, including inside the
// workerd test run).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isNode } from "../_support/runtime.ts";
import type { MiniflareWorker } from "../_support/miniflare_worker.ts";
import { startWorker } from "../_support/miniflare_worker.ts";

/** The Worker: makes a traced response (`?kind=client|server`), churns memory, then reads it. */
const WORKER = `
import { tracedFetch } from "./src/http/traced_fetch.ts";
import { traceFetchHandler } from "./src/http/trace_fetch_handler.ts";
import { Tracer } from "./src/tracer.ts";

const ended = [];
const tracer = new Tracer({ processors: [{ onSpanEnd: (s) => void ended.push(s.events.map((e) => e.name)) }] });
/** A body of 10 bytes that arrives after 300 ms. */
const late = () => new Response(new ReadableStream({
  start(controller) {
    setTimeout(() => { controller.enqueue(new Uint8Array(10)); controller.close(); }, 300);
  },
}));
const client = tracedFetch({ tracer, fetch: async () => late() });
const server = traceFetchHandler(() => late(), { tracer });
function churn() {
  let kept = 0;
  for (let i = 0; i < 100; i++) kept += new Array(100000).fill(i).length;
  return kept;
}
export default {
  async fetch(request) {
    ended.length = 0;
    const kind = new URL(request.url).searchParams.get("kind");
    const response = kind === "client"
      ? await client("https://example.test/")
      : await server(new Request("https://example.test/"));
    for (let round = 0; round < 3; round++) {
      churn();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const got = await response.arrayBuffer().then((b) => b.byteLength, (e) => String(e));
    return Response.json({ got, ended });
  },
};`;

describe("traced bodies in workerd, collections before they are read", () => {
  for (const kind of ["client", "server"]) {
    it(
      `keeps a ${kind} response's whole body and ends its span when read, not as cancelled`,
      { skip: !isNode && "starts Miniflare (Node only)" },
      async () => {
        let mf: MiniflareWorker | undefined;
        try {
          mf = await startWorker(WORKER, `gc_${kind}_worker.js`, {});
          const base = await mf.ready;
          for (let round = 0; round < 3; round++) {
            const result = await (await mf.dispatchFetch(new URL(`/?kind=${kind}`, base).href))
              .json() as { got: number | string; ended: string[][] };
            assert.deepEqual(result, { got: 10, ended: [[]] });
          }
        } finally {
          await mf?.dispose();
        }
      },
    );
  }
});
