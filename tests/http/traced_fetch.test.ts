// tracedFetch() against a real loopback HTTP server: the CLIENT span's attributes, traceparent
// propagation (kept when the caller set one of another trace, replaced when it is of the span's own
// trace, predicate, sampled-out parent), the span ending with
// the body (streamed, cancelled, failed, never read but aborted), errors rethrown as they are, and
// responses that read exactly as fetch's own. Deno, Node and Bun (workerd has no node:http server:
// tests/http/traced_fetch_workerd.test.ts runs a Worker in workerd against this server instead).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tracedFetch } from "../../src/http/traced_fetch.ts";
import { extractTraceContext } from "../../src/task/trace_context.ts";
import type { SpanRecord } from "../../mod.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { TRACEPARENT, until, withTracing } from "./_helpers.ts";
import { BIG, withUpstream } from "./_upstream.ts";

const skip = isWorkerd && "needs a node:http server";

/** The only span named `name`. */
function only(spans: readonly SpanRecord[], name: string): SpanRecord {
  const found = spans.filter((s) => s.name === name);
  assert.equal(found.length, 1, `one span named ${name}: ${spans.map((s) => s.name)}`);
  return found[0];
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("tracedFetch(): spans and propagation", { skip }, () => {
  it("records the client attributes and sends the span's traceparent", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer, collected }) => {
        const fetch = tracedFetch({ tracer });
        const outer = await tracer.withSpan("outer", async (span) => {
          const response = await fetch(upstream.url("/echo?token=secret#top"));
          assert.equal(response.status, 200);
          assert.equal((await response.json()).method, "GET");
          return span;
        });
        const span = only(collected.ended, "GET");
        assert.equal(span.kind, "CLIENT");
        assert.equal(span.parentSpanId, outer.spanId);
        assert.equal(span.traceId, outer.traceId);
        assert.deepEqual(span.attributes, {
          "http.request.method": "GET",
          "url.full": upstream.url("/echo"),
          "server.address": "127.0.0.1",
          "server.port": upstream.port,
          "http.response.status_code": 200,
        });
        assert.equal(span.status.code, "UNSET");
        const sent = upstream.requests[0].headers;
        assert.equal(sent.traceparent, `00-${span.traceId}-${span.spanId}-03`);
        assert.equal(sent.tracestate, undefined);
      })
    ));

  it("keeps the query (signatures redacted) with recordQuery, and uses spanName", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer, collected }) => {
        const fetch = tracedFetch({
          tracer,
          recordQuery: true,
          spanName: ({ method, url }) => `${method} ${url.pathname}`,
        });
        await (await fetch(new URL(upstream.url("/echo?q=1&sig=abc")), { method: "post" }))
          .text();
        const span = only(collected.ended, "POST /echo");
        assert.equal(span.attributes["url.full"], upstream.url("/echo?q=1&sig=REDACTED"));
        assert.equal(span.attributes["http.request.method"], "POST");
        assert.equal(upstream.requests[0].path, "/echo?q=1&sig=abc", "the request is unchanged");
      })
    ));

  it("keeps a traceparent the caller set, and never changes the caller's headers", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer, collected }) => {
        const fetch = tracedFetch({ tracer });
        const own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        const headers = new Headers({ traceparent: own, "x-caller": "1" });
        await (await fetch(upstream.url("/echo"), { headers })).text();
        const plain = new Headers({ "x-caller": "2" });
        const init = { headers: plain };
        await (await fetch(upstream.url("/echo"), init)).text();
        assert.equal(upstream.requests[0].headers.traceparent, own);
        assert.equal(upstream.requests[0].headers["x-caller"], "1");
        assert.match(String(upstream.requests[1].headers.traceparent), TRACEPARENT);
        assert.equal(upstream.requests[1].headers["x-caller"], "2");
        assert.deepEqual([...plain.keys()], ["x-caller"], "the caller's Headers are untouched");
        assert.equal(init.headers, plain);
        assert.equal(collected.ended.length, 2, "a span is made either way");
      })
    ));

  it("replaces a traceparent of its own trace: a gateway forwarding the incoming headers", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer, collected }) => {
        const fetch = tracedFetch({ tracer });
        // The request the gateway received: a caller's traceparent and tracestate.
        const incoming = new Headers({
          traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
          tracestate: "caller=1",
          "x-forwarded-for": "10.0.0.1",
        });
        const caller = extractTraceContext({
          traceparent: incoming.get("traceparent")!,
          tracestate: incoming.get("tracestate")!,
        }).context!;
        await tracer.withSpan("gateway", { kind: "SERVER", parent: caller }, async () => {
          await (await fetch(upstream.url("/echo"), { headers: incoming })).text();
        });
        const client = only(collected.ended, "GET");
        const sent = upstream.requests[0].headers;
        assert.equal(
          sent.traceparent,
          `00-0af7651916cd43dd8448eb211c80319c-${client.spanId}-01`,
          "the downstream service's parent is the gateway's CLIENT span, not the caller's",
        );
        assert.equal(sent.tracestate, "caller=1");
        assert.equal(sent["x-forwarded-for"], "10.0.0.1", "the other headers are forwarded");
        assert.equal(
          incoming.get("traceparent"),
          "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
          "the caller's Headers are untouched",
        );
      })
    ));

  it("propagates only where propagate allows", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer }) => {
        const seen: string[] = [];
        const some = tracedFetch({
          tracer,
          propagate: (url) => {
            seen.push(url.pathname);
            return url.pathname === "/echo/yes";
          },
        });
        const none = tracedFetch({ tracer, propagate: false });
        await (await some(upstream.url("/echo/yes"))).text();
        await (await some(upstream.url("/echo/no"))).text();
        await (await none(upstream.url("/echo/never"))).text();
        const sent = upstream.requests.map((r) => r.headers.traceparent !== undefined);
        assert.deepEqual(sent, [true, false, false]);
        assert.deepEqual(seen, ["/echo/yes", "/echo/no"]);
      })
    ));

  it("passes the parent's tracestate, and an explicit parent", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer, collected }) => {
        const parent = {
          traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
          spanId: "00f067aa0ba902b7",
          traceFlags: 1,
          traceState: "vendor=abc",
          isRemote: true,
        };
        await (await tracedFetch({ tracer, parent })(upstream.url("/echo"))).text();
        const span = only(collected.ended, "GET");
        assert.equal(span.parentSpanId, parent.spanId);
        const sent = upstream.requests[0].headers;
        assert.equal(sent.traceparent, `00-${parent.traceId}-${span.spanId}-01`);
        assert.equal(sent.tracestate, "vendor=abc");
      })
    ));

  it("follows a sampled-out parent: flags 00 sent, nothing recorded, response untouched", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer, collected }) => {
        const parent = {
          traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
          spanId: "00f067aa0ba902b7",
          traceFlags: 0,
        };
        const fetch = tracedFetch({ tracer, parent });
        const response = await fetch(upstream.url("/stream"));
        upstream.release();
        assert.equal(await response.text(), "firstsecond");
        const [, traceId, , flags] = TRACEPARENT.exec(
          String(upstream.requests[0].headers.traceparent),
        )!;
        assert.equal(traceId, parent.traceId);
        assert.equal(flags, "00");
        assert.deepEqual(collected.ended, []);
      })
    ));

  it("sends a Request's body and headers, with traceparent, leaving the Request's own headers", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer, collected }) => {
        const fetch = tracedFetch({ tracer });
        const request = new Request(upstream.url("/echo"), {
          method: "PUT",
          body: "payload",
          headers: { "x-request": "kept" },
        });
        const echoed = await (await fetch(request)).json();
        assert.equal(echoed.method, "PUT");
        assert.equal(echoed.body, "payload");
        assert.equal(echoed.headers["x-request"], "kept");
        assert.match(echoed.headers.traceparent, TRACEPARENT);
        assert.equal(request.headers.has("traceparent"), false);
        // init.headers replace the Request's, as fetch does.
        const second = new Request(upstream.url("/echo"), { headers: { "x-request": "old" } });
        const replaced = await (await fetch(second, { headers: { "x-init": "new" } })).json();
        assert.equal(replaced.headers["x-request"], undefined);
        assert.equal(replaced.headers["x-init"], "new");
        assert.match(replaced.headers.traceparent, TRACEPARENT);
        assert.deepEqual(collected.ended.map((s) => s.name), ["PUT", "GET"]);
      })
    ));

  it("sends once, with one span, when globalThis.fetch = tracedFetch() runs twice", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer, collected }) => {
        const original = globalThis.fetch;
        try {
          globalThis.fetch = tracedFetch({ tracer }) as typeof fetch;
          globalThis.fetch = tracedFetch({ tracer }) as typeof fetch;
          assert.equal((await (await fetch(upstream.url("/echo"))).json()).method, "GET");
        } finally {
          globalThis.fetch = original;
        }
        const span = only(collected.ended, "GET");
        assert.equal(upstream.requests.length, 1);
        assert.equal(
          upstream.requests[0].headers.traceparent,
          `00-${span.traceId}-${span.spanId}-03`,
        );
      })
    ));

  it("sends what fetch sends for an init that is a class instance, and a Request's referrer", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer }) => {
        class Init {
          get method() {
            return "POST";
          }
          get body() {
            return "payload";
          }
          get headers() {
            return { "x-init": "getter" };
          }
        }
        const request = () =>
          new Request(upstream.url("/echo"), {
            referrer: upstream.url("/page"),
            referrerPolicy: "unsafe-url",
          });
        for (const send of [globalThis.fetch, tracedFetch({ tracer })]) {
          await (await send(upstream.url("/echo"), new Init() as RequestInit)).text();
          await (await send(request())).text();
        }
        const [plainInit, plainRequest, tracedInit, tracedRequest] = upstream.requests;
        for (const seen of [plainInit, tracedInit]) {
          assert.deepEqual([seen.method, seen.body, seen.headers["x-init"]], [
            "POST",
            "payload",
            "getter",
          ]);
        }
        // Node sends the Referer; Deno and Bun send none, traced or not.
        assert.equal(tracedRequest.headers.referer, plainRequest.headers.referer);
      })
    ));
});

describe("tracedFetch(): when the span ends", { skip }, () => {
  it("ends the span after the last chunk of a streamed body has been read", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer, collected }) => {
        const response = await tracedFetch({ tracer })(upstream.url("/stream"));
        const reader = response.body!.getReader();
        const decoder = new TextDecoder();
        let text = decoder.decode((await reader.read()).value);
        assert.deepEqual(collected.ended, [], "open while the body streams");
        upstream.release();
        while (!text.endsWith("second")) {
          const { done, value } = await reader.read();
          assert.equal(done, false);
          text += decoder.decode(value);
        }
        assert.deepEqual(collected.ended, [], "open until the reader is told the body ended");
        assert.equal((await reader.read()).done, true);
        const span = only(collected.ended, "GET");
        assert.equal(span.status.code, "UNSET");
        assert.deepEqual(span.events, []);
      })
    ));

  it("ends the span when the body is cancelled, with an http.response.cancelled event", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer, collected }) => {
        const response = await tracedFetch({ tracer })(upstream.url("/stream"));
        const reader = response.body!.getReader();
        await reader.read();
        await reader.cancel();
        const span = only(collected.ended, "GET");
        assert.deepEqual(span.events.map((e) => e.name), ["http.response.cancelled"]);
        assert.equal(span.status.code, "UNSET");
      })
    ));

  it("ends the span in error when the body fails mid-way; the reader gets the error", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer, collected }) => {
        const response = await tracedFetch({ tracer })(upstream.url("/reset"));
        assert.equal(response.status, 200);
        const error = await response.text().then(() => undefined, (e: unknown) => e);
        assert.ok(error !== undefined, "the body failed");
        const span = only(collected.ended, "GET");
        assert.equal(span.status.code, "ERROR");
        assert.equal(span.attributes["http.response.status_code"], 200);
        assert.equal(typeof span.attributes["error.type"], "string");
        assert.deepEqual(span.events.map((e) => e.name), ["exception"]);
      })
    ));

  it("ends the span of an aborted request whose body was never read", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer, collected }) => {
        const controller = new AbortController();
        const response = await tracedFetch({ tracer })(upstream.url("/stream"), {
          signal: controller.signal,
        });
        assert.equal(response.status, 200);
        controller.abort();
        await until(() => collected.ended.length === 1);
        const span = only(collected.ended, "GET");
        assert.equal(span.status.code, "ERROR");
        assert.equal(span.attributes["error.type"], "AbortError");
      })
    ));

  it("ends at the response for HEAD, 204 and 304, and with endAt: headers", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer, collected }) => {
        const fetch = tracedFetch({ tracer });
        const head = await fetch(upstream.url("/echo"), { method: "HEAD" });
        const empty = await fetch(upstream.url("/status/204"));
        const notModified = await fetch(upstream.url("/status/304"));
        assert.deepEqual(
          collected.ended.map((s) => s.attributes["http.response.status_code"]),
          [200, 204, 304],
        );
        assert.equal(await head.text(), "");
        assert.equal(await empty.text(), "");
        assert.equal(notModified.status, 304);
        const early = await tracedFetch({ tracer, endAt: "headers" })(upstream.url("/stream"));
        assert.equal(collected.ended.length, 4, "ended at the headers");
        upstream.release();
        assert.equal(await early.text(), "firstsecond");
      })
    ));

  it("ends at the headers for a manual redirect, a 4xx and an empty body", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer, collected }) => {
        const fetch = tracedFetch({ tracer });
        const paths = ["/redirect", "/status/404", "/empty"];
        const responses = [];
        for (const path of paths) {
          responses.push(await fetch(upstream.url(path), { redirect: "manual" }));
        }
        assert.deepEqual(
          collected.ended.map((s) => s.attributes["http.response.status_code"]),
          [302, 404, 200],
          "ended without their bodies being read",
        );
        assert.equal(await responses[1].text(), "status 404");
        assert.equal(await responses[2].text(), "");
      })
    ));

  it("ends the span when formData() rejects a response that is no form, as fetch's does", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer, collected }) => {
        const plain = await globalThis.fetch(upstream.url("/echo"));
        const expected = await plain.formData().then(() => "read", (e: Error) => e.name);
        const response = await tracedFetch({ tracer })(upstream.url("/echo"));
        const got = await response.formData().then(() => "read", (e: Error) => e.name);
        assert.equal(got, expected);
        await until(() => collected.ended.length === 1);
      })
    ));
});

describe("tracedFetch(): errors", { skip }, () => {
  it("marks a status of 400 or more as an error, and leaves the body readable", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer, collected }) => {
        const fetch = tracedFetch({ tracer });
        for (const status of [404, 503]) {
          const response = await fetch(upstream.url(`/status/${status}`));
          assert.equal(response.status, status);
          assert.equal(await response.text(), `status ${status}`);
        }
        const [missing, unavailable] = collected.ended;
        assert.equal(missing.status.code, "ERROR");
        assert.equal(missing.attributes["error.type"], "404");
        assert.equal(unavailable.attributes["error.type"], "503");
        assert.deepEqual(missing.events, [], "no exception: the request itself worked");
      })
    ));

  it("rethrows a network error as it is, with error.type", () =>
    withTracing(async ({ tracer, collected }) => {
      const url = `http://127.0.0.1:${await closedPort()}/`;
      let thrown: unknown;
      const fetch = tracedFetch({
        tracer,
        fetch: (input, init) =>
          globalThis.fetch(input, init).catch((error: unknown) => {
            thrown = error;
            throw error;
          }),
      });
      const caught = await fetch(url).then(() => undefined, (e: unknown) => e);
      assert.ok(thrown !== undefined);
      assert.equal(caught, thrown, "the same error object");
      const span = only(collected.ended, "GET");
      assert.equal(span.status.code, "ERROR");
      assert.equal(span.attributes["error.type"], (thrown as Error).name);
      assert.equal(span.attributes["http.response.status_code"], undefined);
      assert.equal(span.attributes["server.port"], Number(new URL(url).port));
    }));

  it("rethrows an abort as it is, error.type AbortError", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer, collected }) => {
        const signal = AbortSignal.abort();
        const expected = await globalThis.fetch(upstream.url("/echo"), { signal })
          .then(() => undefined, (e: unknown) => e);
        const caught = await tracedFetch({ tracer })(upstream.url("/echo"), { signal })
          .then(() => undefined, (e: unknown) => e);
        assert.equal(caught, expected, "the signal's reason, as fetch rejects with it");
        assert.equal(only(collected.ended, "GET").attributes["error.type"], "AbortError");
      })
    ));
});

describe("tracedFetch(): the response reads as fetch's own", { skip }, () => {
  it("keeps url, redirected, type and headers after a redirect, also on clones", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer, collected }) => {
        const plain = await globalThis.fetch(upstream.url("/redirect"));
        await plain.text();
        const response = await tracedFetch({ tracer })(upstream.url("/redirect"));
        assert.equal(response.url, upstream.url("/echo"));
        assert.equal(response.redirected, true);
        assert.equal(response.type, plain.type);
        assert.ok(response instanceof Response);
        const mutable = (r: Response) => {
          try {
            r.headers.set("x-test", "1");
            return true;
          } catch {
            return false;
          }
        };
        assert.equal(mutable(response), mutable(plain), "headers as (im)mutable as fetch's");
        assert.equal(response.headers.get("content-type"), "application/json");
        const copy = response.clone();
        assert.equal(copy.url, response.url);
        assert.equal(copy.redirected, true);
        assert.equal((await copy.json()).path, "/echo");
        assert.equal((await response.json()).path, "/echo");
        assert.equal(
          only(collected.ended, "GET").attributes["url.full"],
          upstream.url("/redirect"),
        );
      })
    ));

  it("gives a BYOB reader where fetch's body is a byte stream, with every byte", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer, collected }) => {
        const plain = await globalThis.fetch(upstream.url("/big"));
        let byob = true;
        try {
          plain.body!.getReader({ mode: "byob" }).releaseLock();
        } catch {
          byob = false; // Bun: fetch bodies are not byte streams
        }
        await plain.body!.cancel();
        const response = await tracedFetch({ tracer })(upstream.url("/big"));
        const received = new Uint8Array(BIG.length);
        let offset = 0;
        if (byob) {
          const reader = response.body!.getReader({ mode: "byob" });
          for (;;) {
            const { done, value } = await reader.read(new Uint8Array(7_000));
            if (done) break;
            received.set(value, offset);
            offset += value.byteLength;
          }
        } else {
          for (const byte of new Uint8Array(await response.arrayBuffer())) {
            received[offset++] = byte;
          }
        }
        assert.equal(offset, BIG.length);
        assert.deepEqual(received, BIG);
        assert.equal(only(collected.ended, "GET").attributes["http.response.status_code"], 200);
      })
    ));

  it("gives blob() the type fetch's response gives, also on a clone", () =>
    withUpstream((upstream) =>
      withTracing(async ({ tracer }) => {
        const expected = (await (await globalThis.fetch(upstream.url("/echo"))).blob()).type;
        const response = await tracedFetch({ tracer })(upstream.url("/echo"));
        const copy = response.clone();
        assert.equal((await response.blob()).type, expected);
        assert.equal((await copy.blob()).type, expected);
        assert.match(expected, /^application\/json/);
      })
    ));
});
