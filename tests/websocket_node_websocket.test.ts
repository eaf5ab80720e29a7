// The WebSocket exporter with Node's own WebSocket (undici), which never reports `close` for a
// connection attempt that failed (undici 6: Node 22, Node 20 with --experimental-websocket), or
// reports it from within `close()` and then shows readyState 2 again (undici 7: Node 24). The
// exporter kept such a socket as "closing" and waited for it, so ONE failed attempt stopped it for
// the life of the process (every later span dropped as `connection_stalled`). Real undici against
// loopback servers on Node (undici 7 from node_modules; undici 6 as Node 20's global WebSocket, in
// a child process, since the test runner cannot pass the flag), and scripted sockets doing what
// each does, on every runtime.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type WebSocketConstructor, WebSocketSpanExporter } from "../src/exporter/websocket.ts";
import type { FlushReport } from "../src/types.ts";
import { runChild } from "./_support/child_module.ts";
import { captureDiagnostics, delay } from "./_support/otlp_helpers.ts";
import { isNode } from "./_support/runtime.ts";
import { makeSpanBatch } from "./_support/span_records.ts";
import { startRawServer, startWsServer } from "./_support/ws_test_servers.ts";

/** Imports undici (a pinned dev dependency) out of sight of `deno check`, which runs these tests
 * files for types only and has no npm resolution for it. */
const loadHidden = <T>(specifier: string): Promise<T> =>
  (new Function("specifier", "return import(specifier)") as (s: string) => Promise<T>)(specifier);

/** Exports one span every 50 ms until one is exported (at most 5 s); returns the reports. */
async function exportUntilDelivered(exporter: WebSocketSpanExporter): Promise<FlushReport[]> {
  const reports: FlushReport[] = [];
  for (let i = 0; i < 100; i++) {
    const report = await exporter.export(makeSpanBatch(1, `again-${i}`));
    reports.push(report);
    if (report.exported > 0) break;
    await delay(50);
  }
  return reports;
}

describe("WebSocket exporter with Node's WebSocket (undici), real", { skip: !isNode }, () => {
  it("undici 7 (Node 24): after a connection attempt that timed out, it connects again and delivers", async () => {
    const { WebSocket } = await loadHidden<{ WebSocket: WebSocketConstructor }>("undici");
    const diagnostics = captureDiagnostics();
    const hole = await startRawServer("black-hole");
    const port = hole.port;
    const exporter = new WebSocketSpanExporter({
      runId: "r",
      port,
      webSocket: WebSocket,
      connectTimeoutMillis: 200,
    });
    let server: Awaited<ReturnType<typeof startWsServer>> | undefined;
    try {
      const first = await exporter.export(makeSpanBatch(1, "unanswered"));
      assert.deepEqual([first.exported, first.failed], [0, 1]);
      await hole.stop();
      server = await startWsServer("record", port);
      const reports = await exportUntilDelivered(exporter);
      assert.equal(reports.at(-1)?.exported, 1, JSON.stringify(reports.at(-1)));
      assert.ok(reports.every((r) => r.dropped.connection_stalled === undefined));
      for (let i = 0; i < 100 && server.messages.length === 0; i++) await delay(20);
      assert.equal(server.messages.length, 1);
    } finally {
      await exporter.shutdown({ deadline: Date.now() + 1000 });
      await server?.stop();
      await hole.stop();
      diagnostics.restore();
    }
  });

  it("undici 6 (Node 22; Node 20 --experimental-websocket): after a refused and an unanswered attempt, it connects again and delivers", async () => {
    const g = globalThis as { WebSocket?: unknown };
    const flag = g.WebSocket === undefined ? ["--experimental-websocket"] : [];
    const child = await runChild([
      ...flag,
      "--import",
      "tsx",
      "tests/_support/ws_undici_child.ts",
    ]);
    assert.equal(child.code, 0, child.stderr);
    const result = JSON.parse(child.stderr.trim().split("\n").at(-1)!);
    assert.match(result.undici, /^\d+\./, "the global WebSocket is undici");
    assert.equal(result.refused.failed, 1, child.stderr);
    assert.equal(result.blackHole.failed, 1, child.stderr);
    assert.ok(result.later.exported >= 1, child.stderr);
    assert.equal(result.later.dropped.connection_stalled, undefined, child.stderr);
    assert.equal(result.messages, 1, child.stderr);
  });
});

/** Whether new sockets of the scripted classes below reach their server. */
let serverUp = false;

/** A listener table for the scripted sockets. */
class Listeners {
  readonly #listeners: Record<string, ((event?: unknown) => void)[]> = {};
  add(type: string, listener: (event?: unknown) => void) {
    (this.#listeners[type] ??= []).push(listener);
  }
  emit(type: string, event?: unknown) {
    for (const listener of this.#listeners[type] ?? []) listener(event);
  }
}

/**
 * undici 6 (Node 22's WebSocket) on a refused connection or a non-101 answer: `error`, with
 * readyState left at 0, and no `close` event ever; `close()` then shows readyState 2 for good.
 * An open one closes normally.
 */
class Undici6Socket {
  readyState = 0;
  bufferedAmount = 0;
  readonly #events = new Listeners();
  constructor() {
    const up = serverUp;
    setTimeout(() => {
      if (up) {
        this.readyState = 1;
        this.#events.emit("open");
      } else {
        this.#events.emit("error", { message: "Received network error or non-101 status code." });
      }
    }, 5);
  }
  addEventListener(type: string, listener: (event?: unknown) => void) {
    this.#events.add(type, listener);
  }
  send() {}
  close() {
    if (this.readyState === 1) {
      this.readyState = 2;
      setTimeout(() => {
        this.readyState = 3;
        this.#events.emit("close", { code: 1000 });
      }, 1);
    } else if (this.readyState === 0) this.readyState = 2;
  }
}

/**
 * undici 7 (Node 24's WebSocket) while a server has not answered the upgrade: `close()` fires
 * `error` and `close` (readyState 3) from within, then readyState shows 2 again, for good (undici
 * issue 4742).
 */
class Undici7Socket {
  readyState = 0;
  bufferedAmount = 0;
  readonly #events = new Listeners();
  constructor() {
    if (serverUp) {
      setTimeout(() => {
        this.readyState = 1;
        this.#events.emit("open");
      }, 5);
    }
  }
  addEventListener(type: string, listener: (event?: unknown) => void) {
    this.#events.add(type, listener);
  }
  send() {}
  close() {
    if (this.readyState === 0) {
      this.readyState = 3;
      this.#events.emit("error");
      this.#events.emit("close", { code: 1006 });
      this.readyState = 2;
    } else if (this.readyState === 1) {
      this.readyState = 3;
      this.#events.emit("close", { code: 1000 });
    }
  }
}

describe("WebSocket exporter with sockets that fail as Node's undici does", () => {
  for (
    const [name, webSocket] of [
      ["undici 6, refused: no close event", Undici6Socket],
      ["undici 7, unanswered: close() reports close, then readyState 2", Undici7Socket],
    ] as const
  ) {
    it(`${name}: one failed attempt does not stop the exporter`, async () => {
      serverUp = false;
      const diagnostics = captureDiagnostics();
      // The exporter's timers never keep a process alive; this one keeps the test running.
      const keepAlive = setInterval(() => {}, 1000);
      const exporter = new WebSocketSpanExporter({
        runId: "r",
        webSocket,
        connectTimeoutMillis: 50,
      });
      try {
        const first = await exporter.export(makeSpanBatch(1, "down"));
        assert.deepEqual([first.exported, first.failed], [0, 1]);
        serverUp = true;
        const reports = await exportUntilDelivered(exporter);
        assert.equal(reports.at(-1)?.exported, 1, JSON.stringify(reports));
        assert.ok(reports.every((r) => r.dropped.connection_stalled === undefined));
      } finally {
        await exporter.shutdown({ deadline: Date.now() + 1000 });
        clearInterval(keepAlive);
        diagnostics.restore();
      }
    });
  }
});
