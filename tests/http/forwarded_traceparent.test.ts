// tracedFetch() with a traceparent already in the request's headers (a gateway forwarding the
// incoming request's headers): a valid one of another trace is kept, anything else is replaced by
// the CLIENT span's. A malformed value (upper-case hex, an all-zero id, two values joined,
// garbage) names no trace, so W3C Trace Context says to replace it; it was sent on untouched and
// the downstream service could not join the trace. The tracestate sent with a malformed one goes
// too. In-process fetch, so these run on every runtime, workerd included.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type FetchFunction, tracedFetch } from "../../src/http/traced_fetch.ts";
import { withTracing } from "./_helpers.ts";

const CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c";

/** A fetch that keeps the headers of each request and answers 204. */
function headersSeen(): { fetch: FetchFunction; sent: Headers[] } {
  const sent: Headers[] = [];
  return {
    sent,
    fetch: (input, init) => {
      sent.push(new Request(input as RequestInfo, init as RequestInit).headers);
      return Promise.resolve(new Response(null, { status: 204 }));
    },
  };
}

describe("tracedFetch(): a traceparent forwarded in the headers", () => {
  const malformed: [string, string][] = [
    ["upper-case hex", `00-${CALLER_TRACE.toUpperCase()}-B7AD6B7169203331-01`],
    ["an all-zero trace id", `00-${"0".repeat(32)}-b7ad6b7169203331-01`],
    ["an all-zero parent id", `00-${CALLER_TRACE}-${"0".repeat(16)}-01`],
    ["version ff", `ff-${CALLER_TRACE}-b7ad6b7169203331-01`],
    ["garbage", "garbage"],
    ["garbage of 55 characters", `00-${"x".repeat(32)}-b7ad6b7169203331-01`],
  ];
  for (const [label, forwarded] of malformed) {
    it(`replaces one with ${label}, and the tracestate sent with it`, () =>
      withTracing(async ({ tracer, collected }) => {
        const { fetch, sent } = headersSeen();
        const traced = tracedFetch({ tracer, fetch });
        const headers = new Headers({ traceparent: forwarded, tracestate: "caller=1", "x-a": "1" });
        await traced("https://origin.test/", { headers });
        const client = collected.ended.find((s) => s.kind === "CLIENT")!;
        assert.equal(
          sent[0].get("traceparent"),
          `00-${client.traceId}-${client.spanId}-03`,
          "the CLIENT span's traceparent",
        );
        assert.equal(sent[0].get("tracestate"), null);
        assert.equal(sent[0].get("x-a"), "1");
        assert.equal(headers.get("traceparent"), forwarded, "the caller's Headers are untouched");
      }));
  }

  it("replaces two values joined (a traceparent sent twice)", () =>
    withTracing(async ({ tracer, collected }) => {
      const { fetch, sent } = headersSeen();
      const headers = new Headers();
      headers.append("traceparent", `00-${CALLER_TRACE}-b7ad6b7169203331-01`);
      headers.append("traceparent", `00-${"1".repeat(32)}-b7ad6b7169203331-01`);
      await tracedFetch({ tracer, fetch })("https://origin.test/", { headers });
      const client = collected.ended.find((s) => s.kind === "CLIENT")!;
      assert.equal(sent[0].get("traceparent"), `00-${client.traceId}-${client.spanId}-03`);
    }));

  it("keeps a valid one of another trace, with its tracestate", () =>
    withTracing(async ({ tracer }) => {
      const { fetch, sent } = headersSeen();
      const forwarded = `00-${CALLER_TRACE}-b7ad6b7169203331-01`;
      const headers = new Headers({ traceparent: forwarded, tracestate: "caller=1" });
      await tracedFetch({ tracer, fetch })("https://origin.test/", { headers });
      assert.equal(sent[0].get("traceparent"), forwarded);
      assert.equal(sent[0].get("tracestate"), "caller=1");
    }));

  it("keeps one of a later version of another trace (forward compatibility)", () =>
    withTracing(async ({ tracer }) => {
      const { fetch, sent } = headersSeen();
      const forwarded = `cc-${CALLER_TRACE}-b7ad6b7169203331-01-what-comes-next`;
      await tracedFetch({ tracer, fetch })("https://origin.test/", {
        headers: { traceparent: forwarded },
      });
      assert.equal(sent[0].get("traceparent"), forwarded);
    }));
});
