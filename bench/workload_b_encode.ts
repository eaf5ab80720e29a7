/**
 * Workload B, export encoding of one 512-span batch like A (44 A-trees + 28 A-flat spans),
 * recorded by each side's own SDK from the same calls, then given the same ids, times and
 * resource so every encoder writes identical data: tracelet's OTLP protobuf and JSON encoders
 * against `@opentelemetry/otlp-transformer`'s `ProtobufTraceSerializer` and `JsonTraceSerializer`
 * (2.x pairing 0.223.1, 3.x pairing 0.301.1), each alone and + the same `node:zlib` gzip. The
 * JSON floor is `JSON.stringify` of the very document tracelet emits. `CompressionStream` and
 * async `node:zlib` are measured too, as the codec seam's options. The cases of each group take
 * turns, round after round.
 *
 * @module
 */
import { gzipSync } from "node:zlib";
import { encodeTracesJson } from "../src/otlp/encode_json.ts";
import { encodeTracesProtobuf } from "../src/otlp/encode_protobuf.ts";
import { NODE_GZIP_LEVEL, nodeGzip } from "../src/runtime/_node_gzip.ts";
import type { SpanRecord } from "../src/types.ts";
import { BATCH_SIZE, type OtelSide, type Side } from "./_driver.ts";
import { type Case, type Mode, type Stat, timeGroup } from "./_stats.ts";

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

async function compressionStream(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
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

  /** An encoding case; its size columns come from one run of `fn`. */
  function encodeCase(name: string, group: string, fn: () => Uint8Array): Case {
    const bytes = fn();
    sizes.set(name, { raw: bytes.length / BATCH_SIZE, gz: gzipSync(bytes).length / BATCH_SIZE });
    return { name, opts: { unit: "batch", group }, fn };
  }
  /** A case of `fn` followed by the same gzip on every side. */
  function gzipCase(name: string, group: string, fn: () => Uint8Array): Case {
    return { name, opts: { unit: "batch", group }, fn: () => gzipSync(fn()) };
  }
  /** Measures a group; encoding cases get the size and MB/s columns. */
  async function group(cases: Case[]): Promise<Stat[]> {
    const measured = await timeGroup(cases, mode);
    const out = measured.map((s): Stat => {
      const size = sizes.get(s.name);
      if (size === undefined) return s;
      const seconds = s.median / 1e9;
      return {
        ...s,
        extra: {
          "bytes/span raw": size.raw.toFixed(1),
          "bytes/span gz": size.gz.toFixed(1),
          "MB/s (raw)": seconds > 0 ? (size.raw * BATCH_SIZE / 1e6 / seconds).toFixed(0) : "",
        },
      };
    });
    stats.push(...out);
    return out;
  }

  const [traceletProtobuf, ...otelProtobuf] = await group([
    encodeCase("tracelet protobuf", "protobuf", () => encodeTracesProtobuf(spans)),
    ...otel.map((side, i) =>
      encodeCase(`${side.transformer} protobuf`, "protobuf", () => side.protobuf(otelSpans[i]))
    ),
  ]);
  // The floor: the same document tracelet writes, as plain objects, through JSON.stringify.
  const doc = JSON.parse(new TextDecoder().decode(encodeTracesJson(spans)));
  const utf8 = new TextEncoder();
  const json = await group([
    encodeCase("tracelet JSON", "json", () => encodeTracesJson(spans)),
    ...otel.map((side, i) =>
      encodeCase(`${side.transformer} JSON`, "json", () => side.json(otelSpans[i]))
    ),
    {
      name: "floor: JSON.stringify(same OTLP document)",
      opts: { unit: "batch", group: "json" },
      fn: () => JSON.stringify(doc),
    },
    encodeCase(
      "floor: JSON.stringify + UTF-8 (same OTLP document)",
      "json",
      () => utf8.encode(JSON.stringify(doc)),
    ),
  ]);
  const traceletJson = json[0];
  const otelJson = json.slice(1, 1 + otel.length);
  const stringifyDoc = json[1 + otel.length];
  const stringifyDocUtf8 = json[2 + otel.length];

  // Encode + the same gzip on every side.
  await group([
    gzipCase("tracelet protobuf + gzip", "protobuf+gzip", () => encodeTracesProtobuf(spans)),
    ...otel.map((side, i) =>
      gzipCase(
        `${side.transformer} protobuf + gzip`,
        "protobuf+gzip",
        () => side.protobuf(otelSpans[i]),
      )
    ),
  ]);
  await group([
    gzipCase("tracelet JSON + gzip", "json+gzip", () => encodeTracesJson(spans)),
    ...otel.map((side, i) =>
      gzipCase(`${side.transformer} JSON + gzip`, "json+gzip", () => side.json(otelSpans[i]))
    ),
  ]);

  // The codec seam: the same protobuf body through each gzip implementation.
  const body = encodeTracesProtobuf(spans);
  const codec = (level?: number) => ({
    unit: "batch",
    group: "codec",
    extra: { "bytes/span gz": (gzipSync(body, { level }).length / BATCH_SIZE).toFixed(1) },
  });
  const codecs: Case[] = [
    {
      name: "gzip protobuf body: node:zlib gzipSync, level 6 (zlib's default)",
      opts: codec(6),
      fn: () => gzipSync(body, { level: 6 }),
    },
    {
      name: `gzip protobuf body: node:zlib gzipSync, level ${NODE_GZIP_LEVEL} (tracelet's presets)`,
      opts: codec(NODE_GZIP_LEVEL),
      fn: () => gzipSync(body, { level: NODE_GZIP_LEVEL }),
    },
    {
      name:
        `gzip protobuf body: the presets' codec (node:zlib async gzip, level ${NODE_GZIP_LEVEL})`,
      opts: codec(NODE_GZIP_LEVEL),
      fn: () => nodeGzip(body),
    },
  ];
  if (typeof CompressionStream === "function") {
    codecs.push({
      name: "gzip protobuf body: CompressionStream",
      opts: { unit: "batch", group: "codec" },
      fn: () => compressionStream(body),
    });
  }
  await group(codecs);
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
