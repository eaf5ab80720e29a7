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
 * This file keeps the queue and the accounting of every span; the connection (timeouts, idle
 * and stalled connections, sockets that throw) is `_reconnecting_socket.ts`, the options and
 * the URL `_websocket_config.ts`.
 *
 * @module
 */
import { report } from "../diagnostics.ts";
import { Fifo } from "../fifo.ts";
import { numberAtLeast } from "../number_option.ts";
import { addDropped, droppedTotal, emptyReport } from "../processor/report.ts";
import type { ExportOptions, SpanExporter } from "../processor/types.ts";
import { clearBackgroundTimer, setBackgroundTimer } from "../processor/_timer.ts";
import { settlesWithin } from "../settles_within.ts";
import type { FlushReport, SpanRecord } from "../types.ts";
import { flatSpanLine } from "./flat_span.ts";
import { ReconnectingSocket } from "./_reconnecting_socket.ts";
import { websocketSettings, type WebSocketSpanExporterOptions } from "./_websocket_config.ts";

export type { WebSocketConstructor, WebSocketLike } from "./_reconnecting_socket.ts";
export { DEFAULT_MCP_PORT, type WebSocketSpanExporterOptions } from "./_websocket_config.ts";

interface Batch {
  readonly report: FlushReport;
  pending: number;
  done(): void;
}

interface Entry {
  readonly line: string;
  readonly batch: Batch;
}

/**
 * Sends each finished span as one WebSocket text message: the span's JSONL line (see
 * {@linkcode toFlatSpan}) without the newline, in export order.
 *
 * A span counts as exported once handed to an open socket (the protocol has no acknowledgement:
 * what the socket still buffers when the connection breaks is lost). An open connection that
 * breaks (the server closes it or goes away) is reported once, as `websocket_connection_lost`
 * with its close code and reason: spans sent on it may not have arrived. A span whose message is
 * larger than `maxMessageBytes` (default 16 MiB) is dropped (`too_large`, reported) instead of
 * sent, since a server closes the connection on a message over its limit. A failed or closed
 * connection fails the spans still waiting for it; the next export reconnects. After a connection
 * that fails before it opens (server down), no new one opens for a backoff of 100 ms, doubling
 * per failure to 30 s (with jitter) and reset once one opens; spans exported meanwhile are
 * dropped (`reconnect_backoff`), so a server that is down gets no reconnect storm. Spans waiting
 * past an export's deadline are dropped (`deadline`). `export` never rejects. While the socket
 * holds more than `maxBufferedBytes` unsent, spans are dropped (`buffer_full`); a connection
 * that stays so for `idleTimeoutMillis` is ended and the next export reconnects. On Cloudflare
 * Workers a socket cannot be used outside the request that opened it, so each request that
 * exports opens its own connection.
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
  readonly #secret: string | undefined;
  readonly #maxQueued: number;
  readonly #maxMessage: number;
  readonly #connection: ReconnectingSocket;
  /** Spans waiting to be sent, oldest first (a head-index queue: sending one is O(1)). */
  readonly #queue = new Fifo<Entry>();
  #drained: (() => void)[] = [];
  #shutdown = false;
  #warnedFull = false;
  #warnedDown = false;
  #warnedStalled = false;

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
    this.#secret = settings.url === settings.displayUrl ? undefined : settings.url;
    this.#maxQueued = settings.maxQueued;
    this.#maxMessage = settings.maxMessage;
    this.#connection = new ReconnectingSocket(settings, {
      open: () => {
        this.#warnedDown = false;
        this.#pump();
      },
      lost: (cause, broken) => {
        if (broken) this.#warnLost(cause);
        this.#fail(cause);
      },
      closed: () => this.#pump(),
      stalled: () => {
        if (this.#failQueue("connection_stalled") > 0) this.#warnStalled();
      },
    });
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
      this.#remove(batch);
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
   * Waits until no span waits for a connection (at most until `options.deadline`).
   *
   * @param options Deadline.
   * @returns An empty report (the exports report their spans).
   */
  async forceFlush(options: ExportOptions = {}): Promise<FlushReport> {
    await this.#whenDrained(options.deadline);
    return emptyReport();
  }

  /**
   * Stops accepting spans (later ones are dropped, `shutdown`), waits for queued spans until
   * `options.deadline` (dropping the rest, `shutdown`), then closes the connection, ending it at
   * once (`ws`'s `terminate()`) if the close has not finished by the deadline or within the
   * connect timeout, whichever comes first. Without `terminate()` (the global WebSocket of Deno,
   * Bun, Node >= 22) a connection whose server stopped reading cannot be ended: this still
   * returns by then, but the connection keeps the process running until the server or the OS
   * closes it. Idempotent.
   *
   * @param options Deadline.
   */
  async shutdown(options: ExportOptions = {}): Promise<void> {
    this.#shutdown = true;
    await this.#whenDrained(options.deadline);
    this.#failQueue("shutdown");
    await this.#connection.close(numberAtLeast(options.deadline, 0, Infinity));
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
      return this.#warnStalled();
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
      if (this.#queue.length >= this.#maxQueued) this.#pump();
      if (this.#queue.length >= this.#maxQueued) {
        addDropped(result, "queue_full", 1);
        this.#warnFull("queue_full", "is still connecting");
        continue;
      }
      this.#queue.push({ line, batch });
      batch.pending++;
    }
    result.failed += unencodable;
    if (tooLarge > 0) {
      addDropped(result, "too_large", tooLarge);
      report(
        "warn",
        "websocket_too_large",
        `Dropping ${tooLarge} spans for ${this.url}: their messages are larger than maxMessageBytes (${this.#maxMessage} bytes)`,
      );
    }
    this.#pump();
  }

  /** An open connection broke: what was sent on it may not have arrived. */
  #warnLost(cause: unknown): void {
    let why: string;
    try {
      why = this.#hideText(cause instanceof Error ? cause.message : String(cause));
    } catch {
      why = "unknown cause";
    }
    report(
      "warn",
      "websocket_connection_lost",
      `Lost the connection to ${this.url} (${why}): spans sent on it may not have arrived`,
    );
  }

  #warnFull(code: string, why: string): void {
    if (this.#warnedFull) return;
    this.#warnedFull = true;
    report("warn", `websocket_${code}`, `Dropping spans: ${this.url} ${why}`);
  }

  #warnStalled(): void {
    if (this.#warnedStalled) return;
    this.#warnedStalled = true;
    report(
      "warn",
      "websocket_connection_stalled",
      `Dropping spans: ${this.url} stopped reading, and this WebSocket has no terminate() to ` +
        "end the connection; none opens until it closes (pass `webSocket` from the `ws` package)",
    );
  }

  /** Drops the batch's waiting spans at its deadline or abort. */
  #watch(batch: Batch, options: ExportOptions): void {
    const { signal } = options;
    const deadline = numberAtLeast(options.deadline, 0, Infinity);
    const expire = (reason: string) => {
      this.#settle(batch, reason, this.#remove(batch));
      this.#notifyIfDrained();
    };
    const onAbort = () => expire("aborted");
    const timer = deadline === Infinity
      ? undefined
      : setBackgroundTimer(() => expire("deadline"), Math.max(0, deadline - Date.now()));
    signal?.addEventListener("abort", onAbort);
    const done = batch.done;
    batch.done = () => {
      if (timer !== undefined) clearBackgroundTimer(timer);
      signal?.removeEventListener("abort", onAbort);
      done();
    };
  }

  /** Takes the batch's spans out of the queue; returns how many there were. */
  #remove(batch: Batch): number {
    return this.#queue.removeWhere((entry) => entry.batch === batch);
  }

  /** Counts `count` spans of `batch` as `outcome` and resolves its export once none is left. */
  #settle(batch: Batch, outcome: string, count = 1): void {
    if (count <= 0 || batch.pending <= 0) return;
    if (outcome === "exported") batch.report.exported += count;
    else if (outcome === "failed") batch.report.failed += count;
    else addDropped(batch.report, outcome, count);
    batch.pending -= count;
    if (batch.pending === 0) batch.done();
  }

  /**
   * Sends what is queued if the connection is open; connects if there is none (and no dropped
   * one is still closing).
   */
  #pump(): void {
    const state = this.#connection.state();
    if (state === "stalled") {
      // Found stalled while spans were queued (in the middle of an export): nothing will send them.
      if (this.#failQueue("connection_stalled") > 0) this.#warnStalled();
      return;
    }
    // Spans queued while a failed socket finished closing: none opens before the backoff ends.
    if (state === "backoff") return void this.#failQueue("reconnect_backoff");
    if (state === "none" && this.#queue.length > 0) this.#connection.connect();
    if (state !== "open") return;
    // The queue is read afresh for each span: what `send` and `#settle` call may change it.
    while (this.#queue.length > 0) {
      const { line, batch } = this.#queue.peek() as Entry;
      // A lost connection has already failed the queue, this span included.
      const outcome = this.#connection.send(line);
      if (outcome === "lost") return;
      this.#queue.shift();
      if (outcome === "sent") this.#settle(batch, "exported");
      else {
        this.#settle(batch, "buffer_full");
        this.#warnFull("buffer_full", "is not reading fast enough");
      }
    }
    this.#notifyIfDrained();
  }

  #fail(cause: unknown): void {
    const count = this.#failQueue("failed");
    if (count > 0 && !this.#warnedDown) {
      this.#warnedDown = true;
      report(
        "error",
        "websocket_send_failed",
        `Cannot send ${count} spans to ${this.url}`,
        this.#hideUrl(cause),
      );
    }
  }

  /** The text with the URL's credentials hidden where it shows them. */
  #hideText(text: string): string {
    return this.#secret === undefined ? text : text.replaceAll(this.#secret, this.url);
  }

  /** The cause, or a copy of it with the URL's credentials hidden where its message shows them. */
  #hideUrl(cause: unknown): unknown {
    const secret = this.#secret;
    if (secret === undefined) return cause;
    if (typeof cause === "string") return this.#hideText(cause);
    if (!(cause instanceof Error)) return cause;
    try {
      if (!cause.message.includes(secret)) return cause;
      const hidden = new Error(this.#hideText(cause.message));
      hidden.name = cause.name;
      return hidden;
    } catch {
      return "the WebSocket client failed";
    }
  }

  /** Settles every queued span as `outcome`; returns how many there were. */
  #failQueue(outcome: string): number {
    const entries = this.#queue.take(this.#queue.length);
    for (const entry of entries) this.#settle(entry.batch, outcome);
    this.#notifyIfDrained();
    return entries.length;
  }

  #notifyIfDrained(): void {
    if (this.#queue.length > 0) return;
    const waiters = this.#drained;
    this.#drained = [];
    for (const resolve of waiters) resolve();
  }

  async #whenDrained(deadline: number | undefined): Promise<void> {
    if (this.#queue.length === 0) return;
    const drained = new Promise<void>((resolve) => this.#drained.push(resolve));
    await settlesWithin(drained, numberAtLeast(deadline, 0, Infinity) - Date.now());
  }
}
