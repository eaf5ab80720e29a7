// forceFlush() and shutdown() of the WebSocket exporter and what the socket still buffers:
// `forceFlush()` resolved once nothing waited for the connection, before the socket had written
// what was sent on it, so a program that exported, flushed and exited lost it (Deno: 0 of 3,001
// spans delivered, Bun about a fifth lost; Node's clients happen to hand 14 MB to the kernel at
// once); and `shutdown()` closed a connection holding unsent bytes silently, its spans counted as
// exported. Real loopback servers, `ws`'s client and the global WebSocket.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WebSocket as WsClient } from "ws";
import { type WebSocketConstructor, WebSocketSpanExporter } from "../src/exporter/websocket.ts";
import { runChildModule } from "./_support/child_module.ts";
import { captureDiagnostics } from "./_support/otlp_helpers.ts";
import { isBun, isWorkerd } from "./_support/runtime.ts";
import { makeSpanRecord } from "./_support/span_records.ts";
import { startRawServer, startWsServer, until } from "./_support/ws_test_servers.ts";

const globalWebSocket = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
const clients: [string, WebSocketConstructor][] = [["ws", WsClient as WebSocketConstructor]];
if (globalWebSocket !== undefined) clients.push(["the global WebSocket", globalWebSocket]);

describe("WebSocket exporter flush and exit", { skip: isWorkerd }, () => {
  it("a program that exports, awaits forceFlush() and exits at once delivers every span", async () => {
    const server = await startWsServer("record");
    try {
      const child = await runChildModule("tests/_support/ws_flush_child.ts", {
        TRACELET_TEST_WS_PORT: String(server.port),
        TRACELET_TEST_WS_SPANS: "3000",
      });
      assert.equal(child.code, 0, child.stderr);
      await until(() => server.messages.length >= 3001, "3,001 messages", 3000).catch(() => {});
      assert.equal(server.messages.length, 3001);
    } finally {
      await server.stop();
    }
  });
});

for (const [client, webSocket] of clients) {
  describe(`WebSocket exporter with ${client}, a server that stops reading`, {
    skip: isWorkerd || (client === "ws" && isBun) &&
        "needs a client that reports bufferedAmount (Bun's `ws` is its own)",
  }, () => {
    it("forceFlush waits for the socket to write what was sent, until its deadline; shutdown reports what it still held", async () => {
      const server = await startRawServer("no-read");
      const diagnostics = captureDiagnostics();
      const exporter = new WebSocketSpanExporter({
        runId: "r",
        port: server.port,
        webSocket,
        maxQueuedBytes: 64 * 1024 * 1024,
        maxBufferedBytes: 64 * 1024 * 1024,
      });
      try {
        const mib = "y".repeat(1024 * 1024);
        const spans = Array.from({ length: 32 }, () => makeSpanRecord({ attributes: { mib } }));
        const pending = exporter.export(spans);
        let started = Date.now();
        await exporter.forceFlush({ deadline: started + 400 });
        const flushed = Date.now() - started;
        assert.ok(flushed >= 350 && flushed < 2000, `forceFlush took ${flushed} ms`);
        started = Date.now();
        await exporter.shutdown({ deadline: started + 200 });
        assert.ok(Date.now() - started < 2000, "shutdown returns near its deadline");
        const report = await pending;
        const dropped = report.dropped.shutdown ?? 0;
        assert.equal(report.exported + dropped, 32, JSON.stringify(report));
        assert.ok(dropped >= 16, JSON.stringify(report));
        const unsent = diagnostics.list.filter((d) => d.code === "websocket_unsent_at_shutdown");
        assert.equal(unsent.length, 1, diagnostics.list.map((d) => d.code).join());
        assert.match(unsent[0].message, /with \d{7,} bytes not yet sent/);
        assert.ok(unsent[0].message.includes(`${dropped} spans`), unsent[0].message);
      } finally {
        diagnostics.restore();
        await server.stop();
      }
    });
  });
}
