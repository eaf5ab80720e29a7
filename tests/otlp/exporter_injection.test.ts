// The raw OtlpHttpExporter with its optional parts injected (encoder, outbox) and the
// createOtlpExporter factory that resolves options and the environment into one, against a real
// loopback receiver. Skipped in workerd (no node:http server there), except the pure checks.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TracerError } from "../../src/errors.ts";
import { createOtlpExporter } from "../../src/exporter/otlp_factory.ts";
import { OtlpHttpExporter } from "../../src/exporter/otlp_http.ts";
import { OtlpOutbox } from "../../src/exporter/otlp_outbox.ts";
import { OTLP_JSON_ENCODER } from "../../src/otlp/encode_json.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { assertArrived, delay } from "../_support/otlp_helpers.ts";
import { withReceiver } from "../_support/otlp_receiver.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { makeSpanBatch } from "../_support/span_records.ts";

const FAST_RETRY = { initialDelayMillis: 5, maxDelayMillis: 20, maxAttempts: 2 };

describe("raw OtlpHttpExporter", () => {
  it("sends to a local collector by default", () => {
    assert.equal(new OtlpHttpExporter().url, "http://localhost:4318/v1/traces");
  });

  it("sends with an injected encoder (OTLP/JSON) and lower-cased extra headers", {
    skip: isWorkerd,
  }, () =>
    withReceiver(async (receiver) => {
      const exporter = new OtlpHttpExporter({
        endpoint: receiver.url,
        encoder: OTLP_JSON_ENCODER,
        compression: "none",
        headers: { "X-Team": "a" },
      });
      const spans = makeSpanBatch(2);
      assert.deepEqual(await exporter.export(spans), {
        exported: 2,
        retried: 0,
        persisted: 0,
        dropped: {},
        failed: 0,
      });
      await exporter.shutdown();
      const { headers, body } = receiver.requests[0];
      assert.equal(headers["content-type"], "application/json");
      assert.equal(headers["content-encoding"], undefined);
      assert.equal(headers["x-team"], "a");
      const doc = JSON.parse(new TextDecoder().decode(body));
      assert.equal(doc.resourceSpans[0].scopeSpans[0].spans[1].spanId, spans[1].spanId);
      assertArrived(receiver, spans, 0);
    }));

  it("parks undeliverable batches in an injected OtlpOutbox and redelivers them", {
    skip: isWorkerd,
  }, () =>
    withReceiver(async (receiver) => {
      const storage = new MemoryStorage();
      const exporter = new OtlpHttpExporter({
        endpoint: receiver.url,
        retry: FAST_RETRY,
        outbox: new OtlpOutbox(storage, { initialDelayMillis: 20 }),
      });
      receiver.plan({ status: 503 }, { status: 503 });
      const spans = makeSpanBatch(3);
      assert.equal((await exporter.export(spans)).persisted, 3);
      const [entry] = await storage.outbox.peek(10);
      assert.equal(entry.reason, "http_503");
      await delay(30);
      assert.deepEqual(await exporter.forceFlush(), {
        exported: 3,
        retried: 3,
        persisted: 0,
        dropped: {},
        failed: 0,
      });
      assert.deepEqual(await storage.outbox.peek(10), []);
      await exporter.shutdown();
      assertArrived(receiver, spans, 0);
    }));

  it(
    "without an outbox drops what it cannot deliver, by reason",
    { skip: isWorkerd },
    () =>
      withReceiver(async (receiver) => {
        const exporter = new OtlpHttpExporter({ endpoint: receiver.url, retry: FAST_RETRY });
        receiver.plan({ status: 503 }, { status: 503 });
        assert.deepEqual((await exporter.export(makeSpanBatch(2))).dropped, {
          retries_exhausted: 2,
        });
        assert.equal(receiver.requests.length, 2);
        await exporter.shutdown();
      }),
  );
});

describe("createOtlpExporter", () => {
  it("resolves the OTEL_EXPORTER_OTLP_* environment: endpoint, protocol, headers", {
    skip: isWorkerd,
  }, () =>
    withReceiver(async (receiver) => {
      const env = (name: string): string | undefined =>
        ({
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_EXPORTER_OTLP_HEADERS: "x-env=1",
        })[name];
      const exporter = createOtlpExporter({ compression: "none" }, env);
      assert.equal(exporter.url, `http://127.0.0.1:${receiver.port}/v1/traces`);
      const spans = makeSpanBatch(2);
      assert.equal((await exporter.export(spans)).exported, 2);
      await exporter.shutdown();
      const { path, headers } = receiver.requests[0];
      assert.equal(path, "/v1/traces");
      assert.equal(headers["content-type"], "application/json");
      assert.equal(headers["x-env"], "1");
      assertArrived(receiver, spans, 0);
    }));

  it("reads no environment unless given one, and validates explicit options", () => {
    assert.equal(createOtlpExporter().url, "http://localhost:4318/v1/traces");
    assert.throws(
      () => createOtlpExporter({ server: "https://dn.example" }),
      (error: unknown) => error instanceof TracerError && error.code === "MISSING_CREDENTIALS",
    );
    assert.throws(
      () => createOtlpExporter({ endpoint: "collector:4318" }),
      (error: unknown) => error instanceof TracerError && error.code === "INVALID_CONFIG",
    );
    assert.throws(
      () => createOtlpExporter({ protocol: "grpc" as "http/json" }),
      (error: unknown) => error instanceof TracerError && error.code === "INVALID_CONFIG",
    );
  });
});
