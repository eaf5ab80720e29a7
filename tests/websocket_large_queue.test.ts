// The WebSocket exporter with a very large `maxQueuedMessages`: taking a batch's spans out of a
// queue of 300,000 (its deadline passed while the connection was opening) used to spread the
// spans kept as call arguments, a RangeError thrown from a timer callback, which ended the
// process; and each span sent shifted the whole queue. The queue keeps its order and its
// accounting whatever its length.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WebSocketSpanExporter } from "../src/exporter/websocket.ts";
import type { SpanRecord } from "../src/types.ts";
import { captureDiagnostics, delay } from "./_support/otlp_helpers.ts";
import { makeSpanRecord } from "./_support/span_records.ts";

/**
 * A client socket that opens only when told to (`open()`), records what it sends, and throws on
 * the send numbered `failAt` (counting from 0), as a socket whose connection broke does.
 */
class HeldSocket {
  static made: HeldSocket[] = [];
  static failAt = Infinity;
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
    if (this.sent.length === HeldSocket.failAt) throw new Error("connection reset");
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
    this.#emit("close");
  }
  terminate() {
    this.close();
  }
  open() {
    this.readyState = 1;
    this.#emit("open");
  }
  #emit(type: string) {
    for (const listener of this.#listeners[type] ?? []) listener();
  }
}

/** `n` span records named `<prefix>-<i>` (copies of one record: cheap to make by the 100,000). */
function spans(n: number, prefix: string): SpanRecord[] {
  const base = makeSpanRecord();
  return Array.from({ length: n }, (_, i) => ({ ...base, name: `${prefix}-${i}` }));
}

/** The span names of sent messages, in the order sent. */
const sentNames = (socket: HeldSocket) =>
  socket.sent.map((line) => /"name": "([^"]*)"/.exec(line)?.[1]);

/** Runs `body` with an exporter over {@linkcode HeldSocket}s; shuts it down after. */
async function withExporter(
  maxQueuedMessages: number,
  body: (exporter: WebSocketSpanExporter) => Promise<void>,
): Promise<void> {
  HeldSocket.made = [];
  HeldSocket.failAt = Infinity;
  const diagnostics = captureDiagnostics();
  const exporter = new WebSocketSpanExporter({
    runId: "r",
    webSocket: HeldSocket,
    maxQueuedMessages,
    maxQueuedBytes: 2 ** 40, // bounded by count only here
    connectTimeoutMillis: 60_000,
  });
  try {
    await body(exporter);
  } finally {
    await exporter.shutdown({ deadline: Date.now() + 1000 });
    diagnostics.restore();
  }
}

describe("WebSocketSpanExporter with a very large queue", () => {
  it("drops an expired batch from 300,000 queued spans without throwing, keeping the rest in order", () =>
    withExporter(400_000, async (exporter) => {
      const big = spans(300_000, "big");
      const early = exporter.export(spans(1, "early"), { deadline: Date.now() + 50 });
      const bigDone = exporter.export(big);
      const late = exporter.export(spans(2, "late"), { deadline: Date.now() + 50 });
      // The deadlines pass while the connection is still opening (no uncaught error meanwhile;
      // their timers do not keep the process running, so wait on one that does).
      await delay(100);
      assert.deepEqual((await early).dropped, { deadline: 1 });
      assert.deepEqual((await late).dropped, { deadline: 2 });
      const socket = HeldSocket.made[0];
      socket.open();
      const report = await bigDone;
      assert.equal(report.exported, 300_000);
      assert.equal(report.failed, 0);
      const names = sentNames(socket);
      assert.equal(names.length, 300_000);
      assert.ok(names.every((name, i) => name === `big-${i}`), "sent in export order");
    }));

  it("sends queued spans in export order, then new ones on the open connection", () =>
    withExporter(10_000, async (exporter) => {
      const first = exporter.export(spans(5000, "first"));
      const second = exporter.export(spans(3000, "second"));
      HeldSocket.made[0].open();
      assert.equal((await first).exported, 5000);
      assert.equal((await second).exported, 3000);
      const third = await exporter.export(spans(3, "third")); // on the open connection
      assert.equal(third.exported, 3);
      assert.deepEqual(sentNames(HeldSocket.made[0]), [
        ...Array.from({ length: 5000 }, (_, i) => `first-${i}`),
        ...Array.from({ length: 3000 }, (_, i) => `second-${i}`),
        "third-0",
        "third-1",
        "third-2",
      ]);
    }));

  it("fails exactly the spans not yet sent when the connection breaks mid-drain", () =>
    withExporter(10_000, async (exporter) => {
      const first = exporter.export(spans(5000, "first"));
      const second = exporter.export(spans(2000, "second"));
      HeldSocket.failAt = 3000; // well past the point where sent slots are dropped from the queue
      HeldSocket.made[0].open();
      const a = await first;
      const b = await second;
      assert.deepEqual([a.exported, a.failed, b.exported, b.failed], [3000, 2000, 0, 2000]);
      assert.equal(HeldSocket.made[0].sent.length, 3000);
    }));
});
