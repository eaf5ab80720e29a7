/**
 * The WebSocket exporter: streams finished spans live to `dreadnode serve` (dreadnode's
 * `WebSocketSpanExporter`), one text message per span at `ws://<host>:<port>/ws/spans/<run id>`.
 * Each message is exactly the line the JSONL exporter writes for that span, without the newline.
 *
 * Like dreadnode's it connects lazily, drops the connection on any error and reconnects at a
 * later export, and never retries a span. Unlike it, a connection attempt that failed is followed
 * by a backoff (spans exported meanwhile are dropped, `reconnect_backoff`), spans exported while
 * the connection opens are queued (bounded), and every outcome is counted in the export's
 * {@linkcode FlushReport}. dreadnode's `auto_start` (asking its CLI to start the server) is not
 * provided: start `dreadnode serve` yourself.
 *
 * This file keeps the accounting of every span; the queue and its bounds are `_ws_send_queue.ts`
 * and `_ws_bounded_queue.ts`, an export's deadline `_ws_batch_deadline.ts`, the sent spans the
 * socket has not written yet (and the wait for it to write them) `_ws_in_flight.ts`, the warnings
 * `_ws_warnings.ts`, the connection (timeouts, backoff, idle and stalled connections, sockets that
 * throw) `_reconnecting_socket.ts`, the options and the URL `_websocket_config.ts`.
 *
 * @module
 */
import { report } from "../diagnostics.ts";
import { numberAtLeast } from "../number_option.ts";
import { addDropped, droppedTotal, emptyReport } from "../processor/report.ts";
import type { ExportOptions, SpanExporter } from "../processor/types.ts";
import type { FlushReport, SpanRecord } from "../types.ts";
import { flatSpanLine } from "./flat_span.ts";
import { flushDeadline } from "./_flush_limit.ts";
import { ReconnectingSocket } from "./_reconnecting_socket.ts";
import { websocketSettings, type WebSocketSpanExporterOptions } from "./_websocket_config.ts";
import { type Batch, settleBatch } from "./_ws_batch.ts";
import { watchBatchDeadline } from "./_ws_batch_deadline.ts";
import { BoundedSendQueue } from "./_ws_bounded_queue.ts";
import { InFlight } from "./_ws_in_flight.ts";
import { WebSocketWarnings } from "./_ws_warnings.ts";

export type { WebSocketConstructor, WebSocketLike } from "./_socket_client.ts";
export { DEFAULT_MCP_PORT, type WebSocketSpanExporterOptions } from "./_websocket_config.ts";

/**
 * Sends each finished span as one WebSocket text message: the span's JSONL line (see
 * {@linkcode toFlatSpan}) without the newline, in export order.
 *
 * A span counts as exported once the open socket has written its message out (its
 * `bufferedAmount`, read every 10 ms while spans wait for it, has dropped past the message), so an
 * export resolves once its spans have left the process. The protocol has no acknowledgement: a
 * server that drops the connection loses what it had not read yet. Spans the socket still held
 * when the connection ended are dropped (`connection_lost`; `connection_stalled` when it was ended
 * because its server stopped reading; `shutdown`), and a span still being written at its export's
 * deadline counts as exported. An open connection that breaks (the server closes it or goes away)
 * is reported as `websocket_connection_lost` with its close code and reason, at most once per
 * 10 s (with the count of the others). A span whose message is larger than `maxMessageBytes`
 * (default 16 MiB) is dropped (`too_large`, reported at most once per 10 s) instead of sent, since
 * a server closes the connection on a message over its limit. A failed or closed connection fails
 * the spans still waiting for it; the next export reconnects. After a failed connection attempt,
 * one that does not open (server down) or that the server closes within 2 s of its opening (it
 * rejects the run or the token), no new one opens for a backoff of 100 ms, doubling per failure
 * to 30 s (with jitter) and reset once a connection has stayed open 2 s; spans exported meanwhile
 * are dropped (`reconnect_backoff`), so such a server gets no reconnect storm. Spans waiting past
 * an export's deadline are dropped (`deadline`). `export` never rejects. While connecting, at most
 * `maxQueuedMessages` messages of at most `maxQueuedBytes` in all wait; more spans are dropped
 * (`queue_full`). While the socket holds more than `maxBufferedBytes` unsent, spans are dropped
 * (`buffer_full`); a connection that stays so for `idleTimeoutMillis` is ended and the next export
 * reconnects. On Cloudflare Workers a socket cannot be used outside the request that opened it, so
 * each request that exports opens its own connection.
 *
 * A WebSocket class without `terminate()` (the global one of Deno, Bun and Node >= 22) cannot end
 * a connection whose server stopped reading: its close never finishes, and the connection keeps
 * the process running until the server or the OS closes it. The exporter then opens no other
 * connection until that one has closed, and drops spans meanwhile (`connection_stalled`), so at
 * most one such connection and its buffer are held; `shutdown()` still returns by its deadline.
 * To get a forced close, pass a class that has `terminate()`: `webSocket` from the `ws` package
 * (`npm:ws` on Deno).
 *
 * The exporter does not redact: behind `configure()` or any tracer you build, wrap it in
 * `RedactingExporter` so spans get the same redaction as the JSONL log. Call `shutdown()` (the
 * tracer's does) before exit: an open connection keeps Node and Deno running until it idles out.
 *
 * @example
 * ```ts
 * import { BatchSpanProcessor, RedactingExporter, Tracer, WebSocketSpanExporter } from "@tracelet/tracelet";
 * const exporter = new WebSocketSpanExporter({ runId: "run-1" }); // ws://127.0.0.1:8787/ws/spans/run-1
 * const tracer = new Tracer({
 *   processors: [new BatchSpanProcessor(new RedactingExporter(exporter))],
 * });
 * ```
 */
export class WebSocketSpanExporter implements SpanExporter {
  /**
   * The URL the exporter connects to, as shown in its diagnostics: a user name and password in it
   * are replaced by `***`.
   */
  readonly url: string;
  readonly #maxMessage: number;
  readonly #connection: ReconnectingSocket;
  /** Spans waiting to be sent, oldest first. */
  readonly #queue: BoundedSendQueue;
  /** Spans sent on the open connection that its socket has not written out yet. */
  readonly #inFlight: InFlight;
  readonly #warnings: WebSocketWarnings;
  #shutdown = false;

  /**
   * Creates the exporter; nothing connects until the first export.
   *
   * @param options The run id, and where and how to connect.
   * @throws {TracerError} `INVALID_CONFIG` for a missing run id, a bad host, port, URL or bound,
   *   or when there is no `WebSocket` class (Node 20: pass `webSocket` from the `ws` package).
   */
  constructor(options: WebSocketSpanExporterOptions) {
    const settings = websocketSettings(options);
    this.url = settings.displayUrl;
    const secret = settings.url === settings.displayUrl ? undefined : settings.url;
    this.#warnings = new WebSocketWarnings(this.url, secret, settings.maxMessage);
    this.#queue = new BoundedSendQueue(settings.maxQueued, settings.maxQueuedBytes);
    this.#maxMessage = settings.maxMessage;
    this.#connection = new ReconnectingSocket(settings, {
      open: () => {
        this.#warnings.connected();
        this.#pump();
      },
      lost: (cause, broken) => {
        if (broken) this.#warnings.lost(cause);
        this.#fail(cause);
      },
      closed: () => this.#pump(),
      stalled: () => {
        if (this.#failQueue("connection_stalled") > 0) this.#warnings.stalled();
      },
      ended: (written, why) => {
        const reason = why === "lost"
          ? "connection_lost"
          : this.#shutdown
          ? "shutdown"
          : "connection_stalled";
        this.#inFlight.end(written, reason);
        this.#queue.notifyIfDrained();
      },
    });
    this.#inFlight = new InFlight(this.#connection);
  }

  /**
   * Sends one message per span, connecting first if needed.
   *
   * @param spans The batch.
   * @param options Deadline and abort signal for the spans still waiting for the connection.
   * @returns What happened to every span; never rejects.
   */
  export(spans: readonly SpanRecord[], options: ExportOptions = {}): Promise<FlushReport> {
    const result = emptyReport();
    const batch: Batch = { report: result, pending: 0, done: () => {} };
    try {
      if (this.#shutdown) addDropped(result, "shutdown", spans.length);
      else this.#enqueue(spans, batch, options);
    } catch (error) {
      report("error", "websocket_export_failed", "Cannot export spans over WebSocket", error);
      // Every span not counted yet fails, including this batch's queued ones.
      this.#queue.removeBatch(batch);
      batch.pending = 0;
      result.failed += spans.length - result.exported - result.failed - droppedTotal(result);
    }
    if (batch.pending === 0) return Promise.resolve(result);
    return new Promise((resolve) => {
      batch.done = () => resolve(result);
      try {
        this.#watch(batch, options);
      } catch { /* an unusable signal: the connect timeout still bounds the wait */ }
    });
  }

  /**
   * Waits until no span waits for a connection and the socket has written out everything sent
   * on it (its `bufferedAmount` is 0), at most until the limit: after it, a program may exit
   * without losing what it exported (unless the server does not read it).
   *
   * @param limit A timeout in ms (below 10^12) or an epoch-ms deadline, bare or as `{ deadline }`
   *   (as the processors pass it); none sets no deadline.
   * @returns An empty report (the exports report their spans).
   */
  async forceFlush(limit?: ExportOptions | number): Promise<FlushReport> {
    const deadline = flushDeadline(limit);
    await this.#queue.whenDrained(deadline);
    await this.#inFlight.whenWritten(deadline);
    return emptyReport();
  }

  /**
   * Stops accepting spans (later ones are dropped, `shutdown`), waits until the limit
   * (`shutdown(5000)`: 5 s) for queued spans to be sent (dropping the rest, `shutdown`) and for the socket to write out
   * what was sent, then closes the connection, ending it at once (`ws`'s `terminate()`) if the
   * close has not finished by the deadline or within the connect timeout, whichever comes first.
   * What the socket still holds unsent then is lost: its spans are dropped (`shutdown`) and it is
   * reported (`websocket_unsent_at_shutdown`, with the bytes and spans). Without `terminate()`
   * (the global WebSocket of Deno, Bun, Node >= 22) a connection whose server stopped reading
   * cannot be ended: this still returns by then, but the connection keeps the process running
   * until the server or the OS closes it. Idempotent.
   *
   * @param limit A timeout in ms (below 10^12) or an epoch-ms deadline, bare or as `{ deadline }`
   *   (as the processors pass it); none sets no deadline.
   */
  async shutdown(limit?: ExportOptions | number): Promise<void> {
    this.#shutdown = true;
    const deadline = flushDeadline(limit);
    await this.#queue.whenDrained(deadline);
    this.#failQueue("shutdown");
    await this.#inFlight.whenWritten(deadline);
    const unsentBytes = this.#connection.buffered();
    const unsentSpans = this.#inFlight.end(this.#connection.written(), "shutdown");
    this.#inFlight.stopPolling();
    this.#warnings.unsentAtShutdown(unsentBytes, unsentSpans);
    await this.#connection.close(deadline);
  }

  #enqueue(spans: readonly SpanRecord[], batch: Batch, options: ExportOptions): void {
    const { report: result } = batch;
    const expired = options.signal?.aborted
      ? "aborted"
      : numberAtLeast(options.deadline, 0, Infinity) <= Date.now()
      ? "deadline"
      : undefined;
    if (expired !== undefined) return addDropped(result, expired, spans.length);
    // A broken connection is dropped now: this batch gets a new one, unless the dropped one
    // cannot be forced closed and its server stopped reading, or a failed attempt backs off.
    const state = this.#connection.state();
    if (state === "backoff") return addDropped(result, "reconnect_backoff", spans.length);
    if (state === "stalled") {
      addDropped(result, "connection_stalled", spans.length);
      return this.#warnings.stalled();
    }
    let unencodable = 0;
    let tooLarge = 0;
    for (const span of spans) {
      let line: string;
      try {
        line = flatSpanLine(span);
      } catch (error) {
        if (unencodable++ === 0) {
          report(
            "error",
            "websocket_encode_failed",
            "Cannot send a span: it cannot be encoded",
            error,
          );
        }
        continue;
      }
      // The line is ASCII (non-ASCII is escaped), so its length is its size in bytes.
      if (line.length > this.#maxMessage) {
        tooLarge++;
        continue;
      }
      // A full queue is sent first when the socket is open; while connecting it stays full.
      if (this.#queue.full(line.length)) this.#pump();
      if (this.#queue.full(line.length)) {
        addDropped(result, "queue_full", 1);
        this.#warnings.full("queue_full", "is still connecting");
        continue;
      }
      this.#queue.push({ line, batch });
      batch.pending++;
    }
    result.failed += unencodable;
    if (tooLarge > 0) {
      addDropped(result, "too_large", tooLarge);
      this.#warnings.tooLarge(tooLarge);
    }
    this.#pump();
  }

  /** Drops the batch's waiting spans at its deadline or abort. */
  #watch(batch: Batch, options: ExportOptions): void {
    watchBatchDeadline(batch, options, (reason) => {
      this.#inFlight.release(batch);
      settleBatch(batch, reason, this.#queue.removeBatch(batch));
      this.#queue.notifyIfDrained();
    });
  }

  /**
   * Sends what is queued if the connection is open; connects if there is none (and no dropped
   * one is still closing).
   */
  #pump(): void {
    const state = this.#connection.state();
    if (state === "stalled") {
      // Found stalled while spans were queued (in the middle of an export): nothing will send them.
      if (this.#failQueue("connection_stalled") > 0) this.#warnings.stalled();
      return;
    }
    // Spans queued while a failed socket finished closing: none opens before the backoff ends.
    if (state === "backoff") return void this.#failQueue("reconnect_backoff");
    if (state === "none" && this.#queue.length > 0) this.#connection.connect();
    if (state !== "open") return;
    // The queue is read afresh for each span: what `send` and `settleBatch` call may change it.
    while (this.#queue.length > 0) {
      const { line, batch } = this.#queue.peek()!;
      // A lost connection has already failed the queue, this span included.
      const outcome = this.#connection.send(line);
      if (outcome === "lost") return;
      this.#queue.shift();
      if (outcome === "sent") this.#inFlight.add(this.#connection.sent, batch);
      else {
        settleBatch(batch, "buffer_full");
        this.#warnings.full("buffer_full", "is not reading fast enough");
      }
    }
    this.#inFlight.confirmWritten(0);
    this.#queue.notifyIfDrained();
  }

  #fail(cause: unknown): void {
    this.#warnings.sendFailed(this.#failQueue("failed"), cause);
  }

  /** Settles every queued span as `outcome`; returns how many there were. */
  #failQueue(outcome: string): number {
    const entries = this.#queue.takeAll();
    for (const entry of entries) settleBatch(entry.batch, outcome);
    this.#queue.notifyIfDrained();
    return entries.length;
  }
}
