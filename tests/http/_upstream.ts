/**
 * A real loopback HTTP server for `tracedFetch` tests (node:http works on Deno, Node and Bun; not
 * in workerd). It records every request it gets (headers and body) and answers by path:
 *
 * - `/echo` 200 with `{ method, headers, body }` as JSON;
 * - `/status/<n>` status n with the body `status <n>` (none for 204 and 304);
 * - `/stream` 200, `first` at once, then `second` when the test calls `release()`;
 * - `/reset` 200, a first chunk, then the connection is destroyed mid-body;
 * - `/redirect` 302 to `/echo`;
 * - `/empty` 200 with `Content-Length: 0`;
 * - `/big` 200 with 100,000 bytes `0..255` repeated;
 * - anything else 404.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One request as the server saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** The bytes `/big` sends. */
export const BIG: Uint8Array = Uint8Array.from({ length: 100_000 }, (_, i) => i % 256);

/** The loopback server. */
export class Upstream {
  /** Every request, in arrival order. */
  readonly requests: SeenRequest[] = [];
  readonly #server: http.Server;
  readonly #sockets = new Set<Socket>();
  #release: (() => void)[] = [];
  #port = 0;

  private constructor() {
    this.#server = http.createServer((req, res) => this.#handle(req, res));
    this.#server.on("connection", (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
  }

  /**
   * Starts a server on 127.0.0.1.
   *
   * @returns The listening server.
   */
  static async start(): Promise<Upstream> {
    const upstream = new Upstream();
    await new Promise<void>((resolve, reject) => {
      upstream.#server.once("error", reject);
      upstream.#server.listen(0, "127.0.0.1", () => resolve());
    });
    upstream.#port = (upstream.#server.address() as AddressInfo).port;
    return upstream;
  }

  /** The port. */
  get port(): number {
    return this.#port;
  }

  /**
   * The URL of a path.
   *
   * @param path The path (with query, if any).
   * @returns `http://127.0.0.1:<port><path>`.
   */
  url(path: string): string {
    return `http://127.0.0.1:${this.#port}${path}`;
  }

  /** Lets every waiting `/stream` response send its second chunk and end. */
  release(): void {
    for (const release of this.#release.splice(0)) release();
  }

  /** Stops listening and destroys every open connection. */
  async close(): Promise<void> {
    this.release();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = req.url ?? "/";
      const seen = {
        method: req.method ?? "",
        path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      this.requests.push(seen);
      const status = /^\/status\/(\d+)$/.exec(path);
      if (path.startsWith("/echo")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(seen));
      } else if (status !== null) {
        const code = Number(status[1]);
        res.writeHead(code, { "content-type": "text/plain" });
        res.end(code === 204 || code === 304 ? undefined : `status ${code}`);
      } else if (path === "/stream") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("first");
        this.#release.push(() => res.end("second"));
      } else if (path === "/reset") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("partial", () => setTimeout(() => res.socket?.destroy(), 20));
      } else if (path === "/redirect") {
        res.writeHead(302, { location: "/echo" });
        res.end();
      } else if (path === "/empty") {
        res.writeHead(200, { "content-length": "0" });
        res.end();
      } else if (path === "/big") {
        res.writeHead(200, { "content-length": String(BIG.length) });
        res.end(Buffer.from(BIG));
      } else {
        res.writeHead(404);
        res.end("not found");
      }
    });
  }
}

/**
 * Runs `fn` with a started server, closing it afterwards.
 *
 * @param fn The test body.
 */
export async function withUpstream(fn: (upstream: Upstream) => Promise<void>): Promise<void> {
  const upstream = await Upstream.start();
  try {
    await fn(upstream);
  } finally {
    await upstream.close();
  }
}
