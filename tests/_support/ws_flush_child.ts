/**
 * Run by tests/websocket_flush.test.ts as a program that exports, awaits `forceFlush()` and exits
 * at once (as a CLI does): one span awaited (the connection opens), then
 * `TRACELET_TEST_WS_SPANS` spans of 4 KiB exported without awaiting, then `forceFlush()` and
 * exit. The server at `TRACELET_TEST_WS_PORT` counts what arrived. Uses the global WebSocket
 * (Deno, Bun), else `ws`'s (Node 20).
 *
 * @module
 */
import process from "node:process";
import { type WebSocketConstructor, WebSocketSpanExporter } from "../../src/exporter/websocket.ts";
import { makeSpanRecord } from "./span_records.ts";

const port = Number(process.env.TRACELET_TEST_WS_PORT);
const count = Number(process.env.TRACELET_TEST_WS_SPANS);
const webSocket = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ??
  (await import("ws")).WebSocket as unknown as WebSocketConstructor;
const exporter = new WebSocketSpanExporter({ runId: "r", port, webSocket });
const warm = await exporter.export([makeSpanRecord({ name: "warm" })]);
if (warm.exported !== 1) throw new Error(`the connection did not open: ${JSON.stringify(warm)}`);
const pad = "p".repeat(4096);
void exporter.export(
  Array.from({ length: count }, (_, i) => makeSpanRecord({ name: `s-${i}`, attributes: { pad } })),
);
await exporter.forceFlush({ deadline: Date.now() + 10_000 });
process.exit(0);
