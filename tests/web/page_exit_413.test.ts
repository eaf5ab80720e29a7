// The page-exit fetch (web preset, page hidden) against a receiver whose body limit is below the
// size of its keepalive parts: a part refused as too large (413) is sent again in halves, halved
// while refused, within the page's keepalive budget, so every span arrives once and only a span
// too large on its own is lost; a retry sends only the halves not delivered. A fetch stub with
// the limit, so every runtime (workerd included) runs it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FetchLike } from "../../src/exporter/otlp_http.ts";
import { splitOtlpBody } from "../../src/exporter/_otlp_split.ts";
import { OTLP_JSON_ENCODER } from "../../src/otlp/encode_json.ts";
import { OTLP_PROTOBUF_ENCODER } from "../../src/otlp/encode_protobuf.ts";
import type { OtlpEncoder } from "../../src/otlp/encoder.ts";
import { KEEPALIVE_BYTES, page, pageFetch } from "../../src/runtime/_page_exit.ts";
import type { FlushReport, SpanRecord } from "../../src/types.ts";
import { captureDiagnostics, uncompressedExporter } from "../_support/otlp_helpers.ts";
import { makeSpanRecord } from "../_support/span_records.ts";

/** The receiver's body limit: below the keepalive parts' size, above half of it. */
const LIMIT = 40 * 1024;

/** `n` spans named `span<0>`, `span<1>`, … with a ~`size`-byte attribute each. */
function paddedSpans(n: number, size = 1000): SpanRecord[] {
  return Array.from(
    { length: n },
    (_, i) => makeSpanRecord({ name: `span<${i}>`, attributes: { pad: "y".repeat(size) } }),
  );
}

const latin1 = new TextDecoder("latin1");

/** The span names a request carries, read from its bytes (JSON or protobuf, no decoder). */
const namesIn = (body: Uint8Array): string[] => latin1.decode(body).match(/span<\d+>/g) ?? [];

const sameBytes = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((byte, i) => byte === b[i]);

/** One request the receiver saw. */
interface Seen {
  readonly bytes: number;
  readonly keepalive: boolean;
  readonly status: number;
  readonly body: Uint8Array;
}

/**
 * A receiver that answers 413 to bodies over {@linkcode LIMIT} bytes, `fail`'s status (503) to
 * the requests it picks, and 200 to the others, each a little later (so requests overlap),
 * keeping the span names it accepted and the most keepalive bytes it had in flight at once.
 */
function limitedReceiver(fail: (seen: Seen[], body: Uint8Array) => boolean = () => false) {
  const seen: Seen[] = [];
  const delivered: string[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const fetch: FetchLike = async (_url, init) => {
    const body = init.body as Uint8Array;
    const keepalive = init.keepalive === true;
    if (keepalive) mostInFlight = Math.max(mostInFlight, inFlight += body.length);
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (keepalive) inFlight -= body.length;
    const status = body.length > LIMIT ? 413 : fail(seen, body) ? 503 : 200;
    seen.push({ bytes: body.length, keepalive, status, body });
    if (status === 200) delivered.push(...namesIn(body));
    return new Response(status === 413 ? "too large" : null, { status });
  };
  return { fetch, seen, delivered, mostInFlight: () => mostInFlight };
}

/** Exports `spans` through the page fetch of `fetch` while the page is `hidden` (quietly). */
async function exportPage(
  fetch: FetchLike,
  encoder: OtlpEncoder,
  spans: readonly SpanRecord[],
  hidden = true,
): Promise<FlushReport> {
  const exporter = uncompressedExporter(pageFetch(fetch), encoder);
  const diagnostics = captureDiagnostics();
  page.hidden = hidden;
  try {
    return await exporter.export(spans);
  } finally {
    page.hidden = false;
    await exporter.shutdown();
    diagnostics.restore();
  }
}

/** Asserts every span of `spans` arrived exactly once, but those named in `lost`. */
function assertDeliveredOnce(
  delivered: string[],
  spans: readonly SpanRecord[],
  lost: string[] = [],
) {
  const expected = spans.map((s) => s.name).filter((name) => !lost.includes(name));
  assert.deepEqual([...delivered].sort(), expected.sort());
}

for (const encoder of [OTLP_JSON_ENCODER, OTLP_PROTOBUF_ENCODER]) {
  describe(`page exit, ${encoder.contentType} part refused as too large (413)`, () => {
    it("sends it again in halves within the keepalive budget: every span arrives once", async () => {
      const spans = paddedSpans(80);
      const parts = splitOtlpBody(encoder.encode(spans), encoder.contentType, KEEPALIVE_BYTES);
      assert.ok(parts.some((p) => p.body.length > LIMIT), "a part is over the receiver's limit");
      const receiver = limitedReceiver();
      const report = await exportPage(receiver.fetch, encoder, spans);
      assert.equal(report.exported, 80);
      assert.deepEqual(report.dropped, {});
      assert.equal(report.failed, 0);
      assertDeliveredOnce(receiver.delivered, spans);
      assert.ok(receiver.seen.length <= 2 * 80 - 1, `${receiver.seen.length} requests`);
      const refused = receiver.seen.filter((s) => s.status === 413);
      assert.ok(refused.length >= 1 && refused.length < receiver.seen.length / 2);
      // The halves went keepalive, and never more than the page's budget was in flight.
      assert.ok(receiver.seen.some((s) => s.keepalive && s.status === 200));
      assert.ok(receiver.mostInFlight() <= KEEPALIVE_BYTES, `${receiver.mostInFlight()} bytes`);
      assert.equal(page.bytes, 0);
    });

    it("delivers what a visible page delivers (there the exporter halves the whole batch)", async () => {
      const spans = paddedSpans(80);
      for (const hidden of [false, true]) {
        const receiver = limitedReceiver();
        const report = await exportPage(receiver.fetch, encoder, spans, hidden);
        assert.equal(report.exported, 80, hidden ? "hidden" : "visible");
        assertDeliveredOnce(receiver.delivered, spans);
      }
    });

    it("counts as rejected only a span too large on its own", async () => {
      const spans = paddedSpans(60);
      spans[30] = { ...spans[30], attributes: { pad: "z".repeat(LIMIT + 1000) } };
      const receiver = limitedReceiver();
      const report = await exportPage(receiver.fetch, encoder, spans);
      assert.equal(report.exported, 59);
      assert.deepEqual(report.dropped, { partial_success_rejected: 1 });
      assertDeliveredOnce(receiver.delivered, spans, ["span<30>"]);
      const alone = receiver.seen.filter((s) => namesIn(s.body).join() === "span<30>");
      assert.deepEqual(alone.map((s) => s.status), [413], "sent alone once, never again");
      assert.ok(receiver.seen.length <= 2 * 60 - 1, `${receiver.seen.length} requests`);
    });

    it("a retry sends only the halves not delivered: no span twice", async () => {
      const spans = paddedSpans(80);
      // The first request that fits the limit after a 413 (a half) fails once, retryably.
      let failed: Uint8Array | undefined;
      const receiver = limitedReceiver((seen, body) => {
        if (failed || !seen.some((s) => s.status === 413)) return false;
        failed = body;
        return true;
      });
      const report = await exportPage(receiver.fetch, encoder, spans);
      assert.ok(failed, "a half failed once");
      assert.equal(report.exported, 80);
      assert.deepEqual(report.dropped, {});
      assertDeliveredOnce(receiver.delivered, spans);
      const again = receiver.seen.filter((s) => sameBytes(s.body, failed!));
      assert.deepEqual(again.map((s) => s.status), [503, 200], "the half, sent again alone");
    });

    it("answers the exporter 200 with the refused span's count, never 413, once a part is accepted", async () => {
      const spans = paddedSpans(60);
      spans[0] = { ...spans[0], attributes: { pad: "z".repeat(LIMIT + 1000) } };
      const receiver = limitedReceiver();
      const wrapped = pageFetch(receiver.fetch);
      page.hidden = true;
      try {
        const answer = await wrapped("https://c.example/v1/traces", {
          method: "POST",
          headers: { "content-type": encoder.contentType },
          body: encoder.encode(spans) as Uint8Array<ArrayBuffer>,
        });
        assert.equal(answer.status, 200);
        const text = latin1.decode(new Uint8Array(await answer.arrayBuffer()));
        assert.match(text, /http_413/);
        assertDeliveredOnce(receiver.delivered, spans, ["span<0>"]);
      } finally {
        page.hidden = false;
      }
    });
  });
}
