// traceRequestListener(): the SERVER span of a node:http request listener (an Express app, a
// Fastify serverFactory handler, a plain listener), on a real node:http server on Node, Bun and
// Deno: HTTP attributes, the caller's trace continued, the span active in the listener and in the
// work it starts, ended when the response is sent (a streamed one at its last chunk), 5xx as
// errors, a client that leaves mid-response, a throwing listener, bad options.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { TracerError } from "../../src/errors.ts";
import { traceRequestListener } from "../../src/http/trace_request_listener.ts";
import type { Span } from "../../mod.ts";
import { isNode, isWorkerd } from "../_support/runtime.ts";
import { until, withTracing } from "./_helpers.ts";

const CALLER = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" };
const traceparent = (flags: string) => `00-${CALLER.traceId}-${CALLER.spanId}-${flags}`;

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Runs `fn` with a node:http server on a loopback port for `listener`, closed afterwards. */
async function withServer(listener: Listener, fn: (origin: string) => Promise<void>) {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
  }
}

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

describe(
  "traceRequestListener() on a node:http server",
  { skip: isWorkerd && "no node:http" },
  () => {
    it("makes one SERVER span per request, continuing the caller's trace, active across awaits", () =>
      withTracing(async ({ tracer, collected }) => {
        const seen: (Span | undefined)[] = [];
        let child: Span | undefined;
        const listener = traceRequestListener(async (req: IncomingMessage, res: ServerResponse) => {
          await tick();
          seen.push(tracer.activeSpan());
          child = tracer.startSpan("llm call");
          await tick();
          child.end();
          res.setHeader("content-length", "5");
          res.end("hello");
          void req;
        }, { tracer });
        let port = 0;
        await withServer(listener, async (origin) => {
          port = Number(new URL(origin).port);
          const response = await fetch(`${origin}/items/7?token=secret`, {
            headers: { traceparent: traceparent("01"), "user-agent": "probe/1.0" },
          });
          assert.equal(await response.text(), "hello");
          await until(() => collected.ended.length === 2);
        });
        const server = collected.ended.find((s) => s.kind === "SERVER")!;
        assert.equal(server.name, "GET");
        assert.equal(server.traceId, CALLER.traceId);
        assert.equal(server.parentSpanId, CALLER.spanId);
        assert.equal(seen[0]?.spanContext().spanId, server.spanId, "active in the listener");
        assert.equal(child?.parentSpanId, server.spanId, "work it starts is its child");
        assert.deepEqual(
          {
            method: server.attributes["http.request.method"],
            scheme: server.attributes["url.scheme"],
            path: server.attributes["url.path"],
            query: server.attributes["url.query"],
            address: server.attributes["server.address"],
            port: server.attributes["server.port"],
            agent: server.attributes["user_agent.original"],
            status: server.attributes["http.response.status_code"],
            size: server.attributes["http.response.body.size"],
            client: server.attributes["client.address"],
          },
          {
            method: "GET",
            scheme: "http",
            path: "/items/7",
            query: undefined, // not without recordQuery: it carries a token
            address: "127.0.0.1",
            port,
            agent: "probe/1.0",
            status: 200,
            size: 5,
            client: "127.0.0.1",
          },
        );
        assert.equal(server.status.code, "UNSET");
        assert.deepEqual(server.events, [], "a response sent whole is not cancelled");
      }));

    it("keeps the span active in the request body's callbacks (a body parser's)", () =>
      withTracing(async ({ tracer, collected }) => {
        let parsed: Span | undefined;
        const listener = traceRequestListener((req: IncomingMessage, res: ServerResponse) => {
          const chunks: string[] = [];
          req.setEncoding("utf8");
          req.on("data", (chunk: string) => chunks.push(chunk));
          req.on("end", () => {
            parsed = tracer.startSpan(`parsed ${JSON.parse(chunks.join("")).n}`);
            parsed.end();
            res.end("ok");
          });
        }, { tracer });
        await withServer(listener, async (origin) => {
          const body = JSON.stringify({ n: 1, pad: "x".repeat(200_000) }); // several chunks
          const response = await fetch(origin, { method: "POST", body });
          assert.equal(await response.text(), "ok");
          await until(() => collected.ended.length === 2);
        });
        const server = collected.ended.find((s) => s.kind === "SERVER")!;
        assert.equal(parsed?.name, "parsed 1");
        assert.equal(parsed?.parentSpanId, server.spanId);
        assert.equal(server.attributes["http.request.body.size"], 200_016);
      }));

    it("ends at the last chunk of a streamed response; 5xx sets error.type", () =>
      withTracing(async ({ tracer, collected }) => {
        let lastChunkAt = 0;
        const listener = traceRequestListener((_req: IncomingMessage, res: ServerResponse) => {
          res.statusCode = 503;
          res.write("data: 1\n\n");
          setTimeout(() => {
            lastChunkAt = Date.now();
            res.end("data: 2\n\n");
          }, 60);
        }, { tracer });
        await withServer(listener, async (origin) => {
          const response = await fetch(origin);
          assert.equal(await response.text(), "data: 1\n\ndata: 2\n\n");
          await until(() => collected.ended.length === 1);
        });
        const [span] = collected.ended;
        assert.ok(lastChunkAt > 0);
        const millis = (span.endTime - span.startTime) / 1e6;
        assert.ok(millis >= 50, `ended after the last chunk, 60 ms in: ${millis} ms`);
        assert.equal(span.attributes["http.response.status_code"], 503);
        assert.equal(span.attributes["error.type"], "503");
        assert.equal(span.status.code, "ERROR");
      }));

    it("ends with http.response.cancelled when the client leaves mid-response", () =>
      withTracing(async ({ tracer, collected }) => {
        let closed = false;
        const listener = traceRequestListener((_req: IncomingMessage, res: ServerResponse) => {
          res.write("partial");
          res.once("close", () => closed = true); // never ended by the server
        }, { tracer });
        await withServer(listener, async (origin) => {
          const controller = new AbortController();
          const response = await fetch(origin, { signal: controller.signal });
          const reader = response.body!.getReader();
          await reader.read();
          controller.abort();
          await until(() => closed && collected.ended.length === 1);
        });
        const [span] = collected.ended;
        assert.deepEqual(span.events.map((e) => e.name), ["http.response.cancelled"]);
      }));

    it("records a listener's throw and rethrows it unchanged", () =>
      withTracing(({ tracer, collected }) => {
        const boom = new RangeError("boom");
        const listener = traceRequestListener((_req: object, _res: object) => {
          throw boom;
        }, { tracer });
        const req = { method: "POST", url: "/x", headers: { host: "api.test" } };
        const res = { statusCode: 200, once: () => undefined };
        assert.throws(() => listener(req, res), (e) => e === boom);
        const [span] = collected.ended;
        assert.equal(span.attributes["error.type"], "RangeError");
        assert.equal(span.attributes["url.path"], "/x");
        assert.equal(span.attributes["server.address"], "api.test");
        assert.equal(span.status.code, "ERROR");
      }));

    it("passes this and both arguments; follows a sampled-out caller without recording", () =>
      withTracing(({ tracer, collected }) => {
        const calls: unknown[][] = [];
        const self = { server: true };
        const listener = traceRequestListener(function (this: unknown, req: object, res: object) {
          calls.push([this, req, res]);
        }, { tracer });
        const req = { url: "/", headers: { traceparent: traceparent("00") } };
        const res = { statusCode: 200, once: () => undefined };
        listener.call(self, req, res);
        assert.deepEqual(calls, [[self, req, res]]);
        assert.equal(collected.ended.length, 0, "nothing recorded for a sampled-out caller");
      }));

    it("throws INVALID_CONFIG for a listener or options of the wrong type", () => {
      for (
        const [listener, options] of [
          [undefined, {}],
          [() => {}, { recordQuery: "yes" }],
        ] as const
      ) {
        assert.throws(
          () => traceRequestListener(listener as never, options as never),
          (e) => e instanceof TracerError && e.code === "INVALID_CONFIG",
        );
      }
    });

    it("reads node:http2's compatibility requests: :authority, and a stream the client reset", {
      skip: !isNode && "node:http2 servers differ on Deno and Bun",
    }, () =>
      withTracing(async ({ tracer, collected }) => {
        const server = http2.createServer(traceRequestListener((req, res) => {
          if (req.url === "/partial") res.write("partial"); // never ended
          else res.end("ok");
        }, { tracer }));
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const port = (server.address() as AddressInfo).port;
        const client = http2.connect(`http://127.0.0.1:${port}`);
        try {
          await new Promise<void>((resolve) => {
            const authority = `api.example.test:${port}`;
            const stream = client.request({ ":path": "/ok", ":authority": authority });
            stream.resume().once("end", () => resolve());
            stream.end();
          });
          await new Promise<void>((resolve) => {
            const stream = client.request({ ":path": "/partial" });
            stream.once("data", () => {
              stream.close(http2.constants.NGHTTP2_CANCEL);
              resolve();
            });
            stream.end();
          });
          await until(() => collected.ended.length === 2);
        } finally {
          client.close();
          await new Promise((resolve) => server.close(resolve));
        }
        const [ok, partial] = ["/ok", "/partial"].map((path) =>
          collected.ended.find((s) => s.attributes["url.path"] === path)!
        );
        assert.equal(ok.attributes["server.address"], "api.example.test");
        assert.equal(ok.attributes["server.port"], port);
        assert.deepEqual(ok.events, []);
        assert.deepEqual(partial.events.map((e) => e.name), ["http.response.cancelled"]);
      }));
  },
);
