// instrument() in a real workerd (Miniflare) when the client disconnects: before the handler
// returns (workerd then throws the response away without reading or cancelling its body, so only
// `request.signal` tells; it fires with the `enable_request_signal` compatibility flag) and in
// the middle of a streamed body. Either way the root span must end as cancelled and the flush
// must run; before the handler returns, only once the handler has returned, so the span it ends
// after the disconnect (the model call it was awaiting) is flushed too. Node only: it starts Miniflare itself (skipped elsewhere, including inside the
// workerd test run).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { isNode } from "../_support/runtime.ts";
import type { MiniflareWorker } from "../_support/miniflare_worker.ts";
import { pollRecords, recordingWorker, startWorker } from "../_support/miniflare_worker.ts";

/**
 * The Worker: `/slow` answers after 1 s, ending its `llm-call` span then, `/stream` streams
 * forever; it records its ended spans and its flushes (`"flush"`).
 */
const WORKER = recordingWorker({
  imports: `import { invocationSpan } from "./src/runtime/worker.ts";\n` +
    `import { getTracer } from "./src/global.ts";`,
  handler: `{
    async fetch(request, env, ctx) {
      const path = new URL(request.url).pathname;
      if (path === "/stream") {
        const chunk = new TextEncoder().encode("chunk\\n");
        return new Response(new ReadableStream({
          async pull(controller) {
            await new Promise((resolve) => setTimeout(resolve, 20));
            controller.enqueue(chunk);
          },
        }));
      }
      const call = getTracer().startSpan("llm-call", { parent: invocationSpan(ctx) });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      call.end();
      return new Response("too late");
    },
  }`,
  record: `{ name: s.name, path: s.attributes["url.path"], events: s.events.map((e) => e.name) }`,
  options: `onFlush: () => void recorded.push("flush")`,
});

type Entry = "flush" | { name: string; path?: string; events: string[] };

/** Sends a GET and resets the connection after `afterChunks` body chunks (0: after 200 ms). */
function disconnect(base: URL, path: string, afterChunks: number): Promise<void> {
  return new Promise((resolve) => {
    const req = http.get(new URL(path, base), (res) => {
      let chunks = 0;
      res.on("data", () => {
        if (++chunks === afterChunks) req.socket?.resetAndDestroy();
      });
    });
    req.on("error", () => resolve());
    req.on("close", () => resolve());
    if (afterChunks === 0) setTimeout(() => req.socket?.resetAndDestroy(), 200);
  });
}

/** Where the span named `name` (or the root span of `path`) is in the log, or -1. */
function spanAt(log: Entry[], path: string, name?: string): number {
  return log.findIndex((e) => e !== "flush" && (name ? e.name === name : e.path === path));
}

/**
 * Polls the Worker's records until the root span of `path` (or the span named `name`) and a flush
 * after it are there.
 */
function endedAndFlushed(mf: MiniflareWorker, path: string, name?: string): Promise<Entry[]> {
  return pollRecords<Entry>(mf, (log) => {
    const at = spanAt(log, path, name);
    return at >= 0 && log.slice(at).includes("flush");
  });
}

describe("instrument() in workerd, client disconnects", () => {
  it(
    "ends the root span as cancelled and flushes when the client leaves before the response",
    { skip: !isNode && "starts Miniflare (Node only)" },
    async () => {
      let mf: MiniflareWorker | undefined;
      try {
        mf = await startWorker(WORKER, "disconnect_worker.js", {}, {
          compatibilityFlags: ["enable_request_signal"],
        });
        const base = await mf.ready;
        await disconnect(base, "/slow", 0);
        const log = await endedAndFlushed(mf, "/slow", "llm-call");
        const at = spanAt(log, "/slow");
        assert.ok(at >= 0, `the root span ended: ${JSON.stringify(log)}`);
        assert.deepEqual(log[at], {
          name: "GET",
          path: "/slow",
          events: ["http.response.cancelled"],
        });
        const call = spanAt(log, "/slow", "llm-call");
        assert.ok(call > at, `the handler's span ended after it: ${JSON.stringify(log)}`);
        assert.deepEqual(
          log.slice(at),
          [log[at], log[call], "flush"],
          "one flush, after the handler's span",
        );

        await disconnect(base, "/stream", 2);
        const streamed = await endedAndFlushed(mf, "/stream");
        const end = streamed.findIndex((e) => e !== "flush" && e.path === "/stream");
        assert.ok(end >= 0, `the streamed span ended: ${JSON.stringify(streamed)}`);
        assert.deepEqual((streamed[end] as { events: string[] }).events, [
          "http.response.cancelled",
        ]);
        assert.ok(streamed.slice(end).includes("flush"));
      } finally {
        await mf?.dispose();
      }
    },
  );
});
