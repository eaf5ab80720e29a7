// instrument() and response lengths. A proxied encoded response (`return fetch(origin)` against an
// origin that gzips) reaches the handler with its body decoded but its encoded Content-Length, so
// the instrumented response must not be held to that length. Nor is a body the handler made held
// to the Content-Length it declares (workerd sends it whole untraced); only a `fetch()` response
// passed on keeps its length in workerd (FixedLengthStream), see instrument_workerd_proxy.test.ts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isolated, RecordingContext, setup, traced } from "./_helpers.ts";

/** A stream of `text` in 1000-byte chunks, as a decoding fetch() body arrives. */
function streamOf(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset += 1000));
    },
  });
}

describe("instrument(): response lengths", () => {
  it("passes a decoded body with its encoded Content-Length through whole", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      const text = "abcdefghij".repeat(2000);
      // What workerd hands a handler for a gzip response of 85 bytes from its origin.
      const worker = traced({
        fetch: () =>
          new Response(streamOf(text), {
            headers: { "content-encoding": "gzip", "content-length": "85" },
          }),
      }, options);
      const ctx = new RecordingContext();
      const response = await worker.fetch(new Request("https://x.test/proxy"), {}, ctx);
      assert.equal(response.headers.get("content-encoding"), "gzip");
      assert.equal(await response.text(), text);
      await ctx.drain();
      const [root] = exporter.spans;
      assert.equal(root.attributes["http.response.body.size"], 20000);
      assert.deepEqual(root.events.map((e) => e.name), []);
      assert.equal(root.status.code, "UNSET");
    }));

  for (const [what, text] of [["longer", "hello world"], ["shorter", "hel"]] as const) {
    it(`sends a body ${what} than the Content-Length its handler declared whole`, () =>
      isolated(async () => {
        // workerd sends such a body whole untraced (the header is not its length); held to the
        // header, the traced body was cut short or failed, so the client got a broken response.
        const { exporter, options } = setup();
        const worker = traced({
          fetch: () => new Response(streamOf(text), { headers: { "content-length": "5" } }),
        }, options);
        const ctx = new RecordingContext();
        const response = await worker.fetch(new Request("https://x.test/"), {}, ctx);
        assert.equal(await response.text(), text);
        await ctx.drain();
        const [root] = exporter.spans;
        assert.deepEqual(root.events.map((e) => e.name), []);
        assert.equal(root.attributes["http.response.body.size"], text.length);
      }));
  }
});
