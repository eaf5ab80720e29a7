/**
 * The WebSocket exporter's options: their checks, their defaults and the server URL
 * (`ws://<host>:<port>/ws/spans/<run id>`, the port from env `MCP_SERVER_PORT` by default).
 *
 * @module
 */
import { envWarn } from "../env_warn.ts";
import { TracerError } from "../errors.ts";
import { checkRules, isFiniteAtLeast, isFunction, isPositiveInteger } from "../option_rules.ts";
import { type EnvReader, readEnv } from "../otlp/resource.ts";
import { getEnv } from "../runtime/_globals.ts";
import type { WebSocketConstructor } from "./_reconnecting_socket.ts";

/** The port used when neither the `port` option nor env `MCP_SERVER_PORT` gives one. */
export const DEFAULT_MCP_PORT = 8787;

/** Options of `WebSocketSpanExporter`. */
export interface WebSocketSpanExporterOptions {
  /** The run the spans belong to; percent-encoded into the URL path. Required. */
  runId: string;
  /** Server host. Default `127.0.0.1`. */
  host?: string | undefined;
  /** Server port (an integer 1–65535). Default: env `MCP_SERVER_PORT`, else 8787. */
  port?: number | undefined;
  /**
   * A `ws:` or `wss:` base URL used instead of `host` and `port` (e.g. `wss://example.com/armada`);
   * `/ws/spans/<run id>` is appended to its path. Credentials in it (`wss://user:token@host`) are
   * used to connect but never shown: the exporter's `url` and its diagnostics show `***`.
   */
  url?: string | undefined;
  /**
   * The client class. Default `globalThis.WebSocket` (Node 20 has none: pass `ws`'s). A class
   * without `terminate()` (the global one of Deno, Bun and Node >= 22) cannot end a connection
   * whose server stopped reading: it stays open, keeping the process running, until the server or
   * the OS closes it, and spans are dropped (`connection_stalled`) until then. Pass `ws`'s
   * (`npm:ws` on Deno), which has `terminate()`, to get a forced close.
   */
  webSocket?: WebSocketConstructor | undefined;
  /** Reads `MCP_SERVER_PORT`. Default: the runtime's environment. */
  env?: EnvReader | undefined;
  /** Messages held while connecting; beyond it spans are dropped (`queue_full`). Default 1024. */
  maxQueuedMessages?: number | undefined;
  /**
   * Bytes of messages held while connecting (their summed length); a span whose message would
   * take the queue past it is dropped (`queue_full`), so large spans exported while the server is
   * slow to answer cannot fill the memory. An empty queue takes any one message (at most
   * `maxMessageBytes`). Default 16 MiB.
   */
  maxQueuedBytes?: number | undefined;
  /** Bytes the socket may hold unsent; beyond it spans are dropped (`buffer_full`). Default 16 MiB. */
  maxBufferedBytes?: number | undefined;
  /**
   * The largest message sent, in bytes; a span whose message is larger is dropped (`too_large`,
   * reported) instead. A server closes the connection on a message over its own limit, losing
   * what it had not read yet, so set this to the server's limit. Default 16 MiB, the limit of
   * Bun's server and of uvicorn (Python `websockets` alone allows 1 MiB; `ws` 100 MiB).
   */
  maxMessageBytes?: number | undefined;
  /** Time allowed to open a connection. Default 10,000 ms. */
  connectTimeoutMillis?: number | undefined;
  /**
   * An open connection that sent nothing this long is closed (the next export reconnects); one
   * whose buffer stayed full this long is dropped as stalled. Default 5,000 ms.
   */
  idleTimeoutMillis?: number | undefined;
}

/** The checked options, defaults applied. */
export interface WebSocketSettings {
  /** The full URL, path included: the one to connect to (it may hold credentials). */
  readonly url: string;
  /** The URL to show: `url` with its user name and password, if any, replaced by `***`. */
  readonly displayUrl: string;
  /** The client class. */
  readonly webSocket: WebSocketConstructor;
  /** `maxQueuedMessages`. */
  readonly maxQueued: number;
  /** `maxQueuedBytes`. */
  readonly maxQueuedBytes: number;
  /** `maxBufferedBytes`. */
  readonly maxBuffered: number;
  /** `maxMessageBytes`. */
  readonly maxMessage: number;
  /** `connectTimeoutMillis`. */
  readonly connectTimeout: number;
  /** `idleTimeoutMillis`. */
  readonly idleTimeout: number;
}

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
  envWarn("MCP_SERVER_PORT", "not a port (1-65535)");
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
 * Checks the exporter's options and applies their defaults.
 *
 * @param options The options given to the exporter.
 * @returns The URL to connect to, the client class and the bounds.
 * @throws {TracerError} `INVALID_CONFIG` for a missing run id, a bad host, port, URL or bound,
 *   or when there is no `WebSocket` class.
 */
export function websocketSettings(options: WebSocketSpanExporterOptions): WebSocketSettings {
  if (typeof options !== "object" || options === null) invalid("options are required");
  checkRules(options, [
    [["runId"], (v) => typeof v === "string" && v !== "", "a non-empty string"],
    [["port"], isPort, "an integer from 1 to 65535"],
    [["url"], (v) => typeof v === "string", "a string"],
    [["webSocket", "env"], isFunction, "a function"],
    [
      ["maxQueuedMessages", "maxQueuedBytes", "maxBufferedBytes", "maxMessageBytes"],
      isPositiveInteger,
      "an integer >= 1",
    ],
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
    invalid("this runtime has no global WebSocket; pass `webSocket` (e.g. from the `ws` package)");
  }
  const base = serverUrl(options);
  base.pathname = `${base.pathname.replace(/\/+$/, "")}/ws/spans/${
    encodeURIComponent(options.runId)
  }`;
  const url = base.href;
  if (base.username !== "") base.username = "***";
  if (base.password !== "") base.password = "***";
  return {
    url,
    displayUrl: base.href,
    webSocket,
    maxQueued: options.maxQueuedMessages ?? 1024,
    maxQueuedBytes: options.maxQueuedBytes ?? 16 * 1024 * 1024,
    maxBuffered: options.maxBufferedBytes ?? 16 * 1024 * 1024,
    maxMessage: options.maxMessageBytes ?? 16 * 1024 * 1024,
    connectTimeout: options.connectTimeoutMillis ?? 10_000,
    idleTimeout: options.idleTimeoutMillis ?? 5_000,
  };
}
