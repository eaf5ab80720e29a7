// traceFetchHandler(): the SERVER span of a fetch-style handler, on a real server (Deno.serve on
// Deno, Bun.serve on Bun, a node:http adapter on Node; not in workerd) and called directly (every
// runtime): HTTP attributes, traceparent continued or not, the span active in the handler, ended
// when the body has finished streaming, handler errors recorded and rethrown unchanged, 5xx as
// errors, a sampled-out caller, and bad options.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TracerError } from "../../src/errors.ts";
import { traceFetchHandler } from "../../src/http/trace_fetch_handler.ts";
import type { Span } from "../../mod.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { isBun, isDeno, isNode, isWorkerd } from "../_support/runtime.ts";
import { until, withTracing } from "./_helpers.ts";
import { serve, type Served } from "./_serve.ts";

const CALLER = {
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  spanId: "00f067aa0ba902b7",
};
const traceparent = (flags: string) => `00-${CALLER.traceId}-${CALLER.spanId}-${flags}`;

/** Runs `fn` with a server for `handler`, stopping it afterwards. */
async function withServer(
  handler: Parameters<typeof serve>[0],
  fn: (served: Served) => Promise<void>,
): Promise<void> {
  const served = await serve(handler);
  try {
    await fn(served);
  } finally {
    await served.close();
  }
}

describe(
  "traceFetchHandler() on a real server",
  { skip: isWorkerd && "no server in workerd" },
  () => {
    it("makes one SERVER span per request, continuing the caller's trace, active in the handler", () =>
      withTracing(async ({ tracer, collected }) => {
        const active: (Span | undefined)[] = [];
        const handler = traceFetchHandler(async (request: Request) => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          active.push(tracer.activeSpan());
          return new Response(`hello ${new URL(request.url).pathname}`);
        }, { tracer });
        let port = 0;
        await withServer(handler, async ({ origin }) => {
          port = Number(new URL(origin).port);
          const response = await fetch(`${origin}/items/7?token=secret`, {
            headers: { traceparent: traceparent("01"), "user-agent": "probe/1.0" },
          });
          assert.equal(await response.text(), "hello /items/7");
          await until(() => collected.ended.length === 1);
        });
        const [span] = collected.ended;
        assert.equal(span.name, "GET");
        assert.equal(span.kind, "SERVER");
        assert.equal(span.traceId, CALLER.traceId);
        assert.equal(span.parentSpanId, CALLER.spanId);
        assert.equal(active[0]?.spanId, span.spanId, "active across await in the handler");
        assert.equal(span.attributes["http.request.method"], "GET");
        assert.equal(span.attributes["url.scheme"], "http");
        assert.equal(span.attributes["url.path"], "/items/7");
        assert.equal(span.attributes["url.query"], undefined);
        assert.equal(span.attributes["server.address"], "127.0.0.1");
        assert.equal(span.attributes["server.port"], port);
        assert.equal(span.attributes["user_agent.original"], "probe/1.0");
        assert.equal(span.attributes["http.response.status_code"], 200);
        assert.equal(span.attributes["http.response.body.size"], 14);
        assert.match(String(span.attributes["client.address"]), /127\.0\.0\.1/);
        assert.equal(span.status.code, "UNSET");
      }));

    it("ends the span when the response body has finished streaming", () =>
      withTracing(async ({ tracer, collected }) => {
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const encoder = new TextEncoder();
        const handler = traceFetchHandler(() =>
          new Response(
            new ReadableStream<Uint8Array>({
              async start(controller) {
                controller.enqueue(encoder.encode("first"));
                await gate;
                controller.enqueue(encoder.encode("second"));
                controller.close();
              },
            }),
          ), { tracer });
        await withServer(handler, async ({ origin }) => {
          const response = await fetch(`${origin}/stream`);
          const reader = response.body!.getReader();
          assert.equal(new TextDecoder().decode((await reader.read()).value), "first");
          await new Promise((resolve) => setTimeout(resolve, 50));
          assert.deepEqual(collected.ended, [], "open while the body streams");
          release();
          while (!(await reader.read()).done);
          await until(() => collected.ended.length === 1);
        });
        assert.equal(collected.ended[0].attributes["http.response.body.size"], 11);
      }));

    it("records a handler's throw and rethrows it (the server answers 500); 5xx are errors", () =>
      withTracing(async ({ tracer, collected }) => {
        const handler = traceFetchHandler((request: Request) => {
          if (new URL(request.url).pathname === "/throw") throw new RangeError("boom");
          return new Response("down", { status: 503 });
        }, { tracer });
        await withServer(handler, async ({ origin }) => {
          const thrown = await fetch(`${origin}/throw`);
          await thrown.text();
          assert.equal(thrown.status, 500);
          const unavailable = await fetch(`${origin}/down`);
          assert.equal(await unavailable.text(), "down");
          await until(() => collected.ended.length === 2);
        });
        const failed = collected.ended.find((s) => s.attributes["url.path"] === "/throw")!;
        assert.equal(failed.status.code, "ERROR");
        assert.equal(failed.attributes["error.type"], "RangeError");
        assert.deepEqual(failed.events.map((e) => e.name), ["exception"]);
        const down = collected.ended.find((s) => s.attributes["url.path"] === "/down")!;
        assert.equal(down.status.code, "ERROR");
        assert.equal(down.attributes["error.type"], "503");
      }));

    it("keeps the length the runtime sends for HEAD, unsampled and Content-Length responses", () =>
      withTracing(async ({ tracer, collected }) => {
        const body = new Uint8Array(300_000);
        const app = (request: Request) =>
          new URL(request.url).pathname === "/declared"
            ? new Response("hello", { headers: { "content-length": "5" } })
            : new Response(body);
        const cases: [string, string, RequestInit][] = [
          ["HEAD", "/", { method: "HEAD" }],
          ["unsampled GET", "/", { headers: { traceparent: traceparent("00") } }],
          ["GET with Content-Length", "/declared", {}],
        ];
        const lengths = async (origin: string) => {
          const found = [];
          for (const [, path, init] of cases) {
            const response = await fetch(origin + path, init);
            await response.arrayBuffer();
            found.push(response.headers.get("content-length"));
          }
          return found;
        };
        let plain: (string | null)[] = [];
        await withServer(app, async ({ origin }) => void (plain = await lengths(origin)));
        let traced: (string | null)[] = [];
        await withServer(
          traceFetchHandler(app, { tracer }),
          async ({ origin }) => void (traced = await lengths(origin)),
        );
        assert.deepEqual(traced, plain, cases.map(([name]) => name).join(", "));
        await until(() => collected.ended.length === 2);
        assert.deepEqual(
          collected.ended.map((s) => [s.name, s.attributes["http.response.body.size"]]),
          [["HEAD", undefined], ["GET", 5]],
        );
      }));

    it(
      "records the 500 Deno and Bun answer for a body already read, also unwrapped",
      { skip: !isDeno && !isBun && "Node's servers here are adapters" },
      () =>
        withTracing(async ({ tracer, collected }) => {
          const handler = traceFetchHandler(async () => {
            const response = new Response("logged by a proxy");
            await response.text();
            return response;
          }, { tracer, waitForBody: false });
          let status = 0;
          await withServer(handler, async ({ origin }) => {
            const response = await fetch(origin);
            await response.arrayBuffer();
            status = response.status;
            await until(() => collected.ended.length === 1);
          });
          assert.equal(status, 500);
          const [span] = collected.ended;
          assert.equal(span.attributes["http.response.status_code"], 500);
          assert.equal(span.status.code, "ERROR");
        }),
    );
  },
);

describe("traceFetchHandler() called directly", () => {
  it("rethrows the handler's error unchanged, and passes this and every argument", () =>
    withTracing(async ({ tracer, collected }) => {
      const failure = new TypeError("handler failed");
      const seen: unknown[] = [];
      const target = {
        name: "server",
        fetch: traceFetchHandler(function (
          this: { name: string },
          request: Request,
          env: { key: string },
          ctx: number,
        ) {
          seen.push(this.name, env.key, ctx);
          if (request.method === "DELETE") throw failure;
          return new Response(null, { status: 204 });
        }, { tracer }),
      };
      const ok = await target.fetch(new Request("https://x.test/"), { key: "env" }, 3);
      assert.equal(ok.status, 204);
      await assert.rejects(
        target.fetch(new Request("https://x.test/", { method: "DELETE" }), { key: "env" }, 4),
        (error) => error === failure,
      );
      assert.deepEqual(seen, ["server", "env", 3, "server", "env", 4]);
      assert.deepEqual(collected.ended.map((s) => s.name), ["GET", "DELETE"]);
      assert.equal(collected.ended[1].attributes["error.type"], "TypeError");
    }));

  it("starts a new trace with trustTraceparent: false, and follows a sampled-out caller", () =>
    withTracing(async ({ tracer, collected }) => {
      const answer = () => new Response("ok");
      const untrusting = traceFetchHandler(answer, { tracer, trustTraceparent: false });
      const trusting = traceFetchHandler(answer, { tracer });
      const headers = (flags: string) => ({ headers: { traceparent: traceparent(flags) } });
      await (await untrusting(new Request("https://x.test/", headers("01")))).text();
      await (await trusting(new Request("https://x.test/", headers("00")))).text();
      assert.equal(collected.ended.length, 1, "the sampled-out request is not recorded");
      assert.notEqual(collected.ended[0].traceId, CALLER.traceId);
      assert.equal(collected.ended[0].parentSpanId, undefined);
    }));

  it("returns the response untouched with waitForBody: false; HEAD records no body size", () =>
    withTracing(async ({ tracer, collected }) => {
      const response = new Response("body");
      const early = traceFetchHandler(() => response, { tracer, waitForBody: false });
      assert.equal(await early(new Request("https://x.test/")), response);
      assert.equal(collected.ended.length, 1, "ended at the headers");
      const head = traceFetchHandler(() => new Response("body"), { tracer });
      await (await head(new Request("https://x.test/", { method: "HEAD" }))).text();
      assert.equal(collected.ended[1].attributes["http.response.body.size"], undefined);
    }));

  it("hands the handler's response on untouched for HEAD and for an unsampled request", () =>
    withTracing(async ({ tracer, collected }) => {
      const made: Response[] = [];
      const handler = traceFetchHandler(() => {
        made.push(new Response("body"));
        return made.at(-1)!;
      }, { tracer });
      const head = await handler(new Request("https://x.test/", { method: "HEAD" }));
      const unsampled = await handler(
        new Request("https://x.test/", { headers: { traceparent: traceparent("00") } }),
      );
      assert.equal(head, made[0]);
      assert.equal(unsampled, made[1]);
      assert.deepEqual(collected.ended.map((s) => s.name), ["HEAD"], "ended at the headers");
    }));

  it("never reads bodyUsed on Node of a response it hands on untouched (adapters' fast paths)", {
    skip: !isNode && "Deno, Bun and workerd answer 500 for a used body: it is checked there",
  }, () =>
    withTracing(async ({ tracer }) => {
      // @hono/node-server's light response builds the real one when `bodyUsed` is read, and then
      // sends it the slow way: twice the CPU of a small request.
      let reads = 0;
      class LightResponse extends Response {
        override get bodyUsed(): boolean {
          reads++;
          return super.bodyUsed;
        }
      }
      const early = traceFetchHandler(() => new LightResponse("x"), { tracer, waitForBody: false });
      const full = traceFetchHandler(() => new LightResponse("x"), { tracer });
      await (await early(new Request("https://x.test/"))).text();
      await (await full(new Request("https://x.test/", { method: "HEAD" }))).text();
      const unsampled = { headers: { traceparent: traceparent("00") } };
      await (await full(new Request("https://x.test/", unsampled))).text();
      assert.equal(reads, 0);
      await (await full(new Request("https://x.test/"))).text(); // wrapped: checked first
      assert.ok(reads > 0, "a body it wraps is still checked");
    }));

  it("takes a Response of another class (a polyfill, undici's) as a response, not a failure", () =>
    withTracing(async ({ tracer, collected }) => {
      /** A Response of its own class, as a polyfill or another realm gives it. */
      class ForeignResponse {
        readonly #inner: Response;
        constructor(body: string, init: ResponseInit) {
          this.#inner = new Response(body, init);
        }
        get status() {
          return this.#inner.status;
        }
        get headers() {
          return this.#inner.headers;
        }
        get body() {
          return this.#inner.body;
        }
        get bodyUsed() {
          return this.#inner.bodyUsed;
        }
      }
      const made: ForeignResponse[] = [];
      const handler = traceFetchHandler((request: Request) => {
        const status = new URL(request.url).pathname === "/fail" ? 503 : 200;
        made.push(new ForeignResponse("body", { status }));
        return made.at(-1) as unknown as Response;
      }, { tracer });
      assert.equal(await handler(new Request("https://x.test/ok")), made[0], "untouched");
      assert.equal(await handler(new Request("https://x.test/fail")), made[1]);
      const [ok, fail] = collected.ended;
      assert.equal(ok.status.code, "UNSET");
      assert.deepEqual(ok.events, [], "no exception recorded");
      assert.equal(ok.attributes["http.response.status_code"], 200);
      assert.equal(fail.status.code, "ERROR");
      assert.equal(fail.attributes["error.type"], "503");
      assert.deepEqual(fail.events, []);

      await traceFetchHandler(() => ({ status: 200 }) as unknown as Response, { tracer })(
        new Request("https://x.test/"),
      );
      assert.equal(collected.ended[2].attributes["error.type"], "TypeError", "not a response");
    }));

  it("records methods, IPv6 hosts and queries as the conventions say", () =>
    withTracing(async ({ tracer, collected }) => {
      const handler = traceFetchHandler(() => new Response(null), { tracer, recordQuery: true });
      const requests = [
        new Request("https://[2001:db8::1]:8443/a?q=1&Signature=s3cr3t&sig=x", { method: "patch" }),
        new Request("https://x.test/b", { method: "QUERY" }),
      ];
      for (const request of requests) await handler(request);
      const [patch, query] = collected.ended;
      assert.equal(patch.name, "PATCH");
      assert.equal(patch.attributes["http.request.method"], "PATCH");
      // Bun and workerd upper-case every method in the Request constructor.
      const original = requests[0].method === "patch" ? "patch" : undefined;
      assert.equal(patch.attributes["http.request.method_original"], original);
      assert.equal(patch.attributes["server.address"], "2001:db8::1");
      assert.equal(patch.attributes["server.port"], 8443);
      assert.equal(patch.attributes["url.query"], "q=1&Signature=REDACTED&sig=REDACTED");
      assert.equal(query.name, "QUERY");
      assert.equal(query.attributes["http.request.method_original"], undefined);
    }));

  it("ends the span in error when the body fails while nobody reads it", () =>
    withTracing(async ({ tracer, collected }) => {
      const failure = new Error("source failed");
      const handler = traceFetchHandler(() =>
        new Response(
          new ReadableStream({
            start(controller) {
              setTimeout(() => controller.error(failure), 10);
            },
          }),
        ), { tracer });
      const response = await handler(new Request("https://x.test/"));
      await until(() => collected.ended.length === 1);
      assert.equal(collected.ended[0].status.code, "ERROR");
      assert.equal(collected.ended[0].attributes["error.type"], "Error");
      await assert.rejects(response.text(), (error) => error === failure);
    }));

  it("runs the handler untraced, and says why, when it is not given a Request", () =>
    withTracing(async ({ tracer, collected }) => {
      const handler = traceFetchHandler(() => new Response("served"), { tracer });
      const { diagnostics } = await captureDiagnostics(async () => {
        const response = await handler({ url: "https://x.test/" } as never);
        assert.equal(await response.text(), "served");
      });
      assert.deepEqual(diagnostics.map((d) => d.code), ["http_trace_failed"]);
      assert.deepEqual(collected.ended, []);
    }));

  it("throws INVALID_CONFIG for a handler or options of the wrong type", () => {
    const handler = () => new Response("ok");
    const cases: [unknown, unknown][] = [
      ["handler", {}],
      [undefined, {}],
      [handler, null],
      [handler, { tracer: "tracer" }],
      [handler, { waitForBody: "no" }],
      [handler, { trustTraceparent: 1 }],
      [handler, { recordQuery: "yes" }],
    ];
    for (const [target, options] of cases) {
      assert.throws(
        () => traceFetchHandler(target as never, options as never),
        (error) => error instanceof TracerError && error.code === "INVALID_CONFIG",
        JSON.stringify(options),
      );
    }
  });
});
