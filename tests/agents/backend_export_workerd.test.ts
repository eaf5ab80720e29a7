// The OpenAI export path (BatchTraceProcessor + BackendSpanExporter) in a real workerd (Miniflare),
// posting to a loopback receiver on 127.0.0.1, over several requests. workerd ties an
// AbortController to the request that made it: one made in a constructor and reused posted only
// the first request's items (each later post failed with "Cannot perform I/O on behalf of a
// different request"), and made at global scope it stopped the Worker from starting ("Disallowed
// operation called within global scope"). Node only: it starts Miniflare itself (skipped
// elsewhere, including inside the workerd test run).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isNode } from "../_support/runtime.ts";
import type { MiniflareWorker } from "../_support/miniflare_worker.ts";
import { startWorker } from "../_support/miniflare_worker.ts";
import { type OtlpReceiver, withReceiver } from "../_support/otlp_receiver.ts";

/** Sequential requests per Worker. */
const REQUESTS = 4;

/**
 * A Worker whose processor and exporter are made at global scope (`"global"`) or in its first
 * request (`"first request"`). Each request `/?n=N` records trace `request N` with one span and
 * awaits `flushTraces()`; `/problems` answers with the warnings and errors it reported.
 */
function workerSource(endpoint: string, made: "global" | "first request"): string {
  return `
import "./src/runtime/worker.ts";
import { addTraceProcessor, BackendSpanExporter, BatchTraceProcessor, customSpan, flushTraces, trace }
  from "./src/agents/mod.ts";
import { setDiagnosticsHook } from "./src/diagnostics.ts";
const problems = [];
setDiagnosticsHook((d) => {
  if (d.level === "warn" || d.level === "error") problems.push(d.code + ": " + d.message);
});
let processor;
const make = () => {
  const exporter = new BackendSpanExporter({
    apiKey: "sk-test-workerd-0123456789",
    endpoint: ${JSON.stringify(endpoint)},
    env: () => undefined,
  });
  addTraceProcessor(processor = new BatchTraceProcessor(exporter));
};
${made === "global" ? "make();" : ""}
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/problems") return Response.json(problems);
    if (processor === undefined) make();
    trace("request " + url.searchParams.get("n")).run(() => customSpan("work").start().finish());
    await flushTraces();
    return new Response("ok");
  },
};`;
}

/** The workflow names of the traces the receiver got, in order. */
function tracesReceived(receiver: OtlpReceiver): string[] {
  const records = receiver.requests.flatMap((r) =>
    (r.decoded as unknown as { data: { object: string; workflow_name?: string }[] }).data
  );
  return records.filter((r) => r.object === "trace").map((r) => r.workflow_name!);
}

/** Sends `REQUESTS` requests one after another, then returns what the Worker reported. */
async function runRequests(mf: MiniflareWorker, receiver: OtlpReceiver): Promise<string[]> {
  const base = await mf.ready;
  for (let n = 1; n <= REQUESTS; n++) {
    const response = await mf.dispatchFetch(new URL(`/?n=${n}`, base).href);
    assert.equal(await response.text(), "ok");
    assert.equal(tracesReceived(receiver).length, n, `request ${n}'s trace was posted`);
  }
  return await (await mf.dispatchFetch(new URL("/problems", base).href)).json();
}

const expected = Array.from({ length: REQUESTS }, (_, i) => `request ${i + 1}`);

describe("BatchTraceProcessor + BackendSpanExporter in workerd", () => {
  for (const made of ["first request", "global"] as const) {
    it(
      `made ${
        made === "global" ? "at global scope" : "in the first request"
      }, posts every request's items`,
      { skip: !isNode && "starts Miniflare (Node only)" },
      () =>
        withReceiver(async (receiver) => {
          let mf: MiniflareWorker | undefined;
          try {
            mf = await startWorker(workerSource(receiver.url, made), "agents_export_worker.js", {});
            const problems = await runRequests(mf, receiver);
            assert.deepEqual(tracesReceived(receiver), expected);
            assert.equal(receiver.requests.length, REQUESTS, "one post per request");
            for (const request of receiver.requests) {
              const data = (request.decoded as unknown as { data: { object: string }[] }).data;
              assert.deepEqual(data.map((r) => r.object), ["trace", "trace.span"]);
            }
            assert.deepEqual(problems, []);
          } finally {
            await mf?.dispose();
          }
        }),
    );
  }
});
