// traceFetchHandler() and what the runtime answers when the handler does not return a response
// itself: a Bun WebSocket upgrade (`if (server.upgrade(request)) return;`, real Bun.serve and
// WebSocket client; Bun only) is a 101, not a failure, while an undefined return without an
// upgrade still is; a handler's throw is answered by the server's own error handler (Deno.serve's
// `onError`, Bun.serve's `error`), whose status the span cannot see, so none is recorded.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { traceFetchHandler } from "../../src/http/trace_fetch_handler.ts";
import { isBun, isDeno } from "../_support/runtime.ts";
import { until, withTracing } from "./_helpers.ts";

/** The part of a Bun server and its WebSocket these tests use. */
interface BunServer {
  readonly port: number;
  upgrade(request: Request): boolean;
  stop(force: boolean): Promise<void> | void;
}
interface Socket {
  send(data: string): void;
}
interface Runtimes {
  Bun?: {
    serve(options: {
      port: number;
      hostname: string;
      fetch: (request: Request, server: BunServer) => Promise<Response>;
      error?: () => Response;
      websocket?: { message(ws: Socket, message: string): void };
    }): BunServer;
  };
  Deno?: {
    serve(
      options: { port: number; hostname: string; onListen(): void; onError(): Response },
      handler: (request: Request) => Promise<Response>,
    ): { addr: { port: number }; shutdown(): Promise<void> };
  };
}
const runtimes = globalThis as unknown as Runtimes;

/** Opens a WebSocket, sends `text` and gives the echo. */
async function echo(url: string, text: string): Promise<string> {
  const ws = new WebSocket(url);
  try {
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    });
    const answer = new Promise<string>((
      resolve,
    ) => (ws.onmessage = (e) => resolve(String(e.data))));
    ws.send(text);
    return await answer;
  } finally {
    ws.close();
  }
}

describe("traceFetchHandler() and a Bun WebSocket upgrade", {
  skip: !isBun && "Bun.serve only",
}, () => {
  it("records a successful upgrade as 101, and an undefined return without one as a failure", () =>
    withTracing(async ({ tracer, collected }) => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const seen: boolean[] = [];
      // deno-lint-ignore prefer-const
      let server: BunServer;
      const handler = traceFetchHandler(async (request: Request, given: BunServer) => {
        const path = new URL(request.url).pathname;
        seen.push(given === server);
        if (path === "/slow") await gate;
        // Bun's documented pattern: the handler returns nothing once upgraded.
        if (path === "/ws" && given.upgrade(request)) return undefined as unknown as Response;
        // Upgraded through the server Bun.serve returned, after an await; Bun ignores the response.
        if (path === "/late") {
          await new Promise((resolve) => setTimeout(resolve, 1));
          if (server.upgrade(request)) return new Response("ignored");
        }
        if (path === "/none") return undefined as unknown as Response;
        return new Response("ok");
      }, { tracer });
      server = runtimes.Bun!.serve({
        port: 0,
        hostname: "127.0.0.1",
        fetch: handler,
        websocket: { message: (ws, message) => ws.send(`echo ${message}`) },
      });
      const origin = `127.0.0.1:${server.port}`;
      try {
        // A request in flight on the same server the whole time.
        const slow = fetch(`http://${origin}/slow`);
        assert.equal(await echo(`ws://${origin}/ws`, "a"), "echo a");
        assert.equal(await echo(`ws://${origin}/late`, "b"), "echo b");
        release();
        assert.equal(await (await slow).text(), "ok");
        await (await fetch(`http://${origin}/none`)).arrayBuffer();
        await until(() => collected.ended.length === 4);
      } finally {
        await server.stop(true);
      }
      assert.deepEqual(seen, [true, true, true, true], "the handler gets the server itself");
      assert.equal(Object.hasOwn(server, "upgrade"), false, "the server is left as it was");
      const span = (path: string) =>
        collected.ended.find((s) => s.attributes["url.path"] === path)!;
      for (const path of ["/ws", "/late"]) {
        assert.equal(span(path).attributes["http.response.status_code"], 101, path);
        assert.equal(span(path).status.code, "UNSET", path);
        assert.equal(span(path).attributes["error.type"], undefined, path);
        assert.deepEqual(span(path).events, [], path);
      }
      assert.equal(span("/slow").attributes["http.response.status_code"], 200);
      const none = span("/none");
      assert.equal(none.status.code, "ERROR");
      assert.equal(none.attributes["error.type"], "TypeError");
      assert.equal(none.attributes["http.response.status_code"], undefined);
    }));
});

describe("traceFetchHandler() and a handler that throws on a real server", {
  skip: !isDeno && !isBun && "Deno.serve and Bun.serve only",
}, () => {
  it("records no status code: the server's error handler chooses the answer (503 here)", () =>
    withTracing(async ({ tracer, collected }) => {
      const handler = traceFetchHandler((): Response => {
        throw new RangeError("boom");
      }, { tracer });
      const onError = () => new Response("sorry", { status: 503 });
      let origin: string;
      let close: () => Promise<void> | void;
      if (runtimes.Deno !== undefined) {
        const options = { port: 0, hostname: "127.0.0.1", onListen() {}, onError };
        const server = runtimes.Deno.serve(options, handler);
        origin = `http://127.0.0.1:${server.addr.port}`;
        close = () => server.shutdown();
      } else {
        const options = { port: 0, hostname: "127.0.0.1", fetch: handler, error: onError };
        const server = runtimes.Bun!.serve(options);
        origin = `http://127.0.0.1:${server.port}`;
        close = () => server.stop(true);
      }
      try {
        const response = await fetch(origin);
        assert.equal(await response.text(), "sorry");
        assert.equal(response.status, 503);
        await until(() => collected.ended.length === 1);
      } finally {
        await close();
      }
      const [span] = collected.ended;
      assert.equal(span.status.code, "ERROR");
      assert.equal(span.attributes["error.type"], "RangeError");
      assert.equal(span.attributes["http.response.status_code"], undefined);
    }));
});
