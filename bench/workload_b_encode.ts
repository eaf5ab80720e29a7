/**
 * Workload B, export encoding of one 512-span batch like A (44 A-trees + 28 A-flat spans),
 * recorded by each side's own SDK from the same calls, then given the same ids, times and resource
 * so every encoder writes identical data: tracelet's OTLP protobuf and JSON
 * encoders against `@opentelemetry/otlp-transformer`'s `ProtobufTraceSerializer` and
 * `JsonTraceSerializer` (2.x pairing 0.223.1, 3.x pairing 0.301.1), each alone and + the same
 * `node:zlib` gzip. The JSON floor is `JSON.stringify` of the very document tracelet emits.
 * `CompressionStream` and async `node:zlib` are measured too, as the codec seam's options.
 *
 * @module
 */
import { gzip, gzipSync } from "node:zlib";
import { encodeTracesJson, toOtlpJson } from "../src/otlp/encode_json.ts";
import { encodeTracesProtobuf } from "../src/otlp/encode_protobuf.ts";
import type { SpanRecord } from "../src/types.ts";
import { BATCH_SIZE, type OtelSide, type Side } from "./_driver.ts";
import { type Mode, type Stat, time } from "./_stats.ts";

/** Workload B's numbers that the targets use. */
export interface EncodeResult {
  readonly stats: Stat[];
  readonly traceletProtobuf: Stat;
  readonly traceletJson: Stat;
  readonly otelProtobuf: Stat[];
  readonly otelJson: Stat[];
  readonly stringifyDoc: Stat;
  readonly stringifyDocUtf8: Stat;
  /** Bytes per span: raw and gzipped, per encoder name. */
  readonly sizes: Map<string, { raw: number; gz: number }>;
}

function gzipAsync(bytes: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => gzip(bytes, (e, r) => (e ? reject(e) : resolve(r))));
}

async function compressionStream(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function sizeColumns(raw: Uint8Array, seconds: number): Record<string, string> {
  const gz = gzipSync(raw);
  return {
    "bytes/span raw": (raw.length / BATCH_SIZE).toFixed(1),
    "bytes/span gz": (gz.length / BATCH_SIZE).toFixed(1),
    "MB/s (raw)": seconds > 0 ? (raw.length / 1e6 / seconds).toFixed(0) : "",
  };
}

/**
 * Runs workload B.
 *
 * @param tracelet The tracelet side.
 * @param otel The OpenTelemetry sides.
 * @param mode Full or smoke.
 * @returns The measured cases.
 */
export async function runEncode(
  tracelet: Side,
  otel: readonly OtelSide[],
  mode: Mode,
): Promise<EncodeResult> {
  const spans = (await tracelet.recordBatch()) as SpanRecord[];
  const otelSpans: unknown[][] = [];
  for (const side of otel) otelSpans.push(side.align(await side.recordBatch(), spans));
  const sizes = new Map<string, { raw: number; gz: number }>();
  const stats: Stat[] = [];

  // Measure, then attach sizes and throughput computed from the measured median.
  async function encodeCase(name: string, group: string, fn: () => Uint8Array): Promise<Stat> {
    const bytes = fn();
    const s = await time(name, { unit: "batch", group }, fn, mode);
    const out: Stat = { ...s, extra: sizeColumns(bytes, s.median / 1e9) };
    sizes.set(name, { raw: bytes.length / BATCH_SIZE, gz: gzipSync(bytes).length / BATCH_SIZE });
    stats.push(out);
    return out;
  }

  const traceletProtobuf = await encodeCase(
    "tracelet protobuf",
    "protobuf",
    () => encodeTracesProtobuf(spans),
  );
  const otelProtobuf: Stat[] = [];
  for (let i = 0; i < otel.length; i++) {
    const side = otel[i];
    otelProtobuf.push(
      await encodeCase(
        `${side.transformer} protobuf`,
        "protobuf",
        () => side.protobuf(otelSpans[i]),
      ),
    );
  }
  const traceletJson = await encodeCase("tracelet JSON", "json", () => encodeTracesJson(spans));
  const otelJson: Stat[] = [];
  for (let i = 0; i < otel.length; i++) {
    const side = otel[i];
    otelJson.push(
      await encodeCase(`${side.transformer} JSON`, "json", () => side.json(otelSpans[i])),
    );
  }
  // The floor: the same document tracelet writes, as plain objects, through JSON.stringify.
  const doc = JSON.parse(JSON.stringify(toOtlpJson(spans)));
  const utf8 = new TextEncoder();
  const stringifyDoc = await time(
    "floor: JSON.stringify(same OTLP document)",
    { unit: "batch", group: "json" },
    () => JSON.stringify(doc),
    mode,
  );
  stats.push(stringifyDoc);
  const stringifyDocUtf8 = await encodeCase(
    "floor: JSON.stringify + UTF-8 (same OTLP document)",
    "json",
    () => utf8.encode(JSON.stringify(doc)),
  );

  // Encode + the same gzip on every side.
  stats.push(
    await time(
      "tracelet protobuf + gzip",
      { unit: "batch", group: "protobuf+gzip" },
      () => gzipSync(encodeTracesProtobuf(spans)),
      mode,
    ),
  );
  for (let i = 0; i < otel.length; i++) {
    const side = otel[i];
    stats.push(
      await time(
        `${side.transformer} protobuf + gzip`,
        { unit: "batch", group: "protobuf+gzip" },
        () => gzipSync(side.protobuf(otelSpans[i])),
        mode,
      ),
    );
  }
  stats.push(
    await time(
      "tracelet JSON + gzip",
      { unit: "batch", group: "json+gzip" },
      () => gzipSync(encodeTracesJson(spans)),
      mode,
    ),
  );
  for (let i = 0; i < otel.length; i++) {
    const side = otel[i];
    stats.push(
      await time(
        `${side.transformer} JSON + gzip`,
        { unit: "batch", group: "json+gzip" },
        () => gzipSync(side.json(otelSpans[i])),
        mode,
      ),
    );
  }

  // The codec seam: the same protobuf body through each gzip implementation.
  const body = encodeTracesProtobuf(spans);
  stats.push(
    await time(
      "gzip protobuf body: node:zlib gzipSync",
      { unit: "batch", group: "codec" },
      () => gzipSync(body),
      mode,
    ),
  );
  stats.push(
    await time(
      "gzip protobuf body: node:zlib gzip (async)",
      { unit: "batch", group: "codec" },
      () => gzipAsync(body),
      mode,
    ),
  );
  if (typeof CompressionStream === "function") {
    stats.push(
      await time(
        "gzip protobuf body: CompressionStream",
        { unit: "batch", group: "codec" },
        () => compressionStream(body),
        mode,
      ),
    );
  }
  return {
    stats,
    traceletProtobuf,
    traceletJson,
    otelProtobuf,
    otelJson,
    stringifyDoc,
    stringifyDocUtf8,
    sizes,
  };
}
