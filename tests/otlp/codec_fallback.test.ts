// The gzip codec seam of OtlpHttpExporter on a runtime without CompressionStream: fflate plugged
// in through `compress` (the core never imports it), and the safe fallback when no codec is
// available (sent uncompressed, with a warning; nothing accepted is lost). Against the real
// loopback receiver, so skipped in workerd (no node:http server there).
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { gzipSync } from "fflate";
import { OtlpHttpExporter } from "../../src/exporter/otlp_http.ts";
import { assertArrived, captureDiagnostics } from "../_support/otlp_helpers.ts";
import { OtlpReceiver } from "../_support/otlp_receiver.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { makeSpanBatch } from "../_support/span_records.ts";

const GZIP_MAGIC = [0x1f, 0x8b];

describe("OTLP gzip codec where CompressionStream is missing", { skip: isWorkerd }, () => {
  const global = globalThis as { CompressionStream?: unknown };
  let saved: unknown;
  let receiver: OtlpReceiver;

  beforeEach(async () => {
    saved = global.CompressionStream;
    delete global.CompressionStream;
    receiver = await OtlpReceiver.start();
  });

  afterEach(async () => {
    global.CompressionStream = saved;
    await receiver.close();
  });

  it("compresses with fflate passed as the codec", async () => {
    const raw: Uint8Array[] = [];
    const exporter = new OtlpHttpExporter({
      endpoint: receiver.url,
      compress: (bytes) => {
        const gz = gzipSync(bytes);
        raw.push(gz);
        return Promise.resolve(gz);
      },
    });
    const spans = makeSpanBatch(4);
    assert.equal((await exporter.export(spans)).exported, 4);
    await exporter.shutdown();
    assert.equal(receiver.requests[0].headers["content-encoding"], "gzip");
    assert.deepEqual([...raw[0].subarray(0, 2)], GZIP_MAGIC);
    assertArrived(receiver, spans, 0);
  });

  it("sends uncompressed with a gzip_failed warning when there is no codec at all", async () => {
    const capture = captureDiagnostics();
    try {
      const exporter = new OtlpHttpExporter({ endpoint: receiver.url });
      const spans = makeSpanBatch(3);
      assert.equal((await exporter.export(spans)).exported, 3);
      await exporter.shutdown();
      assert.equal(receiver.requests[0].headers["content-encoding"], undefined);
      assertArrived(receiver, spans, 0);
      assert.ok(capture.list.some((d) => d.code === "gzip_failed" && d.level === "warn"));
    } finally {
      capture.restore();
    }
  });
});
