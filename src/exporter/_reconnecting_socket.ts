/**
 * The WebSocket exporter's connection: one socket at a time, opened on demand, dropped on any
 * error, closed when idle, and never trusted to behave. Every read of a socket property and every
 * call on it is guarded: a throw counts as a lost connection. workerd throws so when a socket is
 * used outside the request that opened it (its I/O context is gone); the next use then opens a
 * new socket in the current request, so each Worker invocation uses its own connection.
 *
 * A dropped open socket that cannot be forced closed (no `terminate()`: the global WebSocket of
 * Deno, Bun and Node >= 22) is kept until it reports `close`, and no new socket opens meanwhile: a
 * server that stopped reading would otherwise leave one open socket, with its unsent buffer, per
 * reconnect. At most one socket is thus ever closing. A socket that never opened holds nothing
 * and is not kept: Node's WebSocket (undici) never reports `close` for a failed handshake (undici
 * 6, Node 22), or reports it from within `close()` and then shows `readyState` 2 again (undici 7,
 * Node 24), so waiting for it would stop the exporter for good. A socket counts as closed once its
 * `close` event came (even from within `close()`) or it shows `readyState` 3.
 *
 * A failed connection attempt starts a backoff (`_ws_backoff.ts`): a connection that did not open,
 * or that the server ended within 2 s of its opening. A socket that throws (workerd: another
 * request's) starts none, nor does a connection that stayed open longer: the next connection opens
 * at once (and if that attempt fails, the backoff starts).
 *
 * It counts the bytes sent on the open connection and, from the socket's `bufferedAmount`, how many
 * of them it has written out (`_socket_written_bytes.ts`), so that its owner can tell which sent
 * messages left the process. The client's interface and the guarded calls on a socket are
 * `_socket_client.ts`.
 *
 * @module
 */
import { clearBackgroundTimer, setBackgroundTimer, type TimerHandle } from "../processor/_timer.ts";
import { settlesWithin } from "../settles_within.ts";
import {
  CLOSED,
  closeSocket,
  CONNECTING,
  describeEvent,
  OPEN,
  type WebSocketConstructor,
  type WebSocketLike,
} from "./_socket_client.ts";
import { holdsMoreThan, openBufferedAmount, WrittenBytes } from "./_socket_written_bytes.ts";
import { ConnectBackoff, STABLE_CONNECTION_MS } from "./_ws_backoff.ts";

export type { WebSocketConstructor, WebSocketLike } from "./_socket_client.ts";

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
  /**
   * The open connection is gone (`lost`: the server or the network ended it, or it threw;
   * `stalled`: dropped, its server having stopped reading; `closed`: closed by this side, idle or
   * at shutdown). Of the bytes sent on it, `written` were known to be written out by the socket;
   * the rest may never have left. Called before `lost`.
   */
  ended(written: number, why: "lost" | "stalled" | "closed"): void;
}

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
  /** When the current socket opened (epoch ms). */
  #openedAt = 0;
  /** Bytes sent on the current socket, and how many of them it has written out. */
  readonly #bytes = new WrittenBytes();
  readonly #backoff = new ConnectBackoff();
  /** Sockets that have reported `close`. */
  readonly #closedSockets = new WeakSet<WebSocketLike>();

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
      if (!this.#isClosed(closing)) return this.#stalled ? "stalled" : "closing";
      this.#closed(closing, false);
    }
    return this.#backoff.waiting() ? "backoff" : "none";
  }

  /** Bytes sent on the current connection (each message's length: the lines are ASCII). */
  get sent(): number {
    return this.#bytes.sent;
  }

  /**
   * How many of the bytes sent on the current connection its socket has written out: the sent
   * bytes less its `bufferedAmount`, read now (a socket that does not report it has written all).
   * Never less than an earlier answer for the same connection.
   *
   * @returns The written bytes (of the last connection, as last read, once it is gone).
   */
  written(): number {
    return this.#bytes.update(this.#buffered());
  }

  /**
   * The bytes the open connection's socket holds unsent (its `bufferedAmount`).
   *
   * @returns The bytes; 0 when no connection is open or the socket cannot tell.
   */
  buffered(): number {
    return this.#buffered() ?? 0;
  }

  /**
   * The open socket's `bufferedAmount` (0 when it has none); undefined without an open socket, or
   * a throw (see {@linkcode openBufferedAmount}).
   */
  #buffered(): number | undefined {
    const socket = this.#socket;
    return socket === undefined || !this.#opened ? undefined : openBufferedAmount(socket);
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
      this.#backoff.failed();
      return this.#handlers.lost(error, false);
    }
    this.#socket = socket;
    this.#opened = false;
    this.#bytes.reset();
    this.#lastSend = Date.now();
    this.#arm(this.#settings.connectTimeout, () => this.#lose(socket, "connect timeout", "force"));
    try {
      socket.addEventListener("open", () => {
        if (this.#socket !== socket) return;
        this.#opened = true;
        this.#openedAt = this.#lastSend = Date.now();
        this.#arm(this.#settings.idleTimeout, () => this.#idle(socket));
        this.#handlers.open();
      });
      socket.addEventListener(
        "error",
        (event) => this.#lose(socket, describeEvent("error", event)),
      );
      socket.addEventListener("close", (event) => {
        // Recorded first: undici 7 reports `close` from within `close()`, before it returns.
        this.#closedSockets.add(socket);
        this.#lose(socket, describeEvent("closed", event));
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
      if (holdsMoreThan(socket, this.#settings.maxBuffered)) {
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
    this.#bytes.add(line.length);
    this.#lastSend = Date.now();
    return "sent";
  }

  /**
   * Closes the connection (the next `connect` opens a new one), forcing it (`terminate()`,
   * where the client has it) when the closing handshake has not finished by `deadline`, or
   * within the connect timeout when that comes first. Without `terminate()` a connection whose
   * server stopped reading stays open (until the server or the OS ends it); this still returns
   * by then. A connection still opening is closed without waiting.
   *
   * @param deadline Epoch-ms time limit for the closing handshake.
   */
  async close(deadline: number): Promise<void> {
    const socket = this.#socket;
    if (socket === undefined) return;
    const opened = this.#opened;
    this.written();
    this.#forget("closed");
    let closed: Promise<void>;
    try {
      if (this.#isClosed(socket)) return;
      closed = new Promise((resolve) => socket.addEventListener("close", () => resolve()));
    } catch {
      return; // unusable here (workerd, another request): nothing to wait for
    }
    closeSocket(socket, false);
    // Nothing was sent on it, and some clients never report its close (undici 6).
    if (!opened || this.#isClosed(socket)) return;
    const limit = Math.min(deadline - Date.now(), this.#settings.connectTimeout);
    if (!await settlesWithin(closed, limit)) closeSocket(socket, true);
  }

  /** Closes an open connection that sent nothing for the idle timeout. */
  #idle(socket: WebSocketLike): void {
    if (this.#socket !== socket) return;
    const wait = this.#lastSend + this.#settings.idleTimeout - Date.now();
    if (wait > 0) return this.#arm(wait, () => this.#idle(socket));
    let how: Drop = "close";
    try {
      // A full buffer would hold up the closing handshake.
      if (holdsMoreThan(socket, this.#settings.maxBuffered)) how = "stalled";
    } catch {
      how = "unusable";
    }
    // The server kept it open for the idle timeout: it accepts connections.
    if (how === "close") this.#backoff.succeeded();
    this.written();
    this.#forget(how === "close" ? "closed" : how === "stalled" ? "stalled" : "lost");
    this.#drop(socket, how, true);
  }

  /**
   * Forgets a broken socket (once), closes it and reports it lost. A socket that did not open, or
   * that the server ended within {@linkcode STABLE_CONNECTION_MS} of its opening, is a failed
   * connection attempt (backoff); one that stayed open longer proved the server accepts them.
   */
  #lose(
    socket: WebSocketLike,
    cause: unknown,
    how: Drop = "close",
  ): void {
    if (socket !== this.#socket) return;
    const opened = this.#opened;
    if (how !== "unusable") {
      if (opened && Date.now() - this.#openedAt >= STABLE_CONNECTION_MS) this.#backoff.succeeded();
      else this.#backoff.failed();
    }
    const broken = opened && how !== "unusable";
    // Once a connection broke, clients report a `bufferedAmount` of 0 whatever they had not sent;
    // one this side drops (a throw, a stall) still tells.
    if (how === "unusable" || how === "stalled") this.written();
    this.#forget(how === "stalled" ? "stalled" : "lost");
    this.#drop(socket, how, opened);
    this.#handlers.lost(cause, broken);
  }

  /** Whether the socket has reported `close` or shows `readyState` 3; never throws. */
  #isClosed(socket: WebSocketLike): boolean {
    if (this.#closedSockets.has(socket)) return true;
    try {
      return socket.readyState === CLOSED;
    } catch {
      return true; // unusable here: it cannot be waited for
    }
  }

  /**
   * Closes a forgotten socket: `force` terminates it where the client can, `unusable` (it threw:
   * another request's socket on workerd) only tries to close it. A socket that opened, cannot be
   * forced and is not closed yet is kept until it reports `close`; a forced one counts as stalled
   * at once, another after the connect timeout. One that never opened is let go at once.
   */
  #drop(socket: WebSocketLike, how: Drop, opened: boolean): void {
    try {
      if (how !== "close" && how !== "unusable" && typeof socket.terminate === "function") {
        return socket.terminate();
      }
      socket.close(1000);
      if (how === "unusable" || typeof socket.terminate === "function") return;
    } catch {
      return; // already closed, or unusable here
    }
    if (!opened || this.#isClosed(socket)) return;
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

  /** Forgets the current socket; if it had opened, tells the owner how much of it was written. */
  #forget(why: "lost" | "stalled" | "closed"): void {
    const opened = this.#opened;
    this.#socket = undefined;
    this.#opened = false;
    this.#arm(0);
    if (opened) this.#handlers.ended(this.#bytes.written, why);
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
