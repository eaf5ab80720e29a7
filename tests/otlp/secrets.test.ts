// The dreadnode-style endpoint and the API key: sent as X-Api-Key, never present in diagnostics,
// errors or the outbox (headers are re-applied at send time, never stored). Skipped in workerd
// (no node:http server there).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createOtlpExporter } from "../../src/exporter/otlp_factory.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { assertArrived, captureDiagnostics, delay } from "../_support/otlp_helpers.ts";
import { OtlpReceiver } from "../_support/otlp_receiver.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { makeSpanBatch } from "../_support/span_records.ts";

const API_KEY = "dn_live_5ecretKey_9f8e7d6c";

function contains(haystack: Uint8Array, needle: string): boolean {
  const bytes = new TextEncoder().encode(needle);
  outer: for (let i = 0; i + bytes.length <= haystack.length; i++) {
    for (let j = 0; j < bytes.length; j++) if (haystack[i + j] !== bytes[j]) continue outer;
    return true;
  }
  return false;
}

describe("OTLP exporter and the API key", { skip: isWorkerd }, () => {
  it("posts to {server}/api/v1/org/{org}/otel/traces with X-Api-Key and leaks the key nowhere", async () => {
    const receiver = await OtlpReceiver.start();
    const capture = captureDiagnostics();
    const storage = new MemoryStorage();
    const make = () =>
      createOtlpExporter({
        server: `http://127.0.0.1:${receiver.port}`,
        organization: "acme",
        apiKey: API_KEY,
        storage,
        retry: { initialDelayMillis: 5, maxDelayMillis: 10, maxAttempts: 2 },
        outboxRetry: { initialDelayMillis: 20 },
        timeoutMillis: 3000,
      });
    const exporter = make();
    try {
      // A server that echoes the key in its error bodies, then accepts. (After the first batch
      // is parked, the second gets one attempt.)
      receiver.plan(
        { status: 401, body: `invalid key ${API_KEY}` },
        { status: 503, body: `upstream rejected X-Api-Key: ${API_KEY}` },
      );
      const rejected = makeSpanBatch(2, "rejected");
      const retried = makeSpanBatch(2, "retried");
      assert.equal((await exporter.export(rejected)).persisted, 2);
      assert.equal((await exporter.export(retried)).persisted, 2);

      const stored = await storage.outbox.peek(10);
      assert.equal(stored.length, 2);
      for (const entry of stored) {
        assert.ok(!contains(entry.body, API_KEY), "outbox body holds the key");
        const { body: _body, ...fields } = entry;
        assert.ok(!JSON.stringify(fields).includes(API_KEY), "outbox fields hold the key");
      }

      // A new instance redelivers with the header re-applied at send time.
      await delay(30);
      const next = make();
      const report = await next.forceFlush();
      await next.shutdown();
      assert.equal(report.exported, 4);
      assertArrived(receiver, [...rejected, ...retried], 0);

      for (const request of receiver.requests) {
        assert.equal(request.path, "/api/v1/org/acme/otel/traces");
        assert.equal(request.headers["x-api-key"], API_KEY);
      }
      assert.ok(capture.list.length > 0, "failures were reported");
      for (const d of capture.list) {
        const text = `${d.code} ${d.message} ${String(d.cause ?? "")}`;
        assert.ok(!text.includes(API_KEY), `diagnostic leaks the key: ${text}`);
      }
      assert.ok(
        capture.list.some((d) => d.message.includes("[REDACTED]")),
        "the echoed key was masked",
      );
    } finally {
      await exporter.shutdown();
      await receiver.close();
      capture.restore();
    }
  });
});
