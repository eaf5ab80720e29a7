/**
 * Loopback servers on 127.0.0.1 for the WebSocket exporter's tests (Node, Deno, Bun; not
 * workerd, which cannot listen): a `ws` server that records every message or closes every
 * connection right after its upgrade, a raw TCP server that completes the upgrade and then never
 * reads (so the client's socket keeps what it sent buffered), and a black hole that accepts TCP
 * connections but never answers the upgrade.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { type WebSocket as WsSocket, WebSocketServer } from "ws";
import { delay } from "./otlp_helpers.ts";

/** A running test server. */
export interface TestServer {
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** Connections it accepted (TCP for the raw servers, upgrades for the `ws` ones). */
  readonly connections: number;
  /** The text messages it read, in order (the `ws` servers only). */
  readonly messages: readonly string[];
  /** Stops listening and ends every connection. */
  stop(): Promise<void>;
}

/** Waits (at most `ms`, default 5 s) until `test()` holds; fails naming `what` otherwise. */
export async function until(test: () => boolean, what: string, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !test();) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await delay(20);
  }
}

/**
 * A `ws` server. `record`: reads and keeps every message; `close-at-once`: accepts the upgrade,
 * then closes the connection with 1008 (what a server does for an unknown run or a bad token).
 *
 * @param mode What it does with a connection.
 * @param port The port (0: any free one).
 */
export function startWsServer(
  mode: "record" | "close-at-once",
  port = 0,
): Promise<TestServer> {
  return new Promise((resolve, reject) => {
    const server = new WebSocketServer({ host: "127.0.0.1", port });
    const messages: string[] = [];
    let connections = 0;
    server.on("connection", (socket: WsSocket) => {
      connections++;
      socket.on("error", () => {});
      if (mode === "close-at-once") return socket.close(1008, "unknown run");
      socket.on("message", (data: unknown) => void messages.push(String(data)));
    });
    server.once("error", reject);
    server.once("listening", () =>
      resolve({
        port: (server.address() as { port: number }).port,
        get connections() {
          return connections;
        },
        messages,
        stop() {
          for (const client of server.clients) client.terminate();
          return new Promise<void>((done) => server.close(() => done()));
        },
      }));
  });
}

/**
 * A raw TCP server on which no client ever gets a WebSocket message through. `no-read`: it
 * answers the upgrade (101), then never reads, so what a client sends stays in its buffers;
 * `endAfterMs` ends each connection that long after its upgrade. `black-hole`: it accepts the TCP
 * connection and never answers the upgrade.
 *
 * @param mode What it does with a connection.
 * @param options The port (0: any free one) and when to end each connection (default never).
 */
export function startRawServer(
  mode: "no-read" | "black-hole",
  options: { port?: number; endAfterMs?: number } = {},
): Promise<TestServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => void sockets.delete(socket));
    if (mode === "black-hole") return void socket.pause();
    let head = "";
    const onData = (chunk: unknown) => {
      head += String(chunk);
      const key = /^sec-websocket-key:\s*(\S+)/im.exec(head)?.[1];
      if (!head.includes("\r\n\r\n") || key === undefined) return;
      socket.off("data", onData);
      socket.pause();
      const accept = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
        .digest("base64");
      socket.write(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      if (options.endAfterMs !== undefined) {
        setTimeout(() => socket.destroy(), options.endAfterMs);
      }
    };
    socket.on("data", onData);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () =>
      resolve({
        port: (server.address() as { port: number }).port,
        get connections() {
          return connections;
        },
        messages: [],
        stop() {
          for (const socket of sockets) socket.destroy();
          return new Promise<void>((done) => server.close(() => done()));
        },
      }));
  });
}
