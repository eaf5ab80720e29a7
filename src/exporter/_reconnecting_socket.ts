/**
 * The WebSocket exporter's connection: one socket at a time, opened on demand, dropped on any
 * error, closed when idle, and never trusted to behave. Every read of a socket property and every
 * call on it is guarded: a throw counts as a lost connection. workerd throws so when a socket is
 * used outside the request that opened it (its I/O context is gone); the next use then opens a
 * new socket in the current request, so each Worker invocation uses its own connection.
 *
 * A dropped socket that cannot be forced closed (no `terminate()`: the global WebSocket of Deno,
 * Bun and Node >= 22) is kept until it reports `close`, and no new socket opens meanwhile: a
 * server that stopped reading would otherwise leave one open socket, with its unsent buffer, per
 * reconnect. At most one socket is thus ever closing.
 *
 * A connection that fails before it opens (refused, error, connect timeout, a throwing client)
 * starts a backoff: no new socket opens for 100 ms, doubling per failure up to 30 s (each less a
 * random part of up to half, the jitter), and reset when a connection opens. It is a time, not a
 * timer, so it holds no process open and spans no Worker request beyond its length. A socket that
 * throws (workerd: another request's) or a dropped open connection starts none: the next
 * connection opens at once (and if that attempt fails, the backoff starts).
 *
 * @module
 */
import { clearBackgroundTimer, setBackgroundTimer, type TimerHandle } from "../processor/_timer.ts";
import { settlesWithin } from "../settles_within.ts";

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
  /** Ends the connection at once, without the closing handshake (`ws` has it). */
  terminate?(): void;
  /**
   * Listens for `open`, `error` and `close`. Of the event only a close event's `code` (e.g. 1009,
   * message too big) and `reason`, and an error event's `message` are read, where present.
   */
  addEventListener(type: "open" | "error" | "close", listener: (event?: unknown) => void): void;
}

/** A WebSocket client class, such as `globalThis.WebSocket` or `WebSocket` from the `ws` package. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Where and how {@linkcode ReconnectingSocket} connects. */
export interface SocketSettings {
  /** The URL. */
  readonly url: string;
  /** The client class. */
  readonly webSocket: WebSocketConstructor;
  /** Bytes the socket may hold unsent before `send` answers `full`. */
  readonly maxBuffered: number;
  /** Time allowed to open a connection. */
  readonly connectTimeout: number;
  /** An open connection that sent nothing this long is closed; full this long, dropped. */
  readonly idleTimeout: number;
}

/** What a {@linkcode ReconnectingSocket} tells its owner. */
export interface SocketHandlers {
  /** The connection opened: send what waits. */
  open(): void;
  /**
   * The connection broke (error, close, timeout, stall, a throwing socket): fail what waits.
   * `broken`: it had opened and was not ended by this side nor found unusable (it threw), so what
   * was sent on it may not have arrived.
   */
  lost(cause: unknown, broken: boolean): void;
  /** The dropped connection finished closing: a new one may open. */
  closed(): void;
  /** The dropped connection did not close within the connect timeout: drop what waits. */
  stalled(): void;
}

/** The first backoff after a failed connection attempt, in ms; it doubles per failure. */
const BACKOFF_MIN_MS = 100;
/** The longest backoff, in ms. */
const BACKOFF_MAX_MS = 30_000;

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

/**
 * How a socket is dropped: `close` it; `force` it closed (`terminate()` where the client has it);
 * `stalled`: force it, its server having stopped reading; `unusable`: it threw, only try to close.
 */
type Drop = "close" | "force" | "stalled" | "unusable";

/**
 * One WebSocket connection at a time. Methods never throw; a connection found broken is
 * forgotten and reported through `handlers.lost` (at most once per socket), and the next
 * {@linkcode ReconnectingSocket.connect} opens a new one.
 */
export class ReconnectingSocket {
  readonly #settings: SocketSettings;
  readonly #handlers: SocketHandlers;
  #socket: WebSocketLike | undefined;
  /** A dropped socket without `terminate()` that has not reported `close` yet. */
  #closing: WebSocketLike | undefined;
  /** `#closing` was dropped as stalled, or has not closed within the connect timeout. */
  #stalled = false;
  #timer: TimerHandle | undefined;
  #lastSend = 0;
  /** The current socket has opened. */
  #opened = false;
  /** Connection attempts failed in a row; reset when one opens. */
  #failures = 0;
  /** Epoch-ms time before which no new socket opens (the backoff). */
  #retryAt = 0;

  /**
   * Creates the holder; nothing connects until {@linkcode ReconnectingSocket.connect}.
   *
   * @param settings Where and how to connect.
   * @param handlers Told when a connection opens or is lost.
   */
  constructor(settings: SocketSettings, handlers: SocketHandlers) {
    this.#settings = settings;
    this.#handlers = handlers;
  }

  /**
   * The connection's state. A socket found closing, closed or unusable is forgotten first (and
   * reported lost). `closing`: a dropped socket that cannot be forced closed is still closing, so
   * no new one opens yet; `stalled`: it was dropped as stalled or has not closed within the
   * connect timeout (a server that stopped reading), so none opens until it does; `backoff`: a
   * connection attempt failed and none opens until the backoff ends.
   *
   * @returns `none`, `connecting`, `open`, `closing`, `stalled` or `backoff`.
   */
  state(): "none" | "connecting" | "open" | "closing" | "stalled" | "backoff" {
    const socket = this.#socket;
    if (socket !== undefined) {
      try {
        const state = socket.readyState;
        if (state === OPEN) return "open";
        if (state === CONNECTING) return "connecting";
        this.#lose(socket, "closed");
      } catch (error) {
        this.#lose(socket, error, "unusable");
      }
    }
    const closing = this.#closing;
    if (closing !== undefined) {
      try {
        if (closing.readyState !== CLOSED) return this.#stalled ? "stalled" : "closing";
      } catch { /* unusable here: it cannot be waited for */ }
      this.#closed(closing, false);
    }
    return Date.now() < this.#retryAt ? "backoff" : "none";
  }

  /**
   * Opens a connection (when there is none, no dropped one is still closing, and no backoff
   * runs); a client that throws is reported lost at once.
   */
  connect(): void {
    if (this.state() !== "none") return;
    let socket: WebSocketLike;
    try {
      socket = new this.#settings.webSocket(this.#settings.url);
    } catch (error) {
      this.#backOff();
      return this.#handlers.lost(error, false);
    }
    this.#socket = socket;
    this.#opened = false;
    this.#lastSend = Date.now();
    this.#arm(this.#settings.connectTimeout, () => this.#lose(socket, "connect timeout", "force"));
    try {
      socket.addEventListener("open", () => {
        if (this.#socket !== socket) return;
        this.#opened = true;
        this.#failures = 0;
        this.#retryAt = 0;
        this.#lastSend = Date.now();
        this.#arm(this.#settings.idleTimeout, () => this.#idle(socket));
        this.#handlers.open();
      });
      socket.addEventListener("error", (event) => this.#lose(socket, describe("error", event)));
      socket.addEventListener("close", (event) => {
        this.#lose(socket, describe("closed", event));
        this.#closed(socket, true);
      });
    } catch (error) {
      this.#lose(socket, error, "unusable");
    }
  }

  /**
   * Sends one message on the open connection. While its buffer holds more than `maxBuffered`
   * bytes nothing is sent (`full`); a buffer full for the idle timeout is a stalled connection,
   * dropped like a broken one.
   *
   * @param line The message.
   * @returns `sent`, `full`, or `lost` (the connection is gone and `handlers.lost` was called).
   */
  send(line: string): "sent" | "full" | "lost" {
    const socket = this.#socket;
    if (socket === undefined) return "lost";
    try {
      if ((socket.bufferedAmount ?? 0) > this.#settings.maxBuffered) {
        if (Date.now() - this.#lastSend < this.#settings.idleTimeout) return "full";
        this.#lose(
          socket,
          new Error("stalled: the server has not read for the idle timeout"),
          "stalled",
        );
        return "lost";
      }
      socket.send(line);
    } catch (error) {
      this.#lose(socket, error, "unusable");
      return "lost";
    }
    this.#lastSend = Date.now();
    return "sent";
  }

  /**
   * Closes the connection (the next `connect` opens a new one), forcing it (`terminate()`,
   * where the client has it) when the closing handshake has not finished by `deadline`, or
   * within the connect timeout when that comes first. Without `terminate()` a connection whose
   * server stopped reading stays open (until the server or the OS ends it); this still returns
   * by then.
   *
   * @param deadline Epoch-ms time limit for the closing handshake.
   */
  async close(deadline: number): Promise<void> {
    const socket = this.#socket;
    if (socket === undefined) return;
    this.#forget();
    let closed: Promise<void>;
    try {
      if (socket.readyState === CLOSED) return;
      closed = new Promise((resolve) => socket.addEventListener("close", () => resolve()));
    } catch {
      return; // unusable here (workerd, another request): nothing to wait for
    }
    closeSocket(socket, false);
    const limit = Math.min(deadline - Date.now(), this.#settings.connectTimeout);
    if (!await settlesWithin(closed, limit)) closeSocket(socket, true);
  }

  /** Closes an open connection that sent nothing for the idle timeout. */
  #idle(socket: WebSocketLike): void {
    if (this.#socket !== socket) return;
    const wait = this.#lastSend + this.#settings.idleTimeout - Date.now();
    if (wait > 0) return this.#arm(wait, () => this.#idle(socket));
    this.#forget();
    let how: Drop = "close";
    try {
      // A full buffer would hold up the closing handshake.
      if ((socket.bufferedAmount ?? 0) > this.#settings.maxBuffered) how = "stalled";
    } catch {
      how = "unusable";
    }
    this.#drop(socket, how);
  }

  /** Forgets a broken socket (once), closes it and reports it lost. */
  #lose(
    socket: WebSocketLike,
    cause: unknown,
    how: Drop = "close",
  ): void {
    if (socket !== this.#socket) return;
    if (!this.#opened && how !== "unusable") this.#backOff();
    const broken = this.#opened && how !== "unusable";
    this.#forget();
    this.#drop(socket, how);
    this.#handlers.lost(cause, broken);
  }

  /** A connection attempt failed: no new one before 100 ms × 2^(failures − 1), capped, jittered. */
  #backOff(): void {
    const limit = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(this.#failures++, 20));
    this.#retryAt = Date.now() + limit * (0.5 + Math.random() / 2);
  }

  /**
   * Closes a forgotten socket: `force` terminates it where the client can, `unusable` (it threw:
   * another request's socket on workerd) only tries to close it. A socket that cannot be forced
   * and is not closed yet is kept until it reports `close`; a forced one counts as stalled at
   * once, another after the connect timeout.
   */
  #drop(socket: WebSocketLike, how: Drop): void {
    try {
      if (how !== "close" && how !== "unusable" && typeof socket.terminate === "function") {
        return socket.terminate();
      }
      socket.close(1000);
      if (how === "unusable" || typeof socket.terminate === "function") return;
      if (socket.readyState === CLOSED) return;
    } catch {
      return; // already closed, or unusable here
    }
    this.#closing = socket;
    this.#stalled = how === "stalled";
    if (this.#stalled) return;
    this.#arm(this.#settings.connectTimeout, () => {
      if (this.#closing !== socket) return;
      this.#stalled = true;
      this.#handlers.stalled();
    });
  }

  /** A kept socket reported `close` (or was found closed): the next `connect` may open one. */
  #closed(socket: WebSocketLike, notify: boolean): void {
    if (socket !== this.#closing) return;
    this.#closing = undefined;
    this.#stalled = false;
    this.#arm(0);
    if (notify) this.#handlers.closed();
  }

  #forget(): void {
    this.#socket = undefined;
    this.#arm(0);
  }

  /**
   * Replaces the single timer (connect timeout, idle close, or a kept socket's close timeout);
   * without `fn` only clears it.
   */
  #arm(ms: number, fn?: () => void): void {
    try {
      if (this.#timer !== undefined) clearBackgroundTimer(this.#timer);
    } catch { /* a timer of another request (workerd): it cannot fire here */ }
    this.#timer = fn === undefined ? undefined : setBackgroundTimer(fn, ms);
  }
}

/**
 * `what` (`error` or `closed`) with what the event tells: a close code and the server's reason,
 * or the client's error message. Never throws.
 */
function describe(what: string, event: unknown): string {
  try {
    const { code, reason, message } = (event ?? {}) as Record<string, unknown>;
    const text = [
      typeof code === "number" ? `code ${code}` : "",
      typeof reason === "string" && reason !== "" ? JSON.stringify(reason.slice(0, 200)) : "",
      typeof message === "string" && message !== "" ? message.slice(0, 200) : "",
    ].filter((part) => part !== "").join(" ");
    return text === "" ? what : `${what}: ${text}`;
  } catch {
    return what;
  }
}

/** Closes a socket (`force`: terminates it where the client can), ignoring every error. */
function closeSocket(socket: WebSocketLike, force: boolean): void {
  try {
    if (force && typeof socket.terminate === "function") socket.terminate();
    else socket.close(1000);
  } catch { /* already closed, or unusable here */ }
}
