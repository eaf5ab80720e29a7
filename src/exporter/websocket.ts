/**
 * The WebSocket exporter: streams finished spans live to `dreadnode serve` (dreadnode's
 * `WebSocketSpanExporter`), one text message per span at `ws://<host>:<port>/ws/spans/<run id>`.
 * Each message is exactly the line the JSONL exporter writes for that span, without the newline.
 *
 * Like dreadnode's it connects lazily, drops the connection on any error and reconnects at the
 * next export, and never retries. Unlike it, spans exported while the connection opens are queued
 * (bounded), and every outcome is counted in the export's {@linkcode FlushReport}. dreadnode's
 * `auto_start` (asking its CLI to start the server) is not provided: start `dreadnode serve`
 * yourself.
 *
 * @module
 */
import { report } from "../diagnostics.ts";
import { TracerError } from "../errors.ts";
import { numberAtLeast } from "../number_option.ts";
import { checkRules, isFiniteAtLeast, isFunction, isPositiveInteger } from "../option_rules.ts";
import { type EnvReader, readEnv } from "../otlp/resource.ts";
import { addDropped, emptyReport } from "../processor/report.ts";
import type { ExportOptions, SpanExporter } from "../processor/types.ts";
import { clearBackgroundTimer, setBackgroundTimer, type TimerHandle } from "../processor/_timer.ts";
import { getEnv } from "../runtime/_globals.ts";
import { settlesWithin } from "../settles_within.ts";
import type { FlushReport, SpanRecord } from "../types.ts";
import { flatSpanLine } from "./jsonl.ts";

/** The port used when neither the `port` option nor env `MCP_SERVER_PORT` gives one. */
export const DEFAULT_MCP_PORT = 8787;

/** The part of a WebSocket client the exporter uses (the standard `WebSocket`, or `ws`'s). */
export interface WebSocketLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Bytes accepted by `send` but not yet written to the network. */
  readonly bufferedAmount?: number;
  /** Sends one text message. */
  send(data: string): void;
  /** Closes the connection. */
  close(code?: number): void;
  /** Listens for `open`, `error` and `close`. */
  addEventListener(type: "open" | "error" | "close", listener: () => void): void;
}

/** A WebSocket client class, such as `globalThis.WebSocket` or `WebSocket` from the `ws` package. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Options of {@linkcode WebSocketSpanExporter}. */
export interface WebSocketSpanExporterOptions {
  /** The run the spans belong to; percent-encoded into the URL path. Required. */
  runId: string;
  /** Server host. Default `127.0.0.1`. */
  host?: string;
  /** Server port (an integer 1–65535). Default: env `MCP_SERVER_PORT`, else 8787. */
  port?: number;
  /**
   * A `ws:` or `wss:` base URL used instead of `host` and `port` (e.g. `wss://example.com/armada`);
   * `/ws/spans/<run id>` is appended to its path.
   */
  url?: string;
  /** The client class. Default `globalThis.WebSocket` (Node 20 has none: pass `ws`'s). */
  webSocket?: WebSocketConstructor;
  /** Reads `MCP_SERVER_PORT`. Default: the runtime's environment. */
  env?: EnvReader;
  /** Messages held while connecting; beyond it spans are dropped (`queue_full`). Default 1024. */
  maxQueuedMessages?: number;
  /** Bytes the socket may hold unsent; beyond it spans are dropped (`buffer_full`). Default 16 MiB. */
  maxBufferedBytes?: number;
  /** Time allowed to open a connection. Default 10,000 ms. */
  connectTimeoutMillis?: number;
  /** An open connection unused this long is closed (the next export reconnects). Default 5,000 ms. */
  idleTimeoutMillis?: number;
}

interface Batch {
  readonly report: FlushReport;
  pending: number;
  done(): void;
}

interface Entry {
  readonly line: string;
  readonly batch: Batch;
}

const OPEN = 1;
const CONTEXT = "Cannot create the WebSocket exporter";

function invalid(message: string): never {
  throw new TracerError("INVALID_CONFIG", `${CONTEXT}: ${message}`);
}

function isPort(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;
}

function envPort(env: EnvReader | undefined): number {
  const value = readEnv(env, "MCP_SERVER_PORT");
  if (value === undefined) return DEFAULT_MCP_PORT;
  if (/^\d+$/.test(value) && isPort(Number(value))) return Number(value);
  report("warn", "invalid_env", "Cannot use MCP_SERVER_PORT: not a port (1-65535); ignoring it");
  return DEFAULT_MCP_PORT;
}

function serverUrl(options: WebSocketSpanExporterOptions): URL {
  const { host = "127.0.0.1", port, url } = options;
  if (url !== undefined) {
    let base: URL | undefined;
    try {
      base = new URL(url);
    } catch { /* reported below */ }
    if ((base?.protocol !== "ws:" && base?.protocol !== "wss:") || base.search || base.hash) {
      invalid("`url` must be a ws: or wss: URL without query or fragment");
    }
    return base;
  }
  if (typeof host !== "string" || !/^(\[[0-9a-fA-F:.]+\]|[^\s/?#@[\]\\]+)$/.test(host)) {
    invalid("`host` must be a host name or IP address");
  }
  const bracketed = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  try {
    return new URL(`ws://${bracketed}:${port ?? envPort(options.env ?? getEnv)}`);
  } catch {
    return invalid("`host` must be a host name or IP address");
  }
}

/**
 * Sends each finished span as one WebSocket text message: the span's JSONL line (see
 * {@linkcode toFlatSpan}) without the newline, in export order.
 *
 * A span counts as exported once handed to an open socket (the protocol has no acknowledgement:
 * what the socket still buffers when the connection breaks is lost). A failed or closed
 * connection fails the spans still waiting for it; the next export reconnects. Spans waiting
 * past an export's deadline are dropped (`deadline`). `export` never rejects.
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
  /** The URL the exporter connects to. */
  readonly url: string;
  readonly #webSocket: WebSocketConstructor;
  readonly #maxQueued: number;
  readonly #maxBuffered: number;
  readonly #connectTimeout: number;
  readonly #idleTimeout: number;
  readonly #queue: Entry[] = [];
  #drained: (() => void)[] = [];
  #socket: WebSocketLike | undefined;
  #timer: TimerHandle | undefined;
  #shutdown = false;
  #warnedFull = false;
  #warnedDown = false;
  #lastSend = 0;

  /**
   * Creates the exporter; nothing connects until the first export.
   *
   * @param options The run id, and where and how to connect.
   * @throws {TracerError} `INVALID_CONFIG` for a missing run id, a bad host, port, URL or bound,
   *   or when there is no `WebSocket` class (Node 20: pass `webSocket` from the `ws` package).
   */
  constructor(options: WebSocketSpanExporterOptions) {
    if (typeof options !== "object" || options === null) invalid("options are required");
    checkRules(options, [
      [["runId"], (v) => typeof v === "string" && v !== "", "a non-empty string"],
      [["port"], isPort, "an integer from 1 to 65535"],
      [["url"], (v) => typeof v === "string", "a string"],
      [["webSocket", "env"], isFunction, "a function"],
      [["maxQueuedMessages", "maxBufferedBytes"], isPositiveInteger, "an integer >= 1"],
      [["connectTimeoutMillis", "idleTimeoutMillis"], isFiniteAtLeast(1), "a number >= 1"],
    ], CONTEXT);
    if (options.runId === undefined) invalid("`runId` is required");
    // URLs resolve `.` and `..` segments (also percent-encoded): they would change the path.
    if (/^(\.|%2e){1,2}$/i.test(encodeURIComponent(options.runId))) {
      invalid("`runId` cannot be `.` or `..`");
    }
    const webSocket = options.webSocket ??
      (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (typeof webSocket !== "function") {
      invalid(
        "this runtime has no global WebSocket; pass `webSocket` (e.g. from the `ws` package)",
      );
    }
    const base = serverUrl(options);
    base.pathname = `${base.pathname.replace(/\/+$/, "")}/ws/spans/${
      encodeURIComponent(options.runId)
    }`;
    this.url = base.href;
    this.#webSocket = webSocket;
    this.#maxQueued = options.maxQueuedMessages ?? 1024;
    this.#maxBuffered = options.maxBufferedBytes ?? 16 * 1024 * 1024;
    this.#connectTimeout = options.connectTimeoutMillis ?? 10_000;
    this.#idleTimeout = options.idleTimeoutMillis ?? 5_000;
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
      result.failed += batch.pending;
      batch.pending = 0;
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
   * `options.deadline` (dropping the rest, `shutdown`), then closes the connection. Idempotent.
   *
   * @param options Deadline.
   */
  async shutdown(options: ExportOptions = {}): Promise<void> {
    this.#shutdown = true;
    await this.#whenDrained(options.deadline);
    this.#failQueue("shutdown");
    const socket = this.#socket;
    this.#drop();
    try {
      socket?.close(1000);
    } catch { /* already closed */ }
  }

  #enqueue(spans: readonly SpanRecord[], batch: Batch, options: ExportOptions): void {
    const { report: result } = batch;
    const expired = options.signal?.aborted
      ? "aborted"
      : numberAtLeast(options.deadline, 0, Infinity) <= Date.now()
      ? "deadline"
      : undefined;
    if (expired !== undefined) return addDropped(result, expired, spans.length);
    if ((this.#socket?.readyState ?? OPEN) > OPEN) this.#lost(this.#socket, "closed");
    let unencodable = 0;
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
    this.#pump();
  }

  #warnFull(code: string, why: string): void {
    if (this.#warnedFull) return;
    this.#warnedFull = true;
    report("warn", `websocket_${code}`, `Dropping spans: ${this.url} ${why}`);
  }

  /** Drops the batch's waiting spans at its deadline or abort. */
  #watch(batch: Batch, options: ExportOptions): void {
    const { signal } = options;
    const deadline = numberAtLeast(options.deadline, 0, Infinity);
    const expire = (reason: string) => {
      const kept = this.#queue.filter((entry) => entry.batch !== batch);
      const expired = this.#queue.length - kept.length;
      this.#queue.splice(0, this.#queue.length, ...kept);
      this.#settle(batch, reason, expired);
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

  /** Counts `count` spans of `batch` as `outcome` and resolves its export once none is left. */
  #settle(batch: Batch, outcome: string, count = 1): void {
    if (count <= 0 || batch.pending <= 0) return;
    if (outcome === "exported") batch.report.exported += count;
    else if (outcome === "failed") batch.report.failed += count;
    else addDropped(batch.report, outcome, count);
    batch.pending -= count;
    if (batch.pending === 0) batch.done();
  }

  /** Sends what is queued if the socket is open; connects if there is none. */
  #pump(): void {
    const socket = this.#socket;
    if (socket === undefined) return this.#connect();
    if (socket.readyState !== OPEN) return;
    const entries = this.#queue.splice(0);
    for (let i = 0; i < entries.length; i++) {
      const { line, batch } = entries[i];
      if ((socket.bufferedAmount ?? 0) > this.#maxBuffered) {
        this.#settle(batch, "buffer_full");
        this.#warnFull("buffer_full", "is not reading fast enough");
        continue;
      }
      try {
        socket.send(line);
      } catch (error) {
        this.#queue.push(...entries.slice(i)); // failed (and reported) with the connection
        return this.#lost(socket, error);
      }
      this.#settle(batch, "exported");
    }
    this.#lastSend = Date.now();
    this.#notifyIfDrained();
  }

  /** Closes an open connection unused for the idle timeout (checked when the timer fires). */
  #idle(socket: WebSocketLike): void {
    if (this.#socket !== socket) return;
    const wait = this.#lastSend + this.#idleTimeout - Date.now();
    if (wait > 0) return this.#arm(wait, () => this.#idle(socket));
    this.#drop();
    try {
      socket.close(1000);
    } catch { /* already closed */ }
  }

  #connect(): void {
    let socket: WebSocketLike;
    try {
      socket = new this.#webSocket(this.url);
    } catch (error) {
      this.#socket = undefined;
      return this.#fail(error);
    }
    this.#socket = socket;
    this.#arm(this.#connectTimeout, () => this.#lost(socket, "connect timeout"));
    socket.addEventListener("open", () => {
      if (this.#socket !== socket) return;
      this.#warnedDown = false;
      this.#lastSend = Date.now();
      this.#arm(this.#idleTimeout, () => this.#idle(socket));
      this.#pump();
    });
    socket.addEventListener("error", () => this.#lost(socket, "error"));
    socket.addEventListener("close", () => this.#lost(socket, "closed"));
  }

  /** Forgets a broken socket (once) and fails the spans waiting for it. */
  #lost(socket: WebSocketLike | undefined, cause: unknown): void {
    if (socket === undefined || socket !== this.#socket) return;
    this.#drop();
    try {
      socket.close();
    } catch { /* already closed */ }
    this.#fail(cause);
  }

  #fail(cause: unknown): void {
    const count = this.#failQueue("failed");
    if (count > 0 && !this.#warnedDown) {
      this.#warnedDown = true;
      report("error", "websocket_send_failed", `Cannot send ${count} spans to ${this.url}`, cause);
    }
  }

  /** Settles every queued span as `outcome`; returns how many there were. */
  #failQueue(outcome: string): number {
    const entries = this.#queue.splice(0);
    for (const entry of entries) this.#settle(entry.batch, outcome);
    this.#notifyIfDrained();
    return entries.length;
  }

  #drop(): void {
    this.#socket = undefined;
    this.#arm(0);
  }

  /** Replaces the single timer (connect timeout or idle close); `ms` 0 only clears it. */
  #arm(ms: number, fn?: () => void): void {
    if (this.#timer !== undefined) clearBackgroundTimer(this.#timer);
    this.#timer = fn === undefined ? undefined : setBackgroundTimer(fn, ms);
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
