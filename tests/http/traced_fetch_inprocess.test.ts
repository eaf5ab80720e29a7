// tracedFetch() with an in-process fetch (the `fetch` option), so these run on every runtime,
// workerd included: what it records for URLs and methods fetch cannot send to a real server,
// which fetch it calls, bad options, callbacks that throw, underlying fetches that throw
// synchronously or answer with something else, and a traced client calling a traced handler.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TracerError } from "../../src/errors.ts";
import { traceFetchHandler } from "../../src/http/trace_fetch_handler.ts";
import { type FetchFunction, tracedFetch } from "../../src/http/traced_fetch.ts";
import type { Diagnostic } from "../../src/diagnostics.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { TRACEPARENT, withTracing } from "./_helpers.ts";

/** A fetch that records what it is called with and answers 200 `ok`. */
function recording(): { fetch: FetchFunction; calls: { input: unknown; init: unknown }[] } {
  const calls: { input: unknown; init: unknown }[] = [];
  return {
    calls,
    fetch: (input, init) => {
      calls.push({ input, init });
      return Promise.resolve(new Response("ok"));
    },
  };
}

const sentTraceparent = (init: unknown): string | null =>
  new Headers((init as RequestInit | undefined)?.headers).get("traceparent");

const isInvalidConfig = (error: unknown): boolean =>
  error instanceof TracerError && error.code === "INVALID_CONFIG";

describe("tracedFetch(): what it records", () => {
  it("redacts credentials in url.full, drops the fragment, and names unknown methods HTTP", () =>
    withTracing(async ({ tracer, collected }) => {
      const { fetch, calls } = recording();
      const traced = tracedFetch({ tracer, fetch });
      await (await traced("https://user:pass@example.com/a?x=1#frag", { method: "PROPFIND" }))
        .text();
      await (await traced("https://[::1]/b", { method: "patch" })).text();
      await (await traced("http://example.com:8080/c")).text();
      const [other, patch, plain] = collected.ended;
      assert.equal(other.name, "HTTP");
      assert.equal(other.attributes["http.request.method"], "_OTHER");
      assert.equal(other.attributes["http.request.method_original"], "PROPFIND");
      assert.equal(other.attributes["url.full"], "https://REDACTED:REDACTED@example.com/a");
      assert.equal(other.attributes["server.port"], 443);
      assert.equal(patch.name, "PATCH");
      assert.equal(patch.attributes["http.request.method_original"], "patch");
      assert.equal(patch.attributes["server.address"], "::1");
      assert.equal(plain.attributes["server.port"], 8080);
      assert.equal(plain.attributes["http.request.method_original"], undefined);
      assert.equal(calls[0].input, "https://user:pass@example.com/a?x=1#frag", "input as given");
    }));

  it("traces a URL fetch cannot parse without url attributes or traceparent, and rethrows", () =>
    withTracing(async ({ tracer, collected }) => {
      const failure = new TypeError("Invalid URL");
      let init: unknown = "unset";
      const traced = tracedFetch({
        tracer,
        fetch: (_input, given) => {
          init = given;
          return Promise.reject(failure);
        },
      });
      await assert.rejects(traced("not a url"), (error) => error === failure);
      assert.equal(init, undefined, "called with the caller's own arguments");
      const [span] = collected.ended;
      assert.equal(span.attributes["url.full"], undefined);
      assert.equal(span.attributes["error.type"], "TypeError");
      assert.equal(span.status.code, "ERROR");
    }));
});

describe("tracedFetch(): which fetch it calls, and how", () => {
  it("calls globalThis.fetch as it is at each call, never itself", () =>
    withTracing(async ({ tracer }) => {
      const original = globalThis.fetch;
      const first = recording();
      const second = recording();
      try {
        globalThis.fetch = first.fetch as typeof fetch;
        const traced = tracedFetch({ tracer });
        await traced("https://example.com/1");
        globalThis.fetch = second.fetch as typeof fetch;
        await traced("https://example.com/2");
        globalThis.fetch = traced as typeof fetch; // itself: it sends with the fetch it was made with
        await traced("https://example.com/3");
      } finally {
        globalThis.fetch = original;
      }
      assert.deepEqual(first.calls.map((c) => c.input), [
        "https://example.com/1",
        "https://example.com/3",
      ]);
      assert.deepEqual(second.calls.map((c) => c.input), ["https://example.com/2"]);
    }));

  it("calls the fetch option as a plain function (workerd's fetch refuses another this)", () =>
    withTracing(async ({ tracer }) => {
      const seen: unknown[] = [];
      const options = {
        tracer,
        fetch(this: unknown) {
          seen.push(this);
          return Promise.resolve(new Response(null, { status: 204 }));
        },
      };
      await tracedFetch(options)("https://example.com/");
      assert.deepEqual(seen, [undefined]);
    }));

  it("copies init with its own fields, and leaves an init that is not an object to fetch", () =>
    withTracing(async ({ tracer }) => {
      const { fetch, calls } = recording();
      const traced = tracedFetch({ tracer, fetch });
      const signal = new AbortController().signal;
      const init = { method: "POST", body: "x", signal, custom: 7 } as RequestInit;
      await traced("https://example.com/", init);
      await traced("https://example.com/", 5 as never);
      const sent = calls[0].init as Record<string, unknown>;
      assert.notEqual(sent, init);
      assert.equal(sent.signal, signal);
      assert.equal(sent.custom, 7);
      assert.equal(sent.body, "x");
      assert.match(sentTraceparent(sent)!, TRACEPARENT);
      assert.deepEqual(Object.keys(init), ["method", "body", "signal", "custom"]);
      assert.equal(calls[1].init, 5, "fetch gets it as given (and throws as it would)");
    }));

  it("rethrows a synchronous throw of the underlying fetch synchronously, recorded", () =>
    withTracing(({ tracer, collected }) => {
      const failure = new RangeError("sync");
      const traced = tracedFetch({
        tracer,
        fetch: () => {
          throw failure;
        },
      });
      assert.throws(() => traced("https://example.com/"), (error) => error === failure);
      assert.equal(collected.ended[0].attributes["error.type"], "RangeError");
    }));

  it("hands on what an underlying fetch answers that is not a Response, and ends the span", () =>
    withTracing(async ({ tracer, collected }) => {
      const answer = { status: 418, note: "not a Response" };
      const traced = tracedFetch({ tracer, fetch: () => Promise.resolve(answer as never) });
      assert.equal(await traced("https://example.com/"), answer);
      assert.equal(collected.ended[0].attributes["http.response.status_code"], 418);
      assert.equal(collected.ended[0].attributes["error.type"], "418");
    }));
});

describe("tracedFetch(): bad options and callbacks", () => {
  it("throws INVALID_CONFIG for options of the wrong type, when it is called", () => {
    const cases: unknown[] = [
      null,
      "options",
      { fetch: "fetch" },
      { tracer: {} },
      { parent: "span" },
      { propagate: "yes" },
      { recordQuery: 1 },
      { endAt: "never" },
      { spanName: "GET" },
    ];
    for (const options of cases) {
      assert.throws(() => tracedFetch(options as never), isInvalidConfig, JSON.stringify(options));
    }
  });

  it("sends the request when spanName or propagate throws, and says so once", () =>
    withTracing(async ({ tracer, collected }) => {
      const { fetch, calls } = recording();
      const traced = tracedFetch({
        tracer,
        fetch,
        spanName: () => {
          throw new Error("name");
        },
        propagate: () => {
          throw new Error("propagate");
        },
      });
      const { diagnostics } = await captureDiagnostics(async () => {
        for (let i = 0; i < 3; i++) await (await traced("https://example.com/")).text();
      });
      assert.equal(calls.length, 3);
      assert.equal(sentTraceparent(calls[0].init), null, "not propagated when unsure");
      assert.deepEqual(collected.ended.map((s) => s.name), ["GET", "GET", "GET"]);
      const codes = diagnostics.map((d: Diagnostic) => d.code);
      assert.ok(codes.length <= 2 && codes.every((c) => c === "http_callback_failed"), `${codes}`);
    }));
});

describe("tracedFetch() calling a traceFetchHandler() handler in-process", () => {
  it("links the server span to the client span through traceparent", () =>
    withTracing(async ({ tracer, collected }) => {
      const handler = traceFetchHandler(async (request: Request) => {
        const active = tracer.activeSpan();
        await Promise.resolve();
        return new Response(`${active?.name} ${await request.text()}`, { status: 201 });
      }, { tracer });
      const fetch = tracedFetch({
        tracer,
        fetch: (input, init) => handler(new Request(input, init)),
      });
      const response = await fetch("https://api.example.com/items", {
        method: "POST",
        body: "item",
      });
      assert.equal(await response.text(), "POST item");
      const client = collected.ended.find((s) => s.kind === "CLIENT")!;
      const server = collected.ended.find((s) => s.kind === "SERVER")!;
      assert.equal(client.name, "POST");
      assert.equal(server.name, "POST");
      assert.equal(server.parentSpanId, client.spanId);
      assert.equal(server.traceId, client.traceId);
      assert.equal(server.attributes["http.response.status_code"], 201);
      assert.equal(server.attributes["url.path"], "/items");
      assert.ok(server.endTime <= client.endTime, "the server span ends first");
    }));
});
