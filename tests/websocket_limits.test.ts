// The WebSocket exporter's forceFlush(limit) and shutdown(limit) follow the one rule of every
// public flush and shutdown: a number below 10^12 is a timeout in ms, a larger one an epoch-ms
// deadline, given bare or as `{ deadline }`. They read only `options.deadline`, in epoch ms: so
// `shutdown({ deadline: 5000 })` meant a deadline in 1970 (spans still waiting for the connection
// were dropped at once), and a bare number (`forceFlush(300)`, `shutdown(Date.now() + 300)`) was
// no limit at all (they waited for the connect timeout). Real loopback servers, `ws`'s client and
// the global WebSocket.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WebSocket as WsClient } from "ws";
import type { ExportOptions } from "../src/processor/types.ts";
import { type WebSocketConstructor, WebSocketSpanExporter } from "../src/exporter/websocket.ts";
import { isWorkerd } from "./_support/runtime.ts";
import { makeSpanBatch } from "./_support/span_records.ts";
import { startRawServer, startWsServer, until } from "./_support/ws_test_servers.ts";

const globalWebSocket = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
const clients: [string, WebSocketConstructor][] = [["ws", WsClient as WebSocketConstructor]];
if (globalWebSocket !== undefined) clients.push(["the global WebSocket", globalWebSocket]);

/** The limits meaning "300 ms from now", in every form a caller may give them. */
const limits: [string, () => ExportOptions | number][] = [
  ["a bare timeout", () => 300],
  ["a timeout as { deadline }", () => ({ deadline: 300 })],
  ["a bare epoch deadline", () => Date.now() + 300],
  ["an epoch deadline as { deadline }", () => ({ deadline: Date.now() + 300 })],
];

for (const [client, webSocket] of clients) {
  describe(`WebSocket exporter limits with ${client}`, { skip: isWorkerd }, () => {
    for (const limit of [5000, { deadline: 5000 }]) {
      it(`shutdown(${JSON.stringify(limit)}) delivers the spans waiting for the connection`, async () => {
        const server = await startWsServer("record");
        const exporter = new WebSocketSpanExporter({ runId: "r", port: server.port, webSocket });
        try {
          const pending = exporter.export(makeSpanBatch(5));
          const started = Date.now();
          await exporter.shutdown(limit);
          assert.ok(Date.now() - started < 4000, `shutdown took ${Date.now() - started} ms`);
          const report = await pending;
          assert.equal(report.exported, 5, JSON.stringify(report));
          await until(() => server.messages.length >= 5, "5 messages");
          assert.equal(server.messages.length, 5);
        } finally {
          await server.stop();
        }
      });
    }

    for (const [name, limit] of limits) {
      for (const call of ["forceFlush", "shutdown"] as const) {
        it(`${name} bounds ${call} while the connection never opens`, async () => {
          const server = await startRawServer("black-hole");
          const exporter = new WebSocketSpanExporter({
            runId: "r",
            port: server.port,
            webSocket,
            connectTimeoutMillis: 20_000,
          });
          try {
            const pending = exporter.export(makeSpanBatch(3));
            const started = Date.now();
            await exporter[call](limit());
            const took = Date.now() - started;
            assert.ok(took >= 250 && took < 2500, `${call} took ${took} ms`);
            if (call === "shutdown") {
              const report = await pending;
              assert.equal(report.dropped.shutdown, 3, JSON.stringify(report));
            }
          } finally {
            await exporter.shutdown(Date.now() + 300);
            await server.stop();
          }
        });
      }
    }
  });
}
