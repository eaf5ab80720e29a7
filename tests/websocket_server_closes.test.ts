// The WebSocket exporter against servers that end its connections: one that accepts the upgrade
// and closes at once (an unknown run or a bad token, 1008) used to get a new connection per export
// (any open reset the backoff) and a `websocket_connection_lost` warning each time; one that ends
// the connection while the client still holds what it sent used to have those spans counted as
// exported. Real loopback servers with `ws`'s client and the global WebSocket (Deno, Bun), and a
// scripted socket for the backoff's rules (also in workerd).
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { WebSocket as WsClient } from "ws";
import { type WebSocketConstructor, WebSocketSpanExporter } from "../src/exporter/websocket.ts";
import type { FlushReport } from "../src/types.ts";
import { captureDiagnostics, delay, type DiagnosticsCapture } from "./_support/otlp_helpers.ts";
import { isBun, isWorkerd } from "./_support/runtime.ts";
import { makeSpanBatch, makeSpanRecord } from "./_support/span_records.ts";
import { startRawServer, startWsServer } from "./_support/ws_test_servers.ts";

const globalWebSocket = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
const clients: [string, WebSocketConstructor][] = [["ws", WsClient as WebSocketConstructor]];
if (globalWebSocket !== undefined) clients.push(["the global WebSocket", globalWebSocket]);

/** Sums the reports' counts: exported, failed and each drop reason. */
function totals(reports: readonly FlushReport[]): Record<string, number> {
  const sum: Record<string, number> = { exported: 0, failed: 0 };
  for (const report of reports) {
    sum.exported += report.exported;
    sum.failed += report.failed;
    for (const [reason, n] of Object.entries(report.dropped)) sum[reason] = (sum[reason] ?? 0) + n;
  }
  return sum;
}

for (const [client, webSocket] of clients) {
  describe(`WebSocket exporter with ${client}, servers that end its connections`, {
    skip: isWorkerd,
  }, () => {
    let diagnostics: DiagnosticsCapture;
    beforeEach(() => void (diagnostics = captureDiagnostics()));
    afterEach(() => diagnostics.restore());

    it("a server that closes each connection at once gets a backoff, not a connection per export, and one warning", async () => {
      const server = await startWsServer("close-at-once");
      const exporter = new WebSocketSpanExporter({ runId: "r", port: server.port, webSocket });
      try {
        // A SimpleSpanProcessor's pace: one export per span, for 1.5 s.
        const reports: FlushReport[] = [];
        for (const end = Date.now() + 1500; Date.now() < end;) {
          reports.push(await exporter.export(makeSpanBatch(1)));
          await delay(5);
        }
        const sum = totals(reports);
        // Backoffs of 50-100, 100-200, 200-400, 400-800 ms: at most 5 attempts, and some slack.
        assert.ok(
          server.connections <= 7,
          `${server.connections} connections, ${JSON.stringify(sum)}`,
        );
        assert.ok(sum.reconnect_backoff > reports.length / 2, JSON.stringify(sum));
        const lost = diagnostics.list.filter((d) => d.code === "websocket_connection_lost");
        assert.equal(lost.length, 1, "at most one warning per 10 s");
        assert.match(lost[0].message, /^Lost the connection to ws:.*may not have arrived$/);
      } finally {
        await exporter.shutdown({ deadline: Date.now() + 1000 });
        await server.stop();
      }
    });

    it(
      "spans the socket still held when the server ended the connection are dropped (connection_lost), not counted as exported",
      {
        // Bun's `ws` is its own client, whose bufferedAmount stays 0.
        skip: client === "ws" && isBun && "needs a client that reports bufferedAmount",
      },
      async () => {
        // The server never reads (its buffers fill), and ends the connection after 500 ms.
        const server = await startRawServer("no-read", { endAfterMs: 500 });
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
          const report = await exporter.export(spans);
          const lost = report.dropped.connection_lost ?? 0;
          assert.equal(report.exported + lost, 32, JSON.stringify(report));
          // The loopback's kernel buffers take a few MiB; the rest never left the client.
          assert.ok(lost >= 16, JSON.stringify(report));
          assert.equal(server.messages.length, 0);
        } finally {
          await exporter.shutdown({ deadline: Date.now() + 1000 });
          await server.stop();
        }
      },
    );
  });
}

/** A client socket that opens 5 ms after it is made; the test ends its connection. */
class ScriptedSocket {
  static made: ScriptedSocket[] = [];
  readyState = 0;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  readonly #listeners: Record<string, ((event?: unknown) => void)[]> = {};

  constructor() {
    ScriptedSocket.made.push(this);
    setTimeout(() => {
      this.readyState = 1;
      this.#emit("open");
    }, 5);
  }
  addEventListener(type: string, listener: (event?: unknown) => void) {
    (this.#listeners[type] ??= []).push(listener);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.serverClose(1000, "");
  }
  /** The connection ends with `code` and `reason`. */
  serverClose(code: number, reason: string) {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.#emit("close", { code, reason });
  }
  #emit(type: string, event?: unknown) {
    for (const listener of this.#listeners[type] ?? []) listener(event);
  }
}

describe("WebSocket exporter backoff after connections the server ends", () => {
  it("a connection the server ends right after it opens is a failed attempt; one open 2 s is not", async () => {
    ScriptedSocket.made = [];
    const diagnostics = captureDiagnostics();
    const exporter = new WebSocketSpanExporter({ runId: "r", webSocket: ScriptedSocket });
    try {
      assert.equal((await exporter.export(makeSpanBatch(1, "a"))).exported, 1);
      ScriptedSocket.made[0].serverClose(1008, "unknown run");
      const during = await exporter.export(makeSpanBatch(1, "b"));
      assert.deepEqual([during.exported, during.dropped], [0, { reconnect_backoff: 1 }]);
      assert.equal(ScriptedSocket.made.length, 1, "no new connection during the backoff");
      await delay(150); // the first backoff is at most 100 ms
      assert.equal((await exporter.export(makeSpanBatch(1, "c"))).exported, 1);
      assert.equal(ScriptedSocket.made.length, 2);
      // Open for 2 s, it proved the server accepts connections: its loss reconnects at once.
      await delay(2100);
      ScriptedSocket.made[1].serverClose(1001, "going away");
      assert.equal((await exporter.export(makeSpanBatch(1, "d"))).exported, 1);
      assert.equal(ScriptedSocket.made.length, 3);
      const lost = diagnostics.list.filter((d) => d.code === "websocket_connection_lost");
      assert.equal(lost.length, 1, "the second loss within 10 s is held back");
    } finally {
      await exporter.shutdown({ deadline: Date.now() + 1000 });
      diagnostics.restore();
    }
  });
});
