// The WebSocket exporter's queue while connecting is bounded in bytes too (`maxQueuedBytes`,
// default 16 MiB): bounded by count alone (1,024 messages), 1,100 one-span exports of 256 KiB
// made while the server was slow to answer grew the heap by 259 MiB. And spans too large to send
// are reported at most once per 10 s, not at every export. Scripted sockets (every runtime).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WebSocketSpanExporter } from "../src/exporter/websocket.ts";
import type { WebSocketSpanExporterOptions } from "../src/exporter/websocket.ts";
import type { FlushReport } from "../src/types.ts";
import { captureDiagnostics } from "./_support/otlp_helpers.ts";
import { makeSpanRecord } from "./_support/span_records.ts";

/** A client socket that opens only when told to (`open()`), and records what it sends. */
class HeldSocket {
  static made: HeldSocket[] = [];
  readyState = 0;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  readonly #listeners: Record<string, ((event?: unknown) => void)[]> = {};

  constructor() {
    HeldSocket.made.push(this);
  }
  addEventListener(type: string, listener: (event?: unknown) => void) {
    (this.#listeners[type] ??= []).push(listener);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
    this.#emit("close");
  }
  open() {
    this.readyState = 1;
    this.#emit("open");
  }
  #emit(type: string) {
    for (const listener of this.#listeners[type] ?? []) listener();
  }
}

/** Runs `body` with an exporter over {@linkcode HeldSocket}s; shuts it down after. */
async function withExporter(
  options: Partial<WebSocketSpanExporterOptions>,
  body: (exporter: WebSocketSpanExporter, codes: () => string[]) => Promise<void>,
): Promise<void> {
  HeldSocket.made = [];
  const diagnostics = captureDiagnostics();
  const exporter = new WebSocketSpanExporter({
    runId: "r",
    webSocket: HeldSocket,
    connectTimeoutMillis: 60_000,
    ...options,
  });
  try {
    await body(exporter, () => diagnostics.list.map((d) => d.code));
  } finally {
    await exporter.shutdown({ deadline: Date.now() + 1000 });
    diagnostics.restore();
  }
}

/** A span whose message is a little over `bytes` long (its own string, as a real one's is). */
const sized = (name: string, bytes: number) =>
  makeSpanRecord({ name, attributes: { text: name.padEnd(bytes, "y") } });

describe("WebSocket exporter queue bytes", () => {
  it("while connecting, holds at most 16 MiB of messages by default: the rest is dropped as queue_full", () =>
    withExporter({}, async (exporter, codes) => {
      // One-span exports, as SimpleSpanProcessor makes: 100 of 256 KiB is 25 MiB.
      const pending: Promise<FlushReport>[] = [];
      for (let i = 0; i < 100; i++) pending.push(exporter.export([sized(`q${i}`, 256 * 1024)]));
      HeldSocket.made[0].open();
      const reports = await Promise.all(pending);
      const sent = HeldSocket.made[0].sent;
      const full = reports.filter((r) => r.dropped.queue_full === 1).length;
      assert.equal(sent.length, 100 - full);
      assert.equal(reports.filter((r) => r.exported === 1).length, sent.length);
      const bytes = sent.reduce((n, line) => n + line.length, 0);
      assert.ok(bytes <= 16 * 1024 * 1024 && bytes > 15 * 1024 * 1024, `${bytes} bytes queued`);
      assert.deepEqual(codes(), ["websocket_queue_full"]);
    }));

  it("maxQueuedBytes sets the bound; an empty queue takes one message larger than it", async () => {
    await withExporter({ maxQueuedBytes: 100_000 }, async (exporter) => {
      // 10 messages of ~10 KB: 9 fit in 100,000 bytes.
      const batch = exporter.export(Array.from({ length: 10 }, (_, i) => sized(`s${i}`, 10_000)));
      HeldSocket.made[0].open();
      const report = await batch;
      assert.deepEqual([report.exported, report.dropped], [9, { queue_full: 1 }]);
    });
    await withExporter({ maxQueuedBytes: 100_000 }, async (exporter) => {
      const big = exporter.export([sized("big", 200_000)]);
      const more = await exporter.export([sized("more", 1000)]);
      assert.deepEqual(more.dropped, { queue_full: 1 });
      HeldSocket.made[0].open();
      assert.equal((await big).exported, 1);
    });
  });

  it("rejects a maxQueuedBytes that is not an integer >= 1", () => {
    for (const maxQueuedBytes of [0, 1.5, -1, "1024", NaN]) {
      assert.throws(
        () =>
          new WebSocketSpanExporter({
            runId: "r",
            webSocket: HeldSocket,
            maxQueuedBytes,
          } as unknown as WebSocketSpanExporterOptions),
        /maxQueuedBytes/,
      );
    }
  });

  it("reports spans too large to send at most once per 10 s; every export still counts them", () =>
    withExporter({ maxMessageBytes: 2048 }, async (exporter, codes) => {
      for (let i = 0; i < 5; i++) {
        const pending = exporter.export([sized(`big-${i}`, 4096), makeSpanRecord()]);
        HeldSocket.made.at(-1)!.open();
        const report = await pending;
        assert.deepEqual([report.exported, report.dropped], [1, { too_large: 1 }]);
      }
      assert.deepEqual(codes(), ["websocket_too_large"]);
    }));
});
