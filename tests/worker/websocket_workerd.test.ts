// The WebSocket exporter in a real workerd (Miniflare), one exporter shared by the Worker's
// requests, as a module-level exporter is: workerd forbids using a socket outside the request
// that opened it, so every request must export over its own connection, and every span must be
// counted. Node only: it starts Miniflare and a `ws` server itself (skipped elsewhere, including
// inside the workerd test run).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isNode } from "../_support/runtime.ts";
import { loadHidden, type MiniflareWorker, startWorker } from "../_support/miniflare_worker.ts";

interface ServerLike {
  on(event: string, listener: (socket: { on(e: string, l: () => void): void }) => void): void;
  once(event: string, listener: () => void): void;
  address(): { port: number };
  close(): void;
}
type ServerClass = new (options: Record<string, unknown>) => ServerLike;

/** The Worker: each request exports two spans with the one module-level exporter. */
const WORKER = `
import { WebSocketSpanExporter } from "./src/exporter/websocket.ts";
import { setDiagnosticsHook } from "./src/diagnostics.ts";
import { makeSpanRecord } from "./tests/_support/span_records.ts";
const diagnostics = [];
setDiagnosticsHook((d) => void diagnostics.push(d.code));
let exporter;
export default {
  async fetch(request, env) {
    exporter ??= new WebSocketSpanExporter({ runId: "workerd", url: env.SERVER });
    const name = new URL(request.url).pathname;
    const spans = [makeSpanRecord({ name: name + "-a" }), makeSpanRecord({ name: name + "-b" })];
    const report = await exporter.export(spans, { deadline: Date.now() + 5000 });
    return Response.json({ report, diagnostics: diagnostics.splice(0) });
  },
};`;

describe("WebSocket exporter in workerd", () => {
  it(
    "exports every request's spans over that request's own connection",
    { skip: !isNode && "starts Miniflare and a ws server (Node only)" },
    async () => {
      const { WebSocketServer } = await loadHidden<{ WebSocketServer: ServerClass }>("ws");
      const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
      await new Promise<void>((resolve) => server.once("listening", resolve));
      let messages = 0;
      server.on("connection", (socket) => socket.on("message", () => void messages++));
      let mf: MiniflareWorker | undefined;
      try {
        mf = await startWorker(WORKER, "websocket_worker.js", {
          SERVER: `ws://127.0.0.1:${server.address().port}`,
        });
        for (let i = 1; i <= 3; i++) {
          const answer = await (await mf.dispatchFetch(`http://worker.test/r${i}`)).json();
          assert.deepEqual(answer, {
            report: { exported: 2, retried: 0, persisted: 0, dropped: {}, failed: 0 },
            diagnostics: [],
          }, `request ${i}`);
        }
        for (let waited = 0; messages < 6 && waited < 5000; waited += 20) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        assert.equal(messages, 6, "the server got every span");
      } finally {
        await mf?.dispose();
        server.close();
      }
    },
  );
});
