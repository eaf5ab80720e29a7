// instrument() and the current OpenTelemetry semantic conventions: `error.type` on failed HTTP
// server and queue spans, `server.port` defaulted from the scheme, the queue span's name and
// `messaging.operation.name`, and responses the runtime cannot send as they are (a body already
// used) or sends without a body (HEAD). Handlers are called directly, so these run everywhere.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { byName, isolated, RecordingContext, setup, traced } from "./_helpers.ts";

describe("instrument(): error.type", () => {
  it("is the status code of a 5xx, the thrown type of a failed handler, unset otherwise", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      const worker = traced({
        fetch(request) {
          const path = new URL(request.url).pathname;
          if (path === "/type") throw new TypeError("bad");
          if (path === "/string") return Promise.reject("no error object");
          return new Response("x", { status: Number(path.slice(1)) });
        },
      }, options);
      const ctx = new RecordingContext();
      for (const path of ["/503", "/404", "/200", "/type", "/string"]) {
        try {
          await (await worker.fetch(new Request(`https://x.test${path}`), {}, ctx)).text();
        } catch {
          // The handler's own failure reaches the runtime unchanged.
        }
      }
      await ctx.drain();
      assert.deepEqual(
        exporter.spans.map((
          s,
        ) => [s.attributes["url.path"], s.status.code, s.attributes["error.type"]]),
        [
          ["/503", "ERROR", "503"],
          ["/404", "UNSET", undefined],
          ["/200", "UNSET", undefined],
          ["/type", "ERROR", "TypeError"],
          ["/string", "ERROR", "_OTHER"],
        ],
      );
    }));
});

describe("instrument(): server.port", () => {
  it("defaults to the scheme's port when the URL has none", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      const worker = traced({ fetch: () => new Response("ok") }, options);
      const ctx = new RecordingContext();
      for (const url of ["https://a.test/", "http://b.test/", "http://c.test:8080/"]) {
        await (await worker.fetch(new Request(url), {}, ctx)).text();
      }
      await ctx.drain();
      assert.deepEqual(
        exporter.spans.map((s) => [s.attributes["server.address"], s.attributes["server.port"]]),
        [["a.test", 443], ["b.test", 80], ["c.test", 8080]],
      );
    }));
});

describe("instrument(): queue spans", () => {
  it("are named `process <queue>` with messaging.operation.name, and record a failure", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      const worker = traced({
        queue(batch) {
          if (batch.queue === "broken") throw new RangeError("cannot process");
        },
      }, options);
      const ctx = new RecordingContext();
      await worker.queue({ queue: "jobs", messages: [{}] }, {}, ctx);
      await worker.queue({ messages: [] }, {}, ctx);
      await assert.rejects(worker.queue({ queue: "broken", messages: [{}] }, {}, ctx), RangeError);
      await ctx.drain();
      assert.deepEqual(exporter.spans.map((s) => s.name), [
        "process jobs",
        "process",
        "process broken",
      ]);
      for (const span of exporter.spans) {
        assert.equal(span.attributes["messaging.operation.name"], "process");
        assert.equal(span.attributes["messaging.operation.type"], "process");
      }
      const broken = byName(exporter.spans, "process broken");
      assert.equal(broken.status.code, "ERROR");
      assert.equal(broken.attributes["error.type"], "RangeError");
      assert.equal(byName(exporter.spans, "process jobs").attributes["error.type"], undefined);
    }));
});

describe("instrument(): responses the runtime cannot send as they are", () => {
  it("records a response whose body was already used as a failed 500, and returns it", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      for (const waitForBody of [true, false]) {
        const used = new Response("read already");
        const worker = traced({
          async fetch() {
            await used.text();
            return used;
          },
        }, { ...options, waitForBody });
        const ctx = new RecordingContext();
        assert.equal(await worker.fetch(new Request("https://x.test/"), {}, ctx), used);
        await ctx.drain();
      }
      assert.equal(exporter.spans.length, 2);
      for (const root of exporter.spans) {
        assert.equal(root.attributes["http.response.status_code"], 500);
        assert.equal(root.status.code, "ERROR");
        assert.equal(root.attributes["error.type"], "TypeError");
        assert.deepEqual(root.events.map((e) => e.name), ["exception"]);
        assert.match(String(root.events[0].attributes["exception.message"]), /already been used/);
        assert.equal(root.attributes["http.response.body.size"], undefined);
      }
    }));

  it("records no body size for HEAD, whose body is never sent", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      const worker = traced({
        fetch: () => new Response("hello", { headers: { "content-length": "5" } }),
      }, options);
      const ctx = new RecordingContext();
      for (const method of ["HEAD", "GET"]) {
        const response = await worker.fetch(new Request("https://x.test/", { method }), {}, ctx);
        await response.text();
      }
      await ctx.drain();
      assert.deepEqual(
        exporter.spans.map((s) => [s.name, s.attributes["http.response.body.size"]]),
        [["HEAD", undefined], ["GET", 5]],
      );
    }));

  it("returns the handler's response untouched for HEAD and for an unsampled request", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      const made: Response[] = [];
      const worker = traced({
        fetch: () => {
          made.push(new Response("hello"));
          return made.at(-1)!;
        },
      }, options);
      const ctx = new RecordingContext();
      const unsampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
      const requests = [
        new Request("https://x.test/", { method: "HEAD" }),
        new Request("https://x.test/", { headers: { traceparent: unsampled } }),
      ];
      for (const request of requests) {
        assert.equal(await worker.fetch(request, {}, ctx), made.at(-1));
      }
      await ctx.drain();
      assert.deepEqual(exporter.spans.map((s) => s.name), ["HEAD"]);
    }));
});
