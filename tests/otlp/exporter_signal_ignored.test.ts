// A custom `fetch` that ignores its abort signal (a wrapper that adds a header and drops `signal`)
// against a collector that takes the request and never answers. The exporter's time limits were
// enforced only through that signal: the hung request held its request slot for good, so every
// later batch waited and was dropped as `queue_full`, and `shutdown(deadline)` never returned.
// Each attempt now ends at its time whatever the fetch does. Skipped in workerd (no node:http
// server there).
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import type { FetchLike } from "../../src/exporter/otlp_http_options.ts";
import { OtlpHttpExporter } from "../../src/exporter/otlp_http.ts";
import { BatchSpanProcessor } from "../../src/processor/batch.ts";
import { Tracer } from "../../src/tracer.ts";
import { captureDiagnostics } from "../_support/otlp_helpers.ts";
import { withReceiver } from "../_support/otlp_receiver.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { makeSpanBatch } from "../_support/span_records.ts";

/** The runtime's fetch, minus the abort signal (as a careless wrapper passes it on). */
const signalDropping: FetchLike = (url, init) =>
  fetch(url, {
    ...init,
    signal: undefined,
    headers: { ...(init.headers as Record<string, string>), "x-wrapped": "1" },
  });

describe("OTLP/HTTP exporter with a fetch that ignores its signal", { skip: isWorkerd }, () => {
  it("ends a hung attempt at its time and frees its request slot for the next batches", () =>
    withReceiver(async (receiver) => {
      const capture = captureDiagnostics();
      try {
        receiver.plan({ stall: true });
        const exporter = new OtlpHttpExporter({
          endpoint: receiver.url,
          compression: "none",
          fetch: signalDropping,
          maxConcurrentRequests: 1,
          timeoutMillis: 300,
        });
        const started = Date.now();
        const hung = await exporter.export(makeSpanBatch(2, "hung"));
        const elapsed = Date.now() - started;
        assert.ok(elapsed < 2000, `the hung export settled after ${elapsed} ms`);
        assert.equal(hung.exported, 0);
        // The one request slot is free again: the next batch is sent and delivered.
        const next = await exporter.export(makeSpanBatch(3, "next"));
        assert.equal(next.exported, 3);
        assert.equal(receiver.requests.length, 2);
        assert.equal(receiver.requests[1].headers["x-wrapped"], "1");
        await exporter.shutdown();
      } finally {
        capture.restore();
      }
    }));

  it("lets tracer.shutdown(deadline) return on time with every span counted", () =>
    withReceiver(async (receiver) => {
      const capture = captureDiagnostics();
      try {
        receiver.plan({ stall: true }, { stall: true }, { stall: true });
        const exporter = new OtlpHttpExporter({
          endpoint: receiver.url,
          compression: "none",
          fetch: signalDropping,
        });
        const tracer = new Tracer({ processors: [new BatchSpanProcessor(exporter)] });
        for (let i = 0; i < 3; i++) tracer.startSpan(`s${i}`).end();
        const started = Date.now();
        const report = await tracer.shutdown(Date.now() + 500);
        const elapsed = Date.now() - started;
        assert.ok(elapsed < 3000, `shutdown(+500 ms) took ${elapsed} ms`);
        assert.deepEqual(report.dropped, { deadline: 3 });
      } finally {
        capture.restore();
      }
    }));

  it("cancels a body that never ends, so its connection does not stay open", async () => {
    // Headers and a first chunk, then nothing: the body never ends.
    let open = 0;
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/x-protobuf" });
      res.write("x");
    });
    server.on("connection", (socket) => {
      open++;
      socket.on("close", () => open--);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const capture = captureDiagnostics();
    try {
      const exporter = new OtlpHttpExporter({
        endpoint: `http://127.0.0.1:${port}/v1/traces`,
        compression: "none",
        fetch: signalDropping,
        timeoutMillis: 300,
        retry: { maxAttempts: 1 },
      });
      const report = await exporter.export(makeSpanBatch(1, "endless"));
      assert.equal(report.exported, 0);
      await exporter.shutdown();
      for (let waited = 0; open > 0 && waited < 3000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(open, 0, "the endless body's connection was closed");
    } finally {
      capture.restore();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
