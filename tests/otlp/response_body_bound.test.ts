// A collector (or a proxy in front of it) answering with a body that never ends: the exporters
// read at most 1 MiB of it, report the failure with the start of the body, and close the
// connection. They used to read the whole body: memory grew with it (a 512 MiB error page took
// 569 MB of RSS) and an endless one held the export until its attempt timed out.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { BackendSpanExporter } from "../../src/agents/backend_exporter.ts";
import { OtlpHttpExporter } from "../../src/exporter/otlp_http.ts";
import { captureDiagnostics } from "../_support/otlp_helpers.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { makeSpanBatch } from "../_support/span_records.ts";

/** A loopback server answering every request with `status` and an endless body. */
async function endlessServer(
  status: number,
): Promise<{ url: string; sent: () => number; closed: Promise<void>; close: () => Promise<void> }> {
  let sent = 0;
  let onClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => onClosed = resolve);
  const chunk = "error page ".repeat(6000); // 66 KB a write
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(status, { "content-type": "text/plain" });
      const pump = (): void => {
        while (!res.destroyed && sent < 1024 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
      };
      res.on("close", onClosed);
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    sent: () => sent,
    closed,
    close: () => {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe("exporters read a bounded part of a response body", { skip: isWorkerd }, () => {
  it("OTLP: an endless 400 body fails the export as http_400 at once, with the body's start", async () => {
    const server = await endlessServer(400);
    const capture = captureDiagnostics();
    try {
      const exporter = new OtlpHttpExporter({ endpoint: server.url, timeoutMillis: 20_000 });
      const started = Date.now();
      const report = await exporter.export(makeSpanBatch(3));
      assert.deepEqual(report.dropped, { http_400: 3 });
      assert.ok(Date.now() - started < 10_000, "did not wait for the body to end");
      await server.closed; // the connection was closed, not read to its end
      assert.ok(server.sent() < 256 * 1024 * 1024, `${server.sent()} bytes were sent`);
      assert.ok(capture.list.some((d) => d.message.includes("error page")));
      await exporter.shutdown();
    } finally {
      capture.restore();
      await server.close();
    }
  });

  it("OpenAI traces exporter: an endless 400 body is reported with its start, not buffered", async () => {
    const server = await endlessServer(400);
    const capture = captureDiagnostics();
    try {
      const exporter = new BackendSpanExporter({
        endpoint: server.url,
        apiKey: "sk-test-key-123456",
        attemptTimeoutMillis: 20_000,
        env: () => undefined,
      });
      const started = Date.now();
      await exporter.export([{ export: () => ({ object: "trace", id: "trace_1" }) }]);
      assert.ok(Date.now() - started < 10_000, "did not wait for the body to end");
      await server.closed;
      assert.ok(server.sent() < 256 * 1024 * 1024, `${server.sent()} bytes were sent`);
      assert.ok(capture.list.some((d) => d.message.includes("error page")));
    } finally {
      capture.restore();
      await server.close();
    }
  });
});
