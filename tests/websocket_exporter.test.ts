// The WebSocket span exporter (dreadnode's `WebSocketSpanExporter`) against a real `ws` server on
// 127.0.0.1: the URL, one message per span equal to its JSONL line, queueing while connecting,
// a server that is down or restarts, deadlines, bounds and shutdown. Each case runs with the
// global WebSocket (Deno, Bun) and with `ws`'s client (the one Node 20 needs). The server cases
// are skipped in workerd, which cannot run a WebSocket server.
import assert from "node:assert/strict";
import { after, afterEach, beforeEach, describe, it } from "node:test";
import { WebSocket as WsClient, WebSocketServer } from "ws";
import { JsonlSpanExporter, spanLogPath } from "../src/exporter/jsonl.ts";
import {
  DEFAULT_MCP_PORT,
  type WebSocketConstructor,
  WebSocketSpanExporter,
  type WebSocketSpanExporterOptions,
} from "../src/exporter/websocket.ts";
import { RedactingExporter } from "../src/redact/redacting_exporter.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import type { FlushReport, SpanRecord } from "../src/types.ts";
import { captureDiagnostics, delay } from "./_support/otlp_helpers.ts";
import { isBun, isWorkerd } from "./_support/runtime.ts";
import { makeSpanBatch, makeSpanRecord } from "./_support/span_records.ts";

/** A `ws` server that records every connection's path and messages. */
class SpanServer {
  readonly paths: string[] = [];
  readonly messages: string[] = [];
  closes = 0;
  /** Called with each new server-side socket. */
  onSocket: (socket: WsClient) => void = () => {};
  readonly #server: WebSocketServer;

  private constructor(server: WebSocketServer) {
    this.#server = server;
    server.on("connection", (socket: WsClient, request: { url?: string }) => {
      this.paths.push(request.url ?? "");
      socket.on("message", (data: unknown) => void this.messages.push(String(data)));
      socket.on("close", () => void this.closes++);
      socket.on("error", () => {}); // e.g. a message over maxPayload: the socket then closes
      this.onSocket(socket);
    });
  }

  /**
   * Starts a server; `handshakeDelayMs` holds every connection that long before it opens, and a
   * message over `maxPayload` bytes makes it close the connection (code 1009).
   */
  static start(port = 0, handshakeDelayMs = 0, maxPayload?: number): Promise<SpanServer> {
    return new Promise((resolve, reject) => {
      const server = new WebSocketServer({
        host: "127.0.0.1",
        port,
        maxPayload,
        verifyClient: (_info: unknown, done: (ok: boolean) => void) =>
          void setTimeout(() => done(true), handshakeDelayMs),
      });
      server.once("listening", () => resolve(new SpanServer(server)));
      server.once("error", reject);
    });
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  /** Waits (at most 5 s) until `test()` holds. */
  async until(test: () => boolean, what: string): Promise<void> {
    for (let waited = 0; !test(); waited += 20) {
      if (waited > 5000) assert.fail(`timed out waiting for ${what}`);
      await delay(20);
    }
  }

  stop(): Promise<void> {
    for (const client of this.#server.clients) client.terminate();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** The line the JSONL exporter writes for each span, without the newline. */
async function jsonlLines(spans: readonly SpanRecord[]): Promise<string[]> {
  const storage = new MemoryStorage();
  await new JsonlSpanExporter({ storage }).export(spans);
  const lines: string[] = [];
  for (const span of spans) lines.push(...await storage.readLines(spanLogPath(span, "default")));
  return [...new Set(lines)];
}

/**
 * A scripted client socket: opens 10 ms after it is made, records what it sends, and reports a
 * huge `bufferedAmount` while `full`. `hangOnClose` makes `close()` never finish (a server that
 * does not answer the closing handshake) until `finishClose()`; `terminate()` always does.
 * Subclasses override `check()`, run before every property read and call.
 */
class FakeSocket {
  static made: FakeSocket[] = [];
  full = false;
  hangOnClose = false;
  terminated = false;
  readonly sent: string[] = [];
  #state = 0;
  readonly #listeners: Record<string, ((event?: unknown) => void)[]> = {};

  constructor() {
    FakeSocket.made.push(this);
    setTimeout(() => {
      this.#state = 1;
      this.#emit("open");
    }, 10);
  }
  check(): void {}
  get readyState(): number {
    this.check();
    return this.#state;
  }
  get bufferedAmount(): number {
    this.check();
    return this.full ? 2 ** 40 : 0;
  }
  addEventListener(type: string, listener: (event?: unknown) => void) {
    this.check();
    (this.#listeners[type] ??= []).push(listener);
  }
  send(data: string) {
    this.check();
    this.sent.push(data);
  }
  close() {
    this.check();
    this.#state = this.hangOnClose ? 2 : 3;
    if (!this.hangOnClose) this.#emit("close");
  }
  terminate() {
    this.check();
    this.terminated = true;
    this.finishClose();
  }
  /** The connection closes (e.g. the server or the OS ends it at last). */
  finishClose() {
    this.#state = 3;
    this.#emit("close");
  }
  /** The server closes the connection with `code` and `reason`. */
  serverClose(code: number, reason: string) {
    this.#state = 3;
    this.#emit("close", { code, reason });
  }
  #emit(type: string, event?: unknown) {
    for (const listener of this.#listeners[type] ?? []) listener(event);
  }
}

/** A {@linkcode FakeSocket} without `terminate()`, like the global WebSocket of Deno and Bun. */
class NoTerminateSocket extends FakeSocket {}
Object.defineProperty(NoTerminateSocket.prototype, "terminate", { value: undefined });

/** An exporter over a {@linkcode NoTerminateSocket} that has sent one span; diagnostics captured. */
async function connectedWithoutTerminate(options: Record<string, number>) {
  FakeSocket.made = [];
  const diagnostics = captureDiagnostics();
  const exporter = new WebSocketSpanExporter({
    runId: "r",
    webSocket: NoTerminateSocket,
    ...options,
  });
  assert.equal((await exporter.export(makeSpanBatch(1, "first"))).exported, 1);
  return { exporter, socket: FakeSocket.made[0], diagnostics };
}

/**
 * Runs `body` with an exporter over fresh {@linkcode FakeSocket}s (run id `r`, plus `options`)
 * and diagnostics captured; shuts the exporter down after it.
 */
async function withFakeSockets(
  options: Partial<WebSocketSpanExporterOptions>,
  body: (
    exporter: WebSocketSpanExporter,
    diagnostics: ReturnType<typeof captureDiagnostics>,
  ) => Promise<void>,
): Promise<void> {
  FakeSocket.made = [];
  const diagnostics = captureDiagnostics();
  try {
    const exporter = new WebSocketSpanExporter({ runId: "r", webSocket: FakeSocket, ...options });
    await body(exporter, diagnostics);
    await exporter.shutdown({ deadline: Date.now() + 1000 });
  } finally {
    diagnostics.restore();
  }
}

const globalWebSocket = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
const clients: [string, WebSocketConstructor | undefined][] = [["ws", WsClient]];
if (globalWebSocket !== undefined) clients.push(["global WebSocket", undefined]);

const exporters: WebSocketSpanExporter[] = [];
after(() => Promise.all(exporters.map((e) => e.shutdown({ deadline: Date.now() + 1000 }))));

for (const [client, webSocket] of clients) {
  const make = (
    server: SpanServer | number,
    options: Partial<WebSocketSpanExporterOptions> = {},
  ) => {
    const port = typeof server === "number" ? server : server.port;
    const exporter = new WebSocketSpanExporter({ runId: "run-1", port, webSocket, ...options });
    exporters.push(exporter);
    return exporter;
  };

  describe(`WebSocket exporter with ${client}`, { skip: isWorkerd }, () => {
    // A test's stopped server makes its exporter report the lost connection: keep that out of
    // the console and of later tests.
    let quiet: { restore(): void } | undefined;
    beforeEach(() => void (quiet = captureDiagnostics()));
    afterEach(async () => {
      await Promise.all(
        exporters.splice(0).map((e) => e.shutdown({ deadline: Date.now() + 1000 })),
      );
      quiet?.restore();
    });

    it("sends one message per span, equal to its JSONL line, in order, to /ws/spans/<runId>", async () => {
      const server = await SpanServer.start();
      try {
        const exporter = make(server, { runId: "../x?y#z/é" });
        const spans = [
          makeSpanRecord({ name: "héllo ✓", attributes: { lr: 1e-7, list: [1, 2], s: "a\nb" } }),
          ...makeSpanBatch(4, "ordered"),
        ];
        const report = await exporter.export(spans);
        assert.equal(report.exported, 5);
        assert.equal(report.failed, 0);
        await server.until(() => server.messages.length === 5, "5 messages");
        assert.deepEqual(server.paths, ["/ws/spans/..%2Fx%3Fy%23z%2F%C3%A9"]);
        assert.deepEqual(server.messages, await jsonlLines(spans));
        assert.ok(server.messages.every((m) => !m.endsWith("\n")));
      } finally {
        await server.stop();
      }
    });

    it("queues spans exported while connecting and sends them in order on one connection", async () => {
      const server = await SpanServer.start(0, 300);
      try {
        const exporter = make(server);
        const batches = [makeSpanBatch(2, "a"), makeSpanBatch(3, "b"), makeSpanBatch(1, "c")];
        const reports = await Promise.all(batches.map((batch) => exporter.export(batch)));
        assert.deepEqual(reports.map((r) => r.exported), [2, 3, 1]);
        await server.until(() => server.messages.length === 6, "6 messages");
        assert.deepEqual(server.messages, await jsonlLines(batches.flat()));
        assert.equal(server.paths.length, 1, "one connection");
      } finally {
        await server.stop();
      }
    });

    it("bounds the queue while connecting: the rest is dropped as queue_full, once reported", async () => {
      const server = await SpanServer.start(0, 300);
      const diagnostics = captureDiagnostics();
      try {
        const exporter = make(server, { maxQueuedMessages: 2 });
        const [first, second] = await Promise.all([
          exporter.export(makeSpanBatch(5, "over")),
          exporter.export(makeSpanBatch(2, "more")),
        ]);
        assert.deepEqual([first.exported, first.dropped], [2, { queue_full: 3 }]);
        assert.deepEqual([second.exported, second.dropped], [0, { queue_full: 2 }]);
        const full = diagnostics.list.filter((d) => d.code === "websocket_queue_full");
        assert.equal(full.length, 1);
        // Once open, a large batch is not limited by the connecting queue.
        assert.equal((await exporter.export(makeSpanBatch(10, "open"))).exported, 10);
        await server.until(() => server.messages.length === 12, "12 messages");
      } finally {
        diagnostics.restore();
        await server.stop();
      }
    });

    it("counts a batch as failed when the server is down, then reconnects once it is back", async () => {
      const first = await SpanServer.start();
      const port = first.port;
      await first.stop();
      const diagnostics = captureDiagnostics();
      let server: SpanServer | undefined;
      try {
        const exporter = make(port);
        const before = Date.now();
        const down = await exporter.export(makeSpanBatch(3, "down"));
        assert.deepEqual([down.exported, down.failed], [0, 3]);
        // The failed attempt starts a backoff (at least 50 ms): spans exported during it open no
        // connection. The clock is held at the attempt's start, so a loaded machine's pause
        // between the two exports cannot outlast the backoff.
        const now = Date.now;
        Date.now = () => before;
        let again;
        try {
          again = await exporter.export(makeSpanBatch(2, "still-down"));
        } finally {
          Date.now = now;
        }
        assert.deepEqual([again.failed, again.dropped], [0, { reconnect_backoff: 2 }]);
        await delay(150); // the first backoff is at most 100 ms
        const third = await exporter.export(makeSpanBatch(2, "still-down"));
        assert.equal(third.failed, 2);
        assert.equal(
          diagnostics.list.filter((d) => d.code === "websocket_send_failed").length,
          1,
          "a server that stays down is reported once",
        );
        server = await SpanServer.start(port);
        await delay(250); // the second backoff is at most 200 ms
        const spans = makeSpanBatch(2, "back");
        assert.equal((await exporter.export(spans)).exported, 2);
        await server.until(() => server!.messages.length === 2, "2 messages");
        assert.deepEqual(server.messages, await jsonlLines(spans));
      } finally {
        diagnostics.restore();
        await server?.stop();
      }
    });

    it("backs off while the server is down: far fewer connections than exports, then delivers once it is back", async () => {
      const first = await SpanServer.start();
      const port = first.port;
      await first.stop();
      const Client = webSocket ?? globalWebSocket!;
      let attempts = 0;
      const Counting = class extends (Client as new (url: string) => object) {
        constructor(url: string) {
          super(url);
          attempts++;
        }
      } as unknown as WebSocketConstructor;
      const diagnostics = captureDiagnostics();
      let server: SpanServer | undefined;
      try {
        const exporter = make(port, { webSocket: Counting });
        // A SimpleSpanProcessor's pace: one export per span, for about half a second.
        const totals = { exported: 0, failed: 0, backoff: 0 };
        const started = Date.now();
        for (let i = 0; i < 200; i++) {
          const report = await exporter.export(makeSpanBatch(1, `down-${i}`));
          totals.exported += report.exported;
          totals.failed += report.failed;
          totals.backoff += report.dropped.reconnect_backoff ?? 0;
          await delay(Math.max(0, started + 2.5 * (i + 1) - Date.now()));
        }
        const elapsed = Date.now() - started;
        assert.ok(
          attempts <= Math.max(6, elapsed / 100),
          `${attempts} connections in ${elapsed} ms`,
        );
        assert.equal(totals.exported, 0);
        assert.equal(totals.failed + totals.backoff, 200, "every span is counted");
        assert.ok(totals.backoff > 150, "most spans are dropped as reconnect_backoff");
        server = await SpanServer.start(port);
        const spans = makeSpanBatch(1, "back");
        for (let i = 0; i < 100 && server.messages.length === 0; i++) {
          await exporter.export(spans);
          await delay(50);
        }
        const [line] = await jsonlLines(spans);
        await server.until(() => server!.messages.includes(line), "the span after the backoff");
      } finally {
        diagnostics.restore();
        await server?.stop();
      }
    });

    it("reconnects after the server restarts and drops the connection", async () => {
      let server = await SpanServer.start();
      const port = server.port;
      const diagnostics = captureDiagnostics();
      try {
        const exporter = make(port);
        assert.equal((await exporter.export(makeSpanBatch(1, "before"))).exported, 1);
        await server.until(() => server.messages.length === 1, "1 message");
        await server.stop();
        server = await SpanServer.start(port);
        // Spans sent before the client sees the old connection close are lost (WebSocket has no
        // acknowledgements); once it has, the next export reconnects and delivers.
        for (let i = 0; i < 100 && server.messages.length === 0; i++) {
          await exporter.export(makeSpanBatch(1, `after-${i}`));
          await delay(50);
        }
        assert.equal(server.paths.length, 1, "reconnected once");
        const spans = makeSpanBatch(2, "settled");
        assert.equal((await exporter.export(spans)).exported, 2);
        await server.until(() => server.messages.length >= 3, "messages after restart");
        assert.deepEqual(server.messages.slice(-2), await jsonlLines(spans));
      } finally {
        diagnostics.restore();
        await server.stop();
      }
    });

    it("drops spans still waiting for the connection at the export's deadline", async () => {
      const server = await SpanServer.start(0, 3000);
      try {
        const exporter = make(server);
        const started = Date.now();
        const report = await exporter.export(makeSpanBatch(2, "late"), {
          deadline: Date.now() + 200,
        });
        assert.ok(Date.now() - started < 2000, "settles well before the handshake");
        assert.deepEqual([report.exported, report.dropped], [0, { deadline: 2 }]);
        const past = await exporter.export(makeSpanBatch(1), { deadline: Date.now() - 1 });
        assert.deepEqual(past.dropped, { deadline: 1 });
      } finally {
        await server.stop();
      }
    });

    it("fails the waiting spans when the connection does not open in connectTimeoutMillis", async () => {
      const server = await SpanServer.start(0, 3000);
      const diagnostics = captureDiagnostics();
      try {
        const exporter = make(server, { connectTimeoutMillis: 200 });
        const started = Date.now();
        const report = await exporter.export(makeSpanBatch(2, "slow"));
        assert.ok(Date.now() - started < 2000, "settles well before the handshake");
        assert.deepEqual([report.exported, report.failed], [0, 2]);
      } finally {
        diagnostics.restore();
        await server.stop();
      }
    });

    it("shutdown sends what is queued, closes the connection and drops later spans", async () => {
      const server = await SpanServer.start(0, 200);
      try {
        const exporter = make(server);
        const pending = exporter.export(makeSpanBatch(2, "queued"));
        await exporter.shutdown({ deadline: Date.now() + 5000 });
        assert.equal((await pending).exported, 2);
        await server.until(() => server.closes === 1, "the connection to close");
        assert.equal(server.messages.length, 2);
        const late = await exporter.export(makeSpanBatch(1, "late"));
        assert.deepEqual(late.dropped, { shutdown: 1 });
        await exporter.shutdown(); // idempotent
      } finally {
        await server.stop();
      }
    });

    it("closes an idle connection and reconnects at the next export", async () => {
      const server = await SpanServer.start();
      try {
        const exporter = make(server, { idleTimeoutMillis: 100 });
        assert.equal((await exporter.export(makeSpanBatch(1, "one"))).exported, 1);
        await server.until(() => server.closes === 1, "the idle connection to close");
        assert.equal((await exporter.export(makeSpanBatch(1, "two"))).exported, 1);
        await server.until(() => server.messages.length === 2, "2 messages");
        assert.equal(server.paths.length, 2);
      } finally {
        await server.stop();
      }
    });

    it("drops a connection whose server stops reading (buffer full) and reconnects", {
      // Bun's `ws` is its own client, whose bufferedAmount stays 0 here.
      skip: (client !== "ws" || isBun) && "needs a client that reports bufferedAmount",
    }, async () => {
      const server = await SpanServer.start();
      const diagnostics = captureDiagnostics();
      const paused: { resume(): void }[] = [];
      try {
        // The server reads nothing on its first connection, then reads normally.
        server.onSocket = (socket) => {
          const raw = (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
          if (paused.length === 0) raw.pause();
          if (paused.length === 0) paused.push(raw);
        };
        const exporter = make(server, { maxBufferedBytes: 256 * 1024, idleTimeoutMillis: 200 });
        const big = "x".repeat(64 * 1024);
        const reports: FlushReport[] = [];
        for (let i = 0; i < 100 && server.paths.length < 2; i++) {
          const spans = Array.from({ length: 20 }, () => makeSpanRecord({ attributes: { big } }));
          reports.push(await exporter.export(spans));
          await delay(20);
        }
        // Spans are dropped while it reads nothing: as buffer_full once the socket's buffer is
        // full, or as connection_stalled when an export waiting for its spans to be written out
        // finds the connection stalled first (Deno's node:net behind npm:ws drains to the kernel
        // longer before either).
        const lost = (r: FlushReport) =>
          (r.dropped.buffer_full ?? 0) + (r.dropped.connection_stalled ?? 0);
        assert.ok(reports.some((r) => lost(r) > 0), "spans dropped while the server read nothing");
        assert.equal(server.paths.length, 2, "reconnected");
        const spans = makeSpanBatch(1, "after");
        assert.equal((await exporter.export(spans)).exported, 1);
        const [line] = await jsonlLines(spans);
        await server.until(() => server.messages.includes(line), "the span after reconnecting");
      } finally {
        diagnostics.restore();
        for (const socket of paused) socket.resume();
        await server.stop();
      }
    });

    it("drops a span over maxMessageBytes (too_large) and keeps the connection for the rest", async () => {
      const server = await SpanServer.start(0, 0, 64 * 1024);
      const diagnostics = captureDiagnostics();
      try {
        const exporter = make(server, { maxMessageBytes: 64 * 1024 });
        const [a, c] = makeSpanBatch(2, "small");
        const huge = makeSpanRecord({ name: "huge", attributes: { x: "y".repeat(100 * 1024) } });
        const report = await exporter.export([a, huge, c]);
        assert.deepEqual([report.exported, report.failed, report.dropped], [2, 0, {
          too_large: 1,
        }]);
        const next = makeSpanBatch(1, "next");
        assert.equal((await exporter.export(next)).exported, 1);
        await server.until(() => server.messages.length === 3, "3 messages");
        assert.deepEqual(server.messages, await jsonlLines([a, c, ...next]));
        assert.equal(server.paths.length, 1, "one connection");
        const codes = diagnostics.list.map((d) => d.code);
        assert.deepEqual(codes, ["websocket_too_large"]);
        assert.match(diagnostics.list[0].message, /1 spans.*maxMessageBytes \(65536 bytes\)/);
      } finally {
        diagnostics.restore();
        await server.stop();
      }
    });

    it("reports an open connection the server drops (a message over its limit), with the close code", async () => {
      const server = await SpanServer.start(0, 0, 1024);
      const diagnostics = captureDiagnostics();
      try {
        const exporter = make(server);
        const big = makeSpanRecord({ name: "big", attributes: { x: "y".repeat(4096) } });
        // Each span counts as exported once written out, or as connection_lost when the server's
        // close comes first (a client that buffers every message writes it in the next turn).
        const sent = await exporter.export([big, ...makeSpanBatch(1, "after")]);
        assert.equal(sent.exported + (sent.dropped.connection_lost ?? 0), 2, JSON.stringify(sent));
        await server.until(
          () => diagnostics.list.some((d) => d.code === "websocket_connection_lost"),
          "the lost connection's report",
        );
        const lost = diagnostics.list.filter((d) => d.code === "websocket_connection_lost");
        assert.equal(lost.length, 1);
        assert.equal(lost[0].level, "warn");
        assert.ok(lost[0].message.includes(exporter.url), lost[0].message);
        assert.match(lost[0].message, /1009/);
        assert.match(lost[0].message, /may not have arrived/);
        // Closed right after it opened, it counts as a failed attempt: after the first backoff
        // (at most 100 ms), the next export reconnects and delivers.
        await delay(150);
        const spans = makeSpanBatch(1, "next");
        assert.equal((await exporter.export(spans)).exported, 1);
        const [line] = await jsonlLines(spans);
        await server.until(() => server.messages.includes(line), "the span after reconnecting");
        assert.equal(server.paths.length, 2);
      } finally {
        diagnostics.restore();
        await server.stop();
      }
    });

    it("sends redacted spans when wrapped in RedactingExporter", async () => {
      const server = await SpanServer.start();
      try {
        const exporter = new RedactingExporter(make(server));
        const span = makeSpanRecord({ attributes: { api_key: "sk-secret-123", ok: 1 } });
        assert.equal((await exporter.export([span])).exported, 1);
        await server.until(() => server.messages.length === 1, "1 message");
        assert.ok(!server.messages[0].includes("sk-secret-123"));
        assert.match(server.messages[0], /"api_key": "\*\*\*REDACTED\*\*\*"/);
      } finally {
        await server.stop();
      }
    });
  });
}

describe("WebSocket exporter configuration", () => {
  const webSocket = WsClient as unknown as WebSocketConstructor;
  const invalid = (options: unknown, pattern: RegExp) =>
    assert.throws(
      () => new WebSocketSpanExporter(options as WebSocketSpanExporterOptions),
      (e: unknown) =>
        e instanceof Error && (e as { code?: string }).code === "INVALID_CONFIG" &&
        pattern.test(e.message),
    );

  it("builds ws://127.0.0.1:<MCP_SERVER_PORT or 8787>/ws/spans/<runId>", () => {
    const env = (port?: string) => (name: string) => name === "MCP_SERVER_PORT" ? port : undefined;
    assert.equal(DEFAULT_MCP_PORT, 8787);
    const url = (options: Partial<WebSocketSpanExporterOptions>) =>
      new WebSocketSpanExporter({ runId: "r 1", webSocket, ...options }).url;
    assert.equal(url({ env: env() }), "ws://127.0.0.1:8787/ws/spans/r%201");
    assert.equal(url({ env: env("9999") }), "ws://127.0.0.1:9999/ws/spans/r%201");
    assert.equal(url({ env: env("9999"), port: 1234 }), "ws://127.0.0.1:1234/ws/spans/r%201");
    assert.equal(url({ host: "::1", port: 81 }), "ws://[::1]:81/ws/spans/r%201");
    assert.equal(
      url({ url: "wss://example.com/armada/" }),
      "wss://example.com/armada/ws/spans/r%201",
    );
    const diagnostics = captureDiagnostics();
    try {
      assert.equal(url({ env: env("99999") }), "ws://127.0.0.1:8787/ws/spans/r%201");
      assert.deepEqual(diagnostics.list.map((d) => d.code), ["invalid_env"]);
    } finally {
      diagnostics.restore();
    }
  });

  it("rejects a bad port, host, URL, run id or bound with INVALID_CONFIG", () => {
    for (const port of [0, 65536, 1.5, NaN, "8787", -1]) {
      invalid({ runId: "r", port, webSocket }, /port/);
    }
    for (const host of ["", "a/b", "a b", "user@h", 7]) {
      invalid({ runId: "r", host, webSocket }, /host/);
    }
    for (const url of ["http://x", "ws://x/?q=1", "not a url"]) {
      invalid({ runId: "r", url, webSocket }, /url/);
    }
    for (const runId of [undefined, "", 5, ".", ".."]) invalid({ runId, webSocket }, /runId/);
    invalid({ runId: "r", webSocket, maxQueuedMessages: 0 }, /maxQueuedMessages/);
    invalid({ runId: "r", webSocket, maxMessageBytes: 0 }, /maxMessageBytes/);
    invalid({ runId: "r", webSocket, maxMessageBytes: 1.5 }, /maxMessageBytes/);
    invalid({ runId: "r", webSocket, connectTimeoutMillis: NaN }, /connectTimeoutMillis/);
    invalid({ runId: "r", webSocket: 42 }, /webSocket/);
    invalid(undefined, /options/);
  });

  it("asks for a WebSocket class where the runtime has none (Node 20)", {
    skip: globalWebSocket !== undefined,
  }, () => {
    invalid({ runId: "r" }, /no global WebSocket; pass `webSocket`.*`ws`/);
  });

  it("a send error drops the connection, fails the rest of the batch; the next export reconnects", async () => {
    const sockets: { sent: string[] }[] = [];
    class FlakySocket {
      readyState = 0;
      readonly sent: string[] = [];
      readonly #listeners: Record<string, (() => void)[]> = {};
      constructor() {
        sockets.push(this);
        setTimeout(() => {
          this.readyState = 1;
          for (const listener of this.#listeners.open ?? []) listener();
        }, 10);
      }
      addEventListener(type: string, listener: () => void) {
        (this.#listeners[type] ??= []).push(listener);
      }
      send(data: string) {
        if (this.sent.length === 1) throw new Error("broken pipe");
        this.sent.push(data);
      }
      close() {
        this.readyState = 3;
      }
    }
    const diagnostics = captureDiagnostics();
    try {
      const exporter = new WebSocketSpanExporter({ runId: "r", webSocket: FlakySocket });
      const broken = await exporter.export(makeSpanBatch(3, "broken"));
      assert.deepEqual([broken.exported, broken.failed], [1, 2]);
      assert.deepEqual(diagnostics.list.map((d) => d.code), ["websocket_send_failed"]);
      const next = await exporter.export(makeSpanBatch(1, "next"));
      assert.deepEqual([next.exported, next.failed, sockets.length], [1, 0, 2]);
      await exporter.shutdown({ deadline: Date.now() + 1000 });
    } finally {
      diagnostics.restore();
    }
  });

  it("a failed connection attempt backs off (reconnect_backoff), longer per failure, reset once one opens", async () => {
    let up = false;
    let attempts = 0;
    const times: number[] = [];
    /** Opens after 5 ms while `up`; otherwise fails like a refused connection. */
    class ScriptedSocket {
      readyState = 0;
      readonly #listeners: Record<string, (() => void)[]> = {};
      constructor() {
        attempts++;
        times.push(Date.now());
        const opens = up;
        setTimeout(() => {
          this.readyState = opens ? 1 : 3;
          for (const type of opens ? ["open"] : ["error", "close"]) {
            for (const listener of this.#listeners[type] ?? []) listener();
          }
        }, 5);
      }
      addEventListener(type: string, listener: () => void) {
        (this.#listeners[type] ??= []).push(listener);
      }
      send() {}
      close() {
        this.readyState = 3;
      }
    }
    const diagnostics = captureDiagnostics();
    // The exporter's timers never keep a process alive; this one keeps the test running.
    const keepAlive = setInterval(() => {}, 1000);
    try {
      const exporter = new WebSocketSpanExporter({
        runId: "r",
        webSocket: ScriptedSocket,
        idleTimeoutMillis: 50,
      });
      /** Exports one span every 5 ms for `ms`; returns the attempts made and the reports. */
      const run = async (ms: number) => {
        const before = attempts;
        const reports: FlushReport[] = [];
        for (const end = Date.now() + ms; Date.now() < end;) {
          reports.push(await exporter.export(makeSpanBatch(1)));
          await delay(5);
        }
        return { attempts: attempts - before, reports };
      };
      const down = await run(1000);
      assert.ok(down.attempts >= 3 && down.attempts <= 6, `${down.attempts} attempts in 1 s`);
      const dropped = down.reports.reduce((n, r) => n + (r.dropped.reconnect_backoff ?? 0), 0);
      const failed = down.reports.reduce((n, r) => n + r.failed, 0);
      assert.equal(failed, down.attempts, "each attempt fails the span that waited for it");
      assert.equal(dropped + failed, down.reports.length, "every span is counted");
      // Backing off longer per failure (the jitter takes at most half of each delay).
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      assert.ok(gaps.every((gap, i) => i === 0 || gap >= gaps[i - 1] - 20), `gaps ${gaps}`);
      assert.ok(gaps[gaps.length - 1] >= 150, `gaps ${gaps}`);
      up = true; // the server is back: spans are delivered after the backoff
      let delivered = false;
      for (let i = 0; i < 200 && !delivered; i++) {
        delivered = (await exporter.export(makeSpanBatch(1))).exported === 1;
        if (!delivered) await delay(20);
      }
      assert.ok(delivered, "delivered once the backoff ended");
      // Once a connection opened, the backoff starts over at 100 ms.
      up = false;
      await delay(150); // the connection idles out
      assert.equal((await exporter.export(makeSpanBatch(1))).failed, 1, "reconnects at once");
      await delay(150);
      assert.equal((await exporter.export(makeSpanBatch(1))).failed, 1, "retried after 100 ms");
      await exporter.shutdown({ deadline: Date.now() + 1000 });
    } finally {
      clearInterval(keepAlive);
      diagnostics.restore();
    }
  });

  it("never rejects: an unusable WebSocket class fails the batch", async () => {
    const diagnostics = captureDiagnostics();
    try {
      const throwing = class {
        constructor() {
          throw new Error("SecurityError");
        }
      } as unknown as WebSocketConstructor;
      const exporter = new WebSocketSpanExporter({ runId: "r", webSocket: throwing, port: 1 });
      const report = await exporter.export(makeSpanBatch(2));
      assert.deepEqual([report.exported, report.failed], [0, 2]);
      await exporter.shutdown();
    } finally {
      diagnostics.restore();
    }
  });

  it("a socket unusable outside the request that opened it (workerd) is replaced at the next export", async () => {
    // workerd throws on every use of a socket outside the request that opened it.
    let request = 1;
    class RequestBoundSocket extends FakeSocket {
      readonly request = request;
      override check() {
        if (request !== this.request) {
          throw new Error("Cannot perform I/O on behalf of a different request");
        }
      }
    }
    FakeSocket.made = [];
    const diagnostics = captureDiagnostics();
    try {
      const exporter = new WebSocketSpanExporter({ runId: "r", webSocket: RequestBoundSocket });
      for (; request <= 3; request++) {
        const report = await exporter.export(makeSpanBatch(2, `request-${request}`));
        assert.deepEqual([report.exported, report.failed, report.dropped], [2, 0, {}]);
        assert.equal(FakeSocket.made.length, request, "one connection per request");
      }
      assert.deepEqual(FakeSocket.made.map((s) => s.sent.length), [2, 2, 2]);
      assert.deepEqual(diagnostics.list.map((d) => d.code), []);
      await exporter.shutdown({ deadline: Date.now() + 1000 });
    } finally {
      diagnostics.restore();
    }
  });

  it("counts every span of an export that throws (an unusable signal) as failed", () =>
    withFakeSockets({}, async (exporter, diagnostics) => {
      const signal = {
        get aborted(): boolean {
          throw new Error("hostile signal");
        },
      } as unknown as AbortSignal;
      const report = await exporter.export(makeSpanBatch(3), { signal });
      assert.deepEqual([report.exported, report.failed, report.dropped], [0, 3, {}]);
      assert.deepEqual(diagnostics.list.map((d) => d.code), ["websocket_export_failed"]);
    }));

  it("a buffer full for the idle timeout ends the connection (terminated); the next export reconnects", () =>
    withFakeSockets({ idleTimeoutMillis: 100 }, async (exporter) => {
      assert.equal((await exporter.export(makeSpanBatch(1, "first"))).exported, 1);
      FakeSocket.made[0].full = true; // the server stops reading
      // Spans exported while it is full are dropped; exporting keeps no stalled connection alive.
      let dropped = 0;
      for (let i = 0; i < 100 && FakeSocket.made.length < 2; i++) {
        const report = await exporter.export(makeSpanBatch(1, `full-${i}`));
        dropped += report.dropped.buffer_full ?? 0;
        await delay(20);
      }
      assert.ok(dropped > 0, "spans were dropped as buffer_full");
      assert.equal(FakeSocket.made.length, 2, "reconnected");
      assert.ok(FakeSocket.made[0].terminated, "the stalled connection was ended at once");
      assert.equal((await exporter.export(makeSpanBatch(1, "after"))).exported, 1);
    }));

  it("drops spans over 16 MiB by default (too_large), sending the rest", () =>
    withFakeSockets({}, async (exporter, diagnostics) => {
      const huge = makeSpanRecord({ attributes: { x: "y".repeat(16 * 1024 * 1024) } });
      const spans = makeSpanBatch(2, "small");
      const report = await exporter.export([spans[0], huge, spans[1]]);
      assert.deepEqual([report.exported, report.dropped], [2, { too_large: 1 }]);
      assert.deepEqual(FakeSocket.made[0].sent, await jsonlLines(spans));
      assert.deepEqual(diagnostics.list.map((d) => d.code), ["websocket_too_large"]);
    }));

  it("reports each open connection the server closes once, with code and reason; not its own closes", () =>
    withFakeSockets({ idleTimeoutMillis: 50 }, async (exporter, diagnostics) => {
      assert.equal((await exporter.export(makeSpanBatch(1, "a"))).exported, 1);
      FakeSocket.made[0].serverClose(1009, "Received too big message");
      FakeSocket.made[0].serverClose(1009, "again"); // a second event for the same connection
      const lost = diagnostics.list.filter((d) => d.code === "websocket_connection_lost");
      assert.equal(lost.length, 1);
      assert.equal(
        lost[0].message,
        'Lost the connection to ws://127.0.0.1:8787/ws/spans/r (closed: code 1009 "Received ' +
          'too big message"): spans sent on it may not have arrived',
      );
      // Its own idle close and shutdown are no loss. (Closed by the server right after it opened,
      // the connection counts as a failed attempt: the next opens after a backoff of <= 100 ms.)
      await delay(150);
      assert.equal((await exporter.export(makeSpanBatch(1, "b"))).exported, 1);
      for (let i = 0; i < 100 && FakeSocket.made[1].readyState !== 3; i++) await delay(20);
      assert.equal(FakeSocket.made[1].readyState, 3, "closed when idle");
      assert.equal((await exporter.export(makeSpanBatch(1, "c"))).exported, 1);
      await exporter.shutdown({ deadline: Date.now() + 1000 }); // (its own close is no loss either)
      assert.deepEqual(diagnostics.list.map((d) => d.code), ["websocket_connection_lost"]);
    }));

  it("shutdown ends a connection whose close does not finish by the deadline", async () => {
    FakeSocket.made = [];
    const exporter = new WebSocketSpanExporter({ runId: "r", webSocket: FakeSocket });
    assert.equal((await exporter.export(makeSpanBatch(1))).exported, 1);
    FakeSocket.made[0].hangOnClose = true;
    const started = Date.now();
    await exporter.shutdown({ deadline: Date.now() + 200 });
    assert.ok(Date.now() - started < 2000, "settles near the deadline");
    assert.equal(FakeSocket.made[0].terminated, true);
  });

  it("without terminate(), a stalled connection is not replaced until it closes: spans are dropped as connection_stalled", async () => {
    const { exporter, socket: stalled, diagnostics } = await connectedWithoutTerminate({
      idleTimeoutMillis: 100,
    });
    try {
      stalled.full = true; // the server stops reading: close() can never finish
      stalled.hangOnClose = true;
      let dropped = 0;
      for (let i = 0; i < 100 && dropped < 3; i++) {
        const report = await exporter.export(makeSpanBatch(1, `stalled-${i}`));
        dropped += report.dropped.connection_stalled ?? 0;
        await delay(20);
      }
      assert.equal(dropped, 3, "spans were dropped as connection_stalled");
      assert.equal(FakeSocket.made.length, 1, "no second connection while the first is closing");
      const stalledWarnings = diagnostics.list.filter((d) =>
        d.code === "websocket_connection_stalled"
      );
      assert.equal(stalledWarnings.length, 1);
      assert.match(stalledWarnings[0].message, /stopped reading.*terminate\(\).*`ws`/);
      stalled.finishClose(); // the server or the OS ends it at last
      const spans = makeSpanBatch(2, "after");
      assert.deepEqual((await exporter.export(spans)).exported, 2);
      assert.equal(FakeSocket.made.length, 2, "reconnected once the old connection closed");
      assert.deepEqual(FakeSocket.made[1].sent, await jsonlLines(spans));
      await exporter.shutdown({ deadline: Date.now() + 1000 });
    } finally {
      diagnostics.restore();
    }
  });

  it("without terminate(), a connection found stalled in the middle of an export settles the whole export at once", async () => {
    const { exporter, socket: socket, diagnostics } = await connectedWithoutTerminate({
      idleTimeoutMillis: 50,
      maxQueuedMessages: 2,
    });
    try {
      socket.full = true; // the server stops reading: close() can never finish
      socket.hangOnClose = true;
      // The host is busy past the idle timeout, so no timer has noticed the stall yet.
      const until = Date.now() + 100;
      while (Date.now() < until) { /* busy */ }
      const report = await Promise.race([
        exporter.export(makeSpanBatch(5, "big")),
        delay(2000).then(() => undefined),
      ]);
      assert.ok(report !== undefined, "the export settles");
      const dropped = Object.values(report.dropped).reduce((a, b) => a + b, 0);
      assert.equal(report.exported + report.failed + dropped, 5, "every span is counted once");
      assert.ok((report.dropped.connection_stalled ?? 0) > 0);
      await exporter.shutdown({ deadline: Date.now() + 200 });
    } finally {
      diagnostics.restore();
    }
  });

  it("without terminate(), spans exported while a closed connection finishes closing wait for it, within the connect timeout", async () => {
    const { exporter, socket: old, diagnostics } = await connectedWithoutTerminate({
      idleTimeoutMillis: 50,
      connectTimeoutMillis: 300,
    });
    try {
      old.hangOnClose = true;
      for (let i = 0; i < 100 && old.readyState !== 2; i++) await delay(20); // idle close
      assert.equal(old.readyState, 2, "the idle connection is closing");
      const spans = makeSpanBatch(2, "waiting");
      const waiting = exporter.export(spans);
      await delay(50);
      assert.equal(FakeSocket.made.length, 1, "no second connection while the first is closing");
      old.finishClose();
      assert.deepEqual([(await waiting).exported, FakeSocket.made.length], [2, 2]);
      assert.deepEqual(FakeSocket.made[1].sent, await jsonlLines(spans));
      // A close that does not finish within the connect timeout counts as stalled.
      const current = FakeSocket.made[1];
      current.hangOnClose = true;
      for (let i = 0; i < 100 && current.readyState !== 2; i++) await delay(20);
      const started = Date.now();
      // The exporter's timers never keep a process alive; this one keeps the test running.
      const keepAlive = setTimeout(() => {}, 5000);
      const late = await exporter.export(makeSpanBatch(3, "late"));
      clearTimeout(keepAlive);
      assert.ok(Date.now() - started < 2000, "settles near the connect timeout");
      assert.deepEqual([late.exported, late.dropped], [0, { connection_stalled: 3 }]);
      assert.equal(FakeSocket.made.length, 2);
      const codes = diagnostics.list.map((d) => d.code);
      assert.deepEqual(codes, ["websocket_connection_stalled"]);
      await exporter.shutdown({ deadline: Date.now() + 1000 });
    } finally {
      diagnostics.restore();
    }
  });

  it("without terminate(), shutdown returns by its deadline when the close cannot finish", async () => {
    FakeSocket.made = [];
    const exporter = new WebSocketSpanExporter({ runId: "r", webSocket: NoTerminateSocket });
    assert.equal((await exporter.export(makeSpanBatch(1))).exported, 1);
    FakeSocket.made[0].hangOnClose = true;
    const started = Date.now();
    await exporter.shutdown({ deadline: Date.now() + 200 });
    assert.ok(Date.now() - started < 2000, "settles near the deadline");
    assert.equal(FakeSocket.made[0].readyState, 2, "still closing: it cannot be forced");
  });
});

/** The part of `Bun.serve` used here. */
interface BunServe {
  serve(options: {
    hostname: string;
    port: number;
    fetch(request: Request, server: { upgrade(request: Request): boolean }): Response | undefined;
    websocket: { message(socket: unknown, message: string): void; close(): void };
  }): { port: number; stop(force: boolean): void };
}

describe("WebSocket exporter against Bun's own server", { skip: !isBun }, () => {
  it("drops a span over its default 16 MiB message limit (too_large); the connection survives", async () => {
    const names: string[] = [];
    let closes = 0;
    const server = (globalThis as unknown as { Bun: BunServe }).Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (request, server) =>
        server.upgrade(request) ? undefined : new Response("upgrade", { status: 400 }),
      websocket: {
        message: (_socket, message) => void names.push(JSON.parse(message).name),
        close: () => void closes++,
      },
    });
    const diagnostics = captureDiagnostics();
    try {
      const exporter = new WebSocketSpanExporter({ runId: "r", port: server.port });
      const huge = makeSpanRecord({ name: "huge", attributes: { x: "y".repeat(20_000_000) } });
      const batch = [makeSpanRecord({ name: "a" }), huge, makeSpanRecord({ name: "c" })];
      const report = await exporter.export(batch);
      assert.deepEqual([report.exported, report.dropped], [2, { too_large: 1 }]);
      assert.equal((await exporter.export([makeSpanRecord({ name: "d" })])).exported, 1);
      for (let i = 0; i < 250 && names.length < 3; i++) await delay(20);
      assert.deepEqual([names, closes], [["a", "c", "d"], 0]);
      await exporter.shutdown({ deadline: Date.now() + 1000 });
      assert.deepEqual(diagnostics.list.map((d) => d.code), ["websocket_too_large"]);
    } finally {
      diagnostics.restore();
      server.stop(true);
    }
  });
});

describe("WebSocket exporter URL credentials", () => {
  const url = "wss://bob:s3cr3t-token@collector.example/armada";
  const shown = "wss://***:***@collector.example/armada/ws/spans/r";
  /** Everything a diagnostic shows: its message and its cause. */
  const shownIn = (list: { message: string; cause?: unknown }[]) =>
    list.map((d) => `${d.message} ${String(d.cause)} ${(d.cause as Error)?.stack ?? ""}`).join(
      "\n",
    );
  const assertHidden = (text: string) => {
    assert.ok(!text.includes("s3cr3t-token") && !text.includes("bob"), text);
  };

  it("connects with the credentials but shows `***` in `url`", async () => {
    const urls: string[] = [];
    class RecordingSocket extends FakeSocket {
      constructor(target: string) {
        super();
        urls.push(target);
      }
    }
    const exporter = new WebSocketSpanExporter({ runId: "r", url, webSocket: RecordingSocket });
    assert.equal(exporter.url, shown);
    assertHidden(JSON.stringify(exporter) + Object.values(exporter).join(" "));
    assert.equal((await exporter.export(makeSpanBatch(1))).exported, 1);
    assert.deepEqual(urls, ["wss://bob:s3cr3t-token@collector.example/armada/ws/spans/r"]);
    await exporter.shutdown({ deadline: Date.now() + 1000 });
    const userOnly = new WebSocketSpanExporter({
      runId: "r",
      url: "ws://tok@h:81",
      webSocket: FakeSocket,
    });
    assert.equal(userOnly.url, "ws://***@h:81/ws/spans/r");
  });

  it("no diagnostic shows them: send failed (even a client error quoting the URL), queue full, buffer full, stalled", async () => {
    const diagnostics = captureDiagnostics();
    try {
      const failing = class {
        constructor(target: string) {
          throw new TypeError(`cannot connect to ${target}`);
        }
      } as unknown as WebSocketConstructor;
      const down = new WebSocketSpanExporter({ runId: "r", url, webSocket: failing });
      assert.equal((await down.export(makeSpanBatch(1))).failed, 1);

      FakeSocket.made = [];
      const queued = new WebSocketSpanExporter({
        runId: "r",
        url,
        webSocket: NoTerminateSocket,
        maxQueuedMessages: 1,
        idleTimeoutMillis: 100,
      });
      const first = await queued.export(makeSpanBatch(2, "q"));
      assert.deepEqual([first.exported, first.dropped.queue_full], [1, 1]);
      const socket = FakeSocket.made[0];
      socket.full = true;
      socket.hangOnClose = true; // stalled: no terminate(), and the close never finishes
      let stalled = 0;
      for (let i = 0; i < 100 && stalled === 0; i++) {
        stalled = (await queued.export(makeSpanBatch(1, `s${i}`))).dropped.connection_stalled ?? 0;
        await delay(20);
      }
      // One warning per exporter for queue_full and buffer_full: a second exporter for the latter.
      const full = new WebSocketSpanExporter({ runId: "r", url, webSocket: FakeSocket });
      assert.equal((await full.export(makeSpanBatch(1, "f"))).exported, 1);
      FakeSocket.made[FakeSocket.made.length - 1].full = true;
      assert.equal((await full.export(makeSpanBatch(1, "b"))).dropped.buffer_full, 1);
      await full.shutdown({ deadline: Date.now() + 1000 });
      // The server drops a connection, quoting the URL in its reason.
      const dropped = new WebSocketSpanExporter({ runId: "r", url, webSocket: FakeSocket });
      assert.equal((await dropped.export(makeSpanBatch(1, "d"))).exported, 1);
      FakeSocket.made[FakeSocket.made.length - 1].serverClose(
        1008,
        `bad ${url}/ws/spans/r`.slice(0, 123),
      );
      await dropped.shutdown({ deadline: Date.now() + 1000 });
      const codes = diagnostics.list.map((d) => d.code);
      for (
        const code of [
          "websocket_connection_lost",
          "websocket_send_failed",
          "websocket_queue_full",
          "websocket_buffer_full",
          "websocket_connection_stalled",
        ]
      ) assert.ok(codes.includes(code), `${code} in ${codes}`);
      const text = shownIn(diagnostics.list);
      assertHidden(text);
      assert.ok(text.includes(`cannot connect to ${shown}`), text);
      socket.finishClose();
      await queued.shutdown({ deadline: Date.now() + 1000 });
    } finally {
      diagnostics.restore();
    }
  });
});
