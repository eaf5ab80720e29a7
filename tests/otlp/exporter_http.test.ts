// The OTLP/HTTP exporter against a real, misbehaving loopback receiver. Each scenario checks by
// span id that every span arrived and states how many arrived twice. Skipped in workerd (no
// node:http server there).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OtlpHttpExporter } from "../../src/exporter/otlp_http.ts";
import { maskSecrets } from "../../src/exporter/_warn.ts";
import { setTracer } from "../../src/global.ts";
import { BatchSpanProcessor } from "../../src/processor/batch.ts";
import { Tracer } from "../../src/tracer.ts";
import { createOtlpExporter, type OtlpExporterOptions } from "../../src/exporter/otlp_factory.ts";
import { assertArrived, captureDiagnostics } from "../_support/otlp_helpers.ts";
import { OtlpReceiver } from "../_support/otlp_receiver.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { makeSpanBatch } from "../_support/span_records.ts";

const skip = isWorkerd;
const FAST_RETRY = { initialDelayMillis: 5, maxDelayMillis: 20 };

async function scenario(
  fn: (
    receiver: OtlpReceiver,
    make: (o?: OtlpExporterOptions) => OtlpHttpExporter,
  ) => Promise<void>,
): Promise<void> {
  const receiver = await OtlpReceiver.start();
  const capture = captureDiagnostics();
  const exporters: OtlpHttpExporter[] = [];
  const make = (options: OtlpExporterOptions = {}) => {
    const exporter = createOtlpExporter({
      endpoint: receiver.url,
      retry: FAST_RETRY,
      timeoutMillis: 5000,
      ...options,
    });
    exporters.push(exporter);
    return exporter;
  };
  try {
    await fn(receiver, make);
  } finally {
    for (const exporter of exporters) await exporter.shutdown();
    await receiver.close();
    capture.restore();
  }
}

describe("OTLP/HTTP exporter", { skip }, () => {
  for (const status of [429, 502, 503, 504]) {
    it(`retries ${status} twice then delivers: every span arrives, none twice`, () =>
      scenario(async (receiver, make) => {
        receiver.plan({ status }, { status });
        const spans = makeSpanBatch(5);
        const report = await make().export(spans);
        assert.deepEqual(report, { exported: 5, retried: 5, persisted: 0, dropped: {}, failed: 0 });
        assert.equal(receiver.requests.length, 3);
        assertArrived(receiver, spans, 0);
      }));
  }

  it("sends gzip-compressed protobuf with content headers (no user-agent of its own: the factory's)", () =>
    scenario(async (receiver, make) => {
      const spans = makeSpanBatch(3);
      assert.equal((await make({ headers: { "x-team": "a" } }).export(spans)).exported, 3);
      const { headers, decoded } = receiver.requests[0];
      assert.equal(headers["content-type"], "application/x-protobuf");
      assert.equal(headers["content-encoding"], "gzip");
      assert.equal(headers["x-team"], "a");
      assert.equal(decoded.resourceSpans[0].scopeSpans[0].spans[2].name, "span-2");
      assertArrived(receiver, spans, 0);
    }));

  it("sends uncompressed OTLP/JSON when configured", () =>
    scenario(async (receiver, make) => {
      const spans = makeSpanBatch(2);
      const report = await make({ protocol: "http/json", compression: "none" }).export(spans);
      assert.equal(report.exported, 2);
      const { headers, body } = receiver.requests[0];
      assert.equal(headers["content-type"], "application/json");
      assert.equal(headers["content-encoding"], undefined);
      assert.equal(
        JSON.parse(new TextDecoder().decode(body)).resourceSpans[0].scopeSpans[0].spans[0].spanId,
        spans[0].spanId,
      );
      assertArrived(receiver, spans, 0);
    }));

  it("waits for Retry-After in seconds before retrying: every span arrives once", () =>
    scenario(async (receiver, make) => {
      receiver.plan({ status: 429, retryAfter: "1" });
      const spans = makeSpanBatch(4);
      const report = await make().export(spans);
      assert.deepEqual(report, { exported: 4, retried: 4, persisted: 0, dropped: {}, failed: 0 });
      const [first, second] = receiver.requests;
      assert.ok(second.at - first.at >= 950, `retried after ${second.at - first.at} ms`);
      assertArrived(receiver, spans, 0);
    }));

  it("waits for Retry-After as an HTTP-date before retrying: every span arrives once", () =>
    scenario(async (receiver, make) => {
      const date = new Date(Date.now() + 1500).toUTCString();
      receiver.plan({ status: 503, retryAfter: date });
      const spans = makeSpanBatch(4);
      const report = await make().export(spans);
      assert.equal(report.exported, 4);
      assert.ok(
        receiver.requests[1].at >= Date.parse(date) - 50,
        "retried before the Retry-After date",
      );
      assertArrived(receiver, spans, 0);
    }));

  for (const [what, retryAfter] of [["0", "0"], ["a past date", new Date(0).toUTCString()]]) {
    it(`keeps its backoff when Retry-After is ${what}: the batch outlasts a short outage`, () =>
      scenario(async (receiver, make) => {
        // A collector answering `Retry-After: 0` while it restarts used to get all six attempts
        // within a few ms, and the batch was dropped as retries_exhausted.
        receiver.plan(...Array.from({ length: 3 }, () => ({ status: 503, retryAfter })));
        const spans = makeSpanBatch(4);
        const report = await make({ retry: { initialDelayMillis: 200, maxDelayMillis: 200 } })
          .export(spans);
        assert.deepEqual(report, { exported: 4, retried: 4, persisted: 0, dropped: {}, failed: 0 });
        const at = receiver.requests.map((request) => request.at);
        for (let i = 1; i < at.length; i++) {
          assert.ok(at[i] - at[i - 1] >= 90, `retry ${i} after ${at[i] - at[i - 1]} ms`);
        }
        assertArrived(receiver, spans, 0);
      }));
  }

  it("gives up at once when Retry-After ends past the deadline (dropped as deadline without storage)", () =>
    scenario(async (receiver, make) => {
      receiver.plan({ status: 503, retryAfter: "60" });
      const spans = makeSpanBatch(3);
      const report = await make({ timeoutMillis: 2000 }).export(spans);
      assert.deepEqual(report, {
        exported: 0,
        retried: 0,
        persisted: 0,
        dropped: { deadline: 3 },
        failed: 0,
      });
      assert.equal(receiver.requests.length, 1);
    }));

  it("retries after a stall past the attempt timeout: every span arrives, all of them twice", () =>
    scenario(async (receiver, make) => {
      receiver.plan({ stall: true });
      const spans = makeSpanBatch(3);
      const report = await make({ attemptTimeoutMillis: 300 }).export(spans);
      assert.deepEqual(report, { exported: 3, retried: 3, persisted: 0, dropped: {}, failed: 0 });
      // The stalled request was processed but its answer never came: delivery is at-least-once.
      assertArrived(receiver, spans, 3);
    }));

  it("retries after the connection is reset mid-request: every span arrives, none twice", () =>
    scenario(async (receiver, make) => {
      receiver.plan({ reset: true });
      const spans = makeSpanBatch(6);
      const report = await make().export(spans);
      assert.deepEqual(report, { exported: 6, retried: 6, persisted: 0, dropped: {}, failed: 0 });
      assert.equal(receiver.requests[0].outcome, "reset");
      assertArrived(receiver, spans, 0);
    }));

  for (const protocol of ["http/protobuf", "http/json"] as const) {
    // A long message too: the answer is read up to 1 MiB (cut at 64 KiB it did not parse, and
    // the rejected spans counted as exported).
    for (const message of ["2 spans too old", `2 spans too old: ${"x".repeat(100_000)}`]) {
      it(`reports a ${protocol} partial success as dropped spans (${message.length}-character message); the rest arrive once`, () =>
        scenario(async (receiver, make) => {
          receiver.plan({ partial: { rejected: 2, message } });
          const capture = captureDiagnostics();
          const spans = makeSpanBatch(5);
          const report = await make({ protocol }).export(spans);
          capture.restore();
          assert.deepEqual(report, {
            exported: 3,
            retried: 0,
            persisted: 0,
            dropped: { partial_success_rejected: 2 },
            failed: 0,
          });
          assertArrived(receiver, spans.slice(2), 0);
          assert.ok(
            capture.list.some((d) =>
              d.code === "export_partial_success" && d.message.includes("too old")
            ),
          );
        }));
    }
  }

  it("does not retry a 400 and, without storage, drops the batch as http_400", () =>
    scenario(async (receiver, make) => {
      receiver.plan({ status: 400, body: "bad request" });
      const report = await make().export(makeSpanBatch(2));
      assert.deepEqual(report, {
        exported: 0,
        retried: 0,
        persisted: 0,
        dropped: { http_400: 2 },
        failed: 0,
      });
      assert.equal(receiver.requests.length, 1);
    }));

  it("does not retry a 408 (the OTLP/HTTP specification retries only 429, 502, 503 and 504)", () =>
    scenario(async (receiver, make) => {
      receiver.plan({ status: 408 }, { status: 200 });
      const report = await make().export(makeSpanBatch(2));
      assert.deepEqual(report.dropped, { http_408: 2 });
      assert.equal(report.exported, 0);
      assert.equal(receiver.requests.length, 1);
    }));

  it("follows no redirect: a 301 or 307 drops the batch as http_3xx, nothing goes to the new location", () =>
    scenario(async (receiver, make) => {
      for (const status of [301, 307]) {
        receiver.requests.length = 0;
        receiver.plan({ status, location: "/elsewhere" });
        // Followed, a 301 became an empty GET answered 200 (spans counted exported, none sent)
        // and a 307 re-sent the body and its API key to the redirect's location.
        const report = await make({ headers: { "x-api-key": "k" } }).export(makeSpanBatch(2));
        assert.deepEqual(report.dropped, { [`http_${status}`]: 2 });
        assert.equal(report.exported, 0);
        assert.deepEqual(receiver.requests.map((r) => r.path), ["/v1/traces"]);
      }
    }));

  it("stops after maxAttempts retryable failures (retries_exhausted without storage)", () =>
    scenario(async (receiver, make) => {
      receiver.plan({ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
      const report = await make({ retry: { ...FAST_RETRY, maxAttempts: 3 } }).export(
        makeSpanBatch(2),
      );
      assert.deepEqual(report.dropped, { retries_exhausted: 2 });
      assert.equal(receiver.requests.length, 3);
    }));

  it("keeps at most two requests in flight; every span of six batches arrives once", () =>
    scenario(async (receiver, make) => {
      for (let i = 0; i < 6; i++) receiver.plan({ status: 200, delayMs: 60 });
      const exporter = make();
      const batches = Array.from({ length: 6 }, (_, i) => makeSpanBatch(3, `b${i}`));
      const reports = await Promise.all(batches.map((b) => exporter.export(b)));
      assert.deepEqual(reports.map((r) => r.exported), [3, 3, 3, 3, 3, 3]);
      assert.equal(receiver.maxConcurrent, 2);
      assertArrived(receiver, batches.flat(), 0);
    }));

  it("creates no spans of its own, even when retrying inside an active span", () =>
    scenario(async (receiver, make) => {
      receiver.plan({ status: 503 });
      const started: string[] = [];
      const tracer = new Tracer({
        processors: [
          { onSpanStart: (span) => void started.push(span.spanId) },
          new BatchSpanProcessor(make(), { timers: false }),
        ],
      });
      // The default tracer too, so a span the exporter made through getTracer() would show.
      const previous = setTracer(tracer);
      try {
        await tracer.withSpan("request", async () => {
          tracer.startSpan("work").end();
          assert.equal((await tracer.forceFlush()).exported, 1);
        });
        assert.equal((await tracer.forceFlush()).exported, 1);
      } finally {
        setTracer(previous ?? new Tracer());
        await tracer.shutdown();
      }
      assert.equal(started.length, 2);
      const sent = receiver.requests.flatMap((r) => r.spanIds);
      assert.deepEqual([...new Set(sent)].sort(), [...started].sort());
      assert.equal(sent.length, 3); // "work" twice (503, then accepted), "request" once
    }));

  it("never rejects: an aborted export and a throwing fetch are reported", async () => {
    const capture = captureDiagnostics();
    try {
      const throwing = new OtlpHttpExporter({
        endpoint: "http://127.0.0.1:9/v1/traces",
        retry: { ...FAST_RETRY, maxAttempts: 2 },
        fetch: () => {
          throw new Error("boom");
        },
      });
      assert.deepEqual((await throwing.export(makeSpanBatch(2))).dropped, { retries_exhausted: 2 });
      const controller = new AbortController();
      controller.abort();
      assert.deepEqual(
        (await throwing.export(makeSpanBatch(1), { signal: controller.signal })).dropped,
        { aborted: 1 },
      );
      await throwing.shutdown();
      assert.deepEqual((await throwing.export(makeSpanBatch(1))).dropped, { shutdown: 1 });
    } finally {
      capture.restore();
    }
  });

  it("masks a Bearer token in diagnostics even when the server echoes only the token", async () => {
    const token = "sk-live-0123456789abcdef";
    const headerSources: { env?: Record<string, string>; headers?: Record<string, string> }[] = [
      { env: { OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer%20${token}` } },
      { headers: { Authorization: `Bearer ${token}` } },
      { headers: { "X-Auth": `  Token   ${token} ` } },
    ];
    for (const { env, headers } of headerSources) {
      await scenario(async (receiver) => {
        const capture = captureDiagnostics();
        try {
          receiver.plan({ status: 401, body: `invalid API token: ${token}` });
          const exporter = createOtlpExporter(
            { endpoint: receiver.url, compression: "none", headers },
            (name) => env?.[name],
          );
          assert.deepEqual((await exporter.export(makeSpanBatch(1))).dropped, { http_401: 1 });
          await exporter.shutdown();
          const text = capture.list.map((d) => `${d.code} ${d.message}`).join("\n");
          assert.ok(text.includes("invalid API token: [REDACTED]"), text);
          assert.ok(!text.includes(token.slice(4)), `the token leaks: ${text}`);
        } finally {
          capture.restore();
        }
      });
    }
  });

  it("masks a key in the endpoint's query string when the collector echoes the request URL", () =>
    scenario(async (receiver) => {
      const key = "qk-0123456789abcdef/+";
      const endpoint = `${receiver.url}?api_key=${encodeURIComponent(key)}&tenant=acme-prod`;
      // A proxy that quotes the request line in its error answer, as sent (percent-encoded).
      receiver.plan({ status: 400, body: `bad request to ${endpoint} (and ${key})` });
      const exporter = createOtlpExporter({ endpoint, compression: "none" });
      const capture = captureDiagnostics();
      try {
        assert.deepEqual((await exporter.export(makeSpanBatch(1))).dropped, { http_400: 1 });
        await exporter.shutdown();
      } finally {
        capture.restore();
      }
      const text = capture.list.map((d) => d.message).join("\n");
      assert.match(text, /bad request to .*\?api_key=\[REDACTED\]&tenant=\[REDACTED\]/);
      assert.ok(!text.includes("0123456789abcdef"), `the key leaks: ${text}`);
    }));

  it("masks a key echoed across the cut of a long error body: not even its start is reported", async () => {
    const token = "sk-live-" + "A1b2C3d4".repeat(20);
    // The key straddles the old cuts: 300 characters, and 512 bytes of which whitespace is most.
    const bodies = [260, 280, 300].map((at) => `${"x".repeat(at)} bad key: Bearer ${token}`)
      .concat(`${"x ".repeat(100)}${" ".repeat(280)} bad key: Bearer ${token}`);
    for (const body of bodies) {
      await scenario(async (receiver) => {
        const capture = captureDiagnostics();
        try {
          receiver.plan({ status: 401, body });
          const exporter = createOtlpExporter({
            endpoint: receiver.url,
            compression: "none",
            headers: { Authorization: `Bearer ${token}` },
          });
          assert.deepEqual((await exporter.export(makeSpanBatch(1))).dropped, { http_401: 1 });
          await exporter.shutdown();
          const text = capture.list.map((d) => `${d.code} ${d.message}`).join("\n");
          assert.match(text, /export_failed/);
          assert.ok(!text.includes(token.slice(0, 4)), `part of the key leaks: ${text}`);
        } finally {
          capture.restore();
        }
      });
    }
  });
});

describe("maskSecrets", () => {
  it("masks whole secrets before it cuts, so a secret at the cut leaves no start behind", () => {
    const secrets = ["Bearer sk-live-0123456789"];
    assert.equal(maskSecrets("a sk-live-0123456789 b", secrets, 100), "a [REDACTED] b");
    // Masked before the cut: 30 characters would have cut the secret.
    assert.equal(
      maskSecrets("key Bearer sk-live-0123456789 is wrong", secrets, 20),
      "key [REDACTED] is wr",
    );
    assert.equal(maskSecrets("short sk-l", secrets, 100), "short sk-l", "an uncut text is whole");
  });

  it("masks a longer secret before a shorter one inside it, and secrets holding whitespace", () => {
    const headers = ["acme", "Bearer acme-7f3kL9sQxZpW2vN"];
    assert.equal(
      maskSecrets("bad credentials: Bearer acme-7f3kL9sQxZpW2vN for acme", headers, 100),
      "bad credentials: [REDACTED] for [REDACTED]",
    );
    assert.equal(
      maskSecrets("bad key: Bearer\tsk-live-7f3kL9sQxZ", ["Bearer\tsk-live-7f3kL9sQxZ"], 100),
      "bad key: [REDACTED]",
    );
    assert.equal(
      maskSecrets(
        "bad key: correct  horse battery staple 42",
        ["correct  horse battery staple 42"],
        100,
      ),
      "bad key: [REDACTED]",
    );
    assert.equal(
      maskSecrets("a\n\n  b   c ", [], 100),
      "a b c",
      "whitespace collapsed after masking",
    );
  });
});
