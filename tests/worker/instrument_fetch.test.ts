// The Workers preset's instrument() for fetch: one SERVER root span per request with HTTP
// semantic-convention attributes, traceparent continuation, and the root span ending when the
// response body has been delivered (or cancelled, or the handler threw). Handlers are called
// directly with a recording execution context, so these run on every runtime.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isolated, RecordingContext, setup, traced } from "./_helpers.ts";

describe("instrument(): fetch", () => {
  it("creates one SERVER root span with HTTP semantic-convention attributes", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      const worker = traced({ fetch: () => new Response("hello", { status: 201 }) }, options);
      const ctx = new RecordingContext();
      const request = new Request("https://api.example.com:8443/items/7?token=secret", {
        method: "POST",
        headers: {
          "user-agent": "probe/1.0",
          "cf-connecting-ip": "203.0.113.9",
          "content-length": "0",
        },
      });
      const response = await worker.fetch(request, {}, ctx);
      assert.equal(await response.text(), "hello");
      await ctx.drain();
      assert.equal(exporter.spans.length, 1);
      const [root] = exporter.spans;
      assert.equal(root.name, "POST");
      assert.equal(root.kind, "SERVER");
      assert.equal(root.parentSpanId, undefined);
      assert.equal(root.attributes["http.request.method"], "POST");
      assert.equal(root.attributes["url.scheme"], "https");
      assert.equal(root.attributes["url.path"], "/items/7");
      assert.equal(root.attributes["server.address"], "api.example.com");
      assert.equal(root.attributes["server.port"], 8443);
      assert.equal(root.attributes["user_agent.original"], "probe/1.0");
      assert.equal(root.attributes["client.address"], "203.0.113.9");
      assert.equal(root.attributes["http.response.status_code"], 201);
      assert.equal(root.attributes["http.response.body.size"], 5);
      assert.equal(root.attributes["faas.trigger"], "http");
      assert.equal(typeof root.attributes["faas.coldstart"], "boolean");
      assert.equal(root.attributes["url.query"], undefined, "the query is not recorded by default");
      assert.equal(root.status.code, "UNSET");
    }));

  it("names the span HTTP for an unknown method, and keeps the original method", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      const worker = traced({ fetch: () => new Response("ok") }, options);
      const ctx = new RecordingContext();
      for (const method of ["PROPFIND", "patch"]) {
        await (await worker.fetch(new Request("https://x.test/", { method }), {}, ctx)).text();
      }
      await ctx.drain();
      const [other, patch] = exporter.spans;
      assert.equal(other.name, "HTTP");
      assert.equal(other.attributes["http.request.method"], "_OTHER");
      assert.equal(other.attributes["http.request.method_original"], "PROPFIND");
      assert.equal(patch.name, "PATCH");
    }));

  it("continues the caller's trace from traceparent and tracestate", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      const worker = traced({ fetch: () => new Response(null, { status: 204 }) }, options);
      const ctx = new RecordingContext();
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      await worker.fetch(
        new Request("https://x.test/", {
          headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, tracestate: "vendor=abc" },
        }),
        {},
        ctx,
      );
      await worker.fetch(
        new Request("https://x.test/", { headers: { traceparent: "00-zz-bad-01" } }),
        {},
        ctx,
      );
      await ctx.drain();
      const [continued, fresh] = exporter.spans;
      assert.equal(continued.traceId, traceId);
      assert.equal(continued.parentSpanId, "00f067aa0ba902b7");
      assert.equal(continued.traceState, "vendor=abc");
      assert.notEqual(fresh.traceId, traceId);
      assert.equal(fresh.parentSpanId, undefined, "an invalid traceparent starts a new trace");
    }));

  it("ignores traceparent when trustTraceparent is false", () =>
    isolated(async () => {
      const { exporter, options } = setup({}, { trustTraceparent: false });
      const worker = traced({ fetch: () => new Response("x") }, options);
      const ctx = new RecordingContext();
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      const request = new Request("https://x.test/", {
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      });
      await (await worker.fetch(request, {}, ctx)).text();
      await ctx.drain();
      assert.notEqual(exporter.spans[0].traceId, traceId);
    }));

  it("ends the root span only after the streamed body was read to the end", () =>
    isolated(async () => {
      const { ended, exporter, options } = setup();
      let push!: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({ start: (c) => void (push = c) });
      const worker = traced({ fetch: () => new Response(body) }, options);
      const ctx = new RecordingContext();
      const response = await worker.fetch(new Request("https://x.test/stream"), {}, ctx);
      assert.deepEqual(ended, [], "headers are out, the body is not: the root span is open");
      const reader = response.body!.getReader();
      push.enqueue(new TextEncoder().encode("part 1,"));
      assert.equal(new TextDecoder().decode((await reader.read()).value), "part 1,");
      push.enqueue(new TextEncoder().encode("part 2"));
      await reader.read();
      assert.deepEqual(ended, [], "still streaming");
      push.close();
      assert.equal((await reader.read()).done, true);
      assert.deepEqual(ended, ["GET"]);
      await ctx.drain();
      assert.equal(exporter.spans[0].attributes["http.response.body.size"], 13);
    }));

  it("with waitForBody: false ends at the headers and returns the response untouched", () =>
    isolated(async () => {
      const { ended, options } = setup({}, { waitForBody: false });
      const original = new Response(
        new ReadableStream({ start: (c) => c.enqueue(new Uint8Array(1)) }),
      );
      const worker = traced({ fetch: () => original }, options);
      const ctx = new RecordingContext();
      const response = await worker.fetch(new Request("https://x.test/"), {}, ctx);
      assert.equal(response, original);
      assert.deepEqual(ended, ["GET"]);
      await response.body!.cancel();
      await ctx.drain();
    }));

  it("ends the root span when the client cancels the body", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      const body = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(new Uint8Array(8)) });
      const worker = traced({ fetch: () => new Response(body) }, options);
      const ctx = new RecordingContext();
      const response = await worker.fetch(new Request("https://x.test/"), {}, ctx);
      const reader = response.body!.getReader();
      await reader.read();
      await reader.cancel("client went away");
      await ctx.drain();
      const [root] = exporter.spans;
      assert.deepEqual(root.events.map((e) => e.name), ["http.response.cancelled"]);
      assert.equal(root.attributes["http.response.body.size"], 8);
    }));

  it("records a thrown error, rethrows it, and still flushes", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      const worker = traced({
        fetch: () => {
          throw new RangeError("bad input");
        },
      }, options);
      const ctx = new RecordingContext();
      await assert.rejects(worker.fetch(new Request("https://x.test/"), {}, ctx), RangeError);
      await ctx.drain();
      const [root] = exporter.spans;
      assert.equal(root.status.code, "ERROR");
      assert.equal(root.events[0].name, "exception");
      assert.equal(root.events[0].attributes["exception.message"], "bad input");
    }));

  it("marks 5xx responses as errors and leaves 4xx unset", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      let status = 503;
      const worker = traced({ fetch: () => new Response("x", { status }) }, options);
      const ctx = new RecordingContext();
      await (await worker.fetch(new Request("https://x.test/"), {}, ctx)).text();
      status = 404;
      await (await worker.fetch(new Request("https://x.test/"), {}, ctx)).text();
      await ctx.drain();
      assert.deepEqual(exporter.spans.map((s) => s.status.code), ["ERROR", "UNSET"]);
    }));
});
