/**
 * The WebSocket client the exporter drives: the part of its interface it uses (the standard
 * `WebSocket`, or `ws`'s), its `readyState` values, and calls on a socket that never throw.
 *
 * @module
 */
import { cutText } from "../cut_text.ts";

/** The part of a WebSocket client the exporter uses (the standard `WebSocket`, or `ws`'s). */
export interface WebSocketLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Bytes accepted by `send` but not yet written to the network. */
  readonly bufferedAmount?: number | undefined;
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

/** The `readyState` of a socket still opening. */
export const CONNECTING = 0;
/** The `readyState` of an open socket. */
export const OPEN = 1;
/** The `readyState` of a closed socket. */
export const CLOSED = 3;

/**
 * `what` (`error` or `closed`) with what the event tells: a close code and the server's reason,
 * or the client's error message. Never throws.
 *
 * @param what What happened.
 * @param event The client's `error` or `close` event, if any.
 * @returns A short description, at most 200 characters of the reason and of the message.
 */
export function describeEvent(what: string, event: unknown): string {
  try {
    const { code, reason, message } = (event ?? {}) as Record<string, unknown>;
    const text = [
      typeof code === "number" ? `code ${code}` : "",
      typeof reason === "string" && reason !== "" ? JSON.stringify(cutText(reason, 200)) : "",
      typeof message === "string" && message !== "" ? cutText(message, 200) : "",
    ].filter((part) => part !== "").join(" ");
    return text === "" ? what : `${what}: ${text}`;
  } catch {
    return what;
  }
}

/**
 * Closes a socket, ignoring every error.
 *
 * @param socket The socket.
 * @param force Terminates it where the client can (`terminate()`) instead of closing it.
 */
export function closeSocket(socket: WebSocketLike, force: boolean): void {
  try {
    if (force && typeof socket.terminate === "function") socket.terminate();
    else socket.close(1000);
  } catch { /* already closed, or unusable here */ }
}
