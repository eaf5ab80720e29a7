// instrument() and tracedFetch() responses whose 2xx body nobody read by the end of the
// invocation: their CLIENT spans end at the invocation's end with the event
// `http.response.unread` and are exported with its flush (on workerd nothing else would ever end
// them), while the bodies stay readable, whole. Spans of other traces (another invocation still
// running, a stream started outside any invocation) are left open. Handlers are called directly
// with a recording execution context, so these run on every runtime, workerd included.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { tracedFetch } from "../../src/http/traced_fetch.ts";
import { invocationSpan } from "../../src/runtime/worker.ts";
import { isolated, RecordingContext, setup, traced } from "./_helpers.ts";

/** A fetch answering 200 with a three-byte body that is there at once. */
const upstream = () => Promise.resolve(new Response(new Uint8Array([1, 2, 3])));

/** A traced fetch whose spans are children of the invocation that received `request`. */
const fetchFor = (request: Request) =>
  tracedFetch({ fetch: upstream, parent: invocationSpan(request) ?? null });

describe("instrument(): tracedFetch() bodies unread at the end of the invocation", () => {
  it("ends their spans as unread in the invocation's flush; the bodies stay whole", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      let kept: Response | undefined;
      const worker = traced({
        async fetch(request) {
          const fetch = fetchFor(request);
          kept = await fetch("https://api.example.test/unread");
          const read = await fetch("https://api.example.test/read");
          await read.arrayBuffer();
          return new Response("ok");
        },
      }, options);
      const ctx = new RecordingContext();
      assert.equal(
        await (await worker.fetch(new Request("https://w.test/"), {}, ctx)).text(),
        "ok",
      );
      await ctx.drain();
      const clients = exporter.spans.filter((span) => span.kind === "CLIENT");
      assert.deepEqual(
        clients.map((span) => [span.attributes["url.full"], span.events.map((e) => e.name)]),
        [
          ["https://api.example.test/read", []],
          ["https://api.example.test/unread", ["http.response.unread"]],
        ],
      );
      const root = exporter.spans.find((span) => span.kind === "SERVER");
      for (const span of clients) {
        assert.equal(span.parentSpanId, root?.spanId);
        assert.equal(span.status.code, "UNSET");
      }
      assert.deepEqual([...new Uint8Array(await kept!.arrayBuffer())], [1, 2, 3]);
      assert.equal(exporter.spans.length, 3, "reading the body later ends nothing again");
    }));

  it("leaves a body read in the user's waitUntil work to end as read", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      let got = 0;
      const worker = traced({
        async fetch(request, _env, ctx) {
          const response = await fetchFor(request)("https://api.example.test/later");
          ctx.waitUntil(
            new Promise((resolve) => setTimeout(resolve, 20))
              .then(() => response.arrayBuffer())
              .then((body) => void (got = body.byteLength)),
          );
          return new Response("ok");
        },
      }, options);
      const ctx = new RecordingContext();
      await (await worker.fetch(new Request("https://w.test/"), {}, ctx)).text();
      await ctx.drain();
      assert.equal(got, 3);
      const client = exporter.spans.find((span) => span.kind === "CLIENT");
      assert.deepEqual(client?.events.map((e) => e.name), []);
    }));

  it("leaves open the bodies of another running invocation and of requests outside any", () =>
    isolated(async () => {
      const { exporter, ended, options } = setup();
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const responses: Response[] = [];
      let outside: Response | undefined;
      const worker = traced({
        async fetch(request) {
          responses.push(await fetchFor(request)(request.url + "upstream"));
          if (new URL(request.url).hostname === "b.test") await held;
          else outside = await tracedFetch({ fetch: upstream, parent: null })("https://x.test/");
          return new Response("ok");
        },
      }, options);
      const first = new RecordingContext();
      const second = new RecordingContext();
      const b = worker.fetch(new Request("https://b.test/"), {}, second);
      await (await worker.fetch(new Request("https://a.test/"), {}, first)).text();
      await first.drain();
      assert.deepEqual(
        exporter.spans.filter((s) => s.kind === "CLIENT").map((s) => s.attributes["url.full"]),
        ["https://a.test/upstream"],
        "a's flush ends a's unread body only",
      );
      release();
      await (await b).text();
      await second.drain();
      const clients = exporter.spans.filter((s) => s.kind === "CLIENT");
      assert.deepEqual(clients.map((s) => s.attributes["url.full"]), [
        "https://a.test/upstream",
        "https://b.test/upstream",
      ]);
      assert.equal(ended.filter((name) => name === "GET").length, 4, "two roots, two clients");
      assert.equal((await outside!.arrayBuffer()).byteLength, 3);
      assert.equal(ended.length, 5, "the request outside any invocation ends when read");
      for (const response of responses) assert.equal((await response.arrayBuffer()).byteLength, 3);
    }));

  it("ends them with flush: false too, without flushing", () =>
    isolated(async () => {
      const { exporter, ended, options } = setup({}, { flush: false });
      const worker = traced({
        async fetch(request) {
          await fetchFor(request)("https://api.example.test/unread");
          return new Response("ok");
        },
      }, options);
      await (await worker.fetch(new Request("https://w.test/"), {}, new RecordingContext())).text();
      for (let i = 0; i < 10 && ended.length < 2; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.deepEqual(ended, ["GET", "GET"]);
      assert.equal(exporter.spans.length, 0);
    }));
});
