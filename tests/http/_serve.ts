/**
 * Serves a fetch-style handler on a real loopback server, the way each runtime does it:
 * `Deno.serve` on Deno, `Bun.serve` on Bun, and on Node a small node:http adapter (what
 * `@hono/node-server` and the like do) that passes `{ remoteAddr }` like Deno's handler info.
 * Not in workerd.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** A handler as the servers call it. */
export type Handler = (request: Request, info: unknown) => Response | Promise<Response>;

/** A running server. */
export interface Served {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** Stops it. */
  close(): Promise<void>;
}

interface RuntimeServers {
  Deno?: {
    serve(
      options: { port: number; hostname: string; onListen(): void; onError(): Response },
      handler: Handler,
    ): { addr: { port: number }; shutdown(): Promise<void> };
  };
  Bun?: {
    serve(options: { port: number; hostname: string; fetch: Handler; error(): Response }): {
      port: number;
      stop(force: boolean): Promise<void> | void;
    };
  };
}

const runtime = globalThis as unknown as RuntimeServers;

/** What every server answers when the handler throws. */
const internalError = () => new Response("Internal Server Error", { status: 500 });

/**
 * Starts a server for `handler` on 127.0.0.1.
 *
 * @param handler The fetch-style handler.
 * @returns The server.
 */
export async function serve(handler: Handler): Promise<Served> {
  if (runtime.Deno !== undefined) {
    const server = runtime.Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen() {}, onError: internalError },
      handler,
    );
    return { origin: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
  }
  if (runtime.Bun !== undefined) {
    const server = runtime.Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: handler,
      error: internalError,
    });
    return {
      origin: `http://127.0.0.1:${server.port}`,
      close: async () => void await server.stop(true),
    };
  }
  const server = http.createServer((req, res) => void adapt(handler, req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The node:http adapter: a Request in, the Response streamed out (500 when the handler throws). */
async function adapt(
  handler: Handler,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const method = req.method ?? "GET";
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  const request = new Request(`http://${req.headers.host}${req.url}`, {
    method,
    headers,
    body: method === "GET" || method === "HEAD" ? undefined : Buffer.concat(chunks),
  });
  let response: Response;
  try {
    response = await handler(request, {
      remoteAddr: { hostname: req.socket.remoteAddress, port: req.socket.remotePort },
    });
  } catch {
    const answer = internalError();
    res.writeHead(answer.status).end(await answer.text());
    return;
  }
  res.writeHead(response.status, Object.fromEntries(response.headers));
  const reader = response.body?.getReader();
  res.on("close", () => void reader?.cancel().catch(() => {}));
  try {
    for (;;) {
      const { done, value } = reader === undefined
        ? { done: true, value: undefined }
        : await reader.read();
      if (done) break;
      if (!res.write(value)) await new Promise((resolve) => res.once("drain", resolve));
    }
    res.end();
  } catch {
    res.destroy();
  }
}
