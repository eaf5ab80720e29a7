/**
 * End to end (A + encode + gzip): 512 A-flat spans through each side's tracer and batch
 * processor into an exporter that encodes the batch (protobuf, each side's own encoder; tracelet
 * JSON too) and gzips it with `node:zlib`'s `gzipSync`, then discards the bytes. Each side gzips at
 * the level it ships with: tracelet at its presets' level ({@linkcode NODE_GZIP_LEVEL}), and so
 * does C's end-to-end floor, so tracelet and its floor compress alike; OpenTelemetry at zlib's
 * default level 6 (its exporter uses `zlib.createGzip()`). One measured call makes the 512 spans
 * and flushes, so the time covers span work, batching, encoding and compression. The floor
 * (512 span floors + `JSON.stringify` + gzip) takes turns with the sides, round after round.
 *
 * @module
 */
import { gzipSync } from "node:zlib";
import { encodeTracesJson } from "../src/otlp/encode_json.ts";
import { encodeTracesProtobuf } from "../src/otlp/encode_protobuf.ts";
import { NODE_GZIP_LEVEL } from "../src/runtime/_node_gzip.ts";
import type { SpanRecord } from "../src/types.ts";
import { BATCH_SIZE, type OtelSide, type Pipeline, type Side } from "./_driver.ts";
import { type Case, type Mode, type Stat, timeGroup } from "./_stats.ts";
import { floorPipeline } from "./workload_c_floors.ts";

/** zlib's default level, which OpenTelemetry JS's OTLP/HTTP exporter gzips at. */
const OTEL_GZIP_LEVEL = 6;

/** End-to-end numbers per case. */
export interface EndToEndResult {
  readonly stats: Stat[];
  readonly floor: Stat;
  readonly traceletProtobuf: Stat;
  readonly traceletJson: Stat;
}

interface Run {
  readonly name: string;
  pipeline: Pipeline;
  bytes: number;
}

function start(
  name: string,
  side: Side,
  encode: (spans: readonly unknown[]) => Uint8Array,
  level: number,
): Run {
  const run: Run = { name, bytes: 0, pipeline: undefined as unknown as Pipeline };
  run.pipeline = side.pipeline((spans) => {
    run.bytes += gzipSync(encode(spans), { level }).length;
  });
  return run;
}

/**
 * Runs the end-to-end cases.
 *
 * @param tracelet The tracelet side.
 * @param otel The OpenTelemetry sides.
 * @param mode Full or smoke.
 * @returns The measured cases, the floor first.
 */
export async function runEndToEnd(
  tracelet: Side,
  otel: readonly OtelSide[],
  mode: Mode,
): Promise<EndToEndResult> {
  const runs: Run[] = [
    start(
      "tracelet: 512 spans + protobuf + gzip",
      tracelet,
      (spans) => encodeTracesProtobuf(spans as SpanRecord[]),
      NODE_GZIP_LEVEL,
    ),
    start(
      "tracelet: 512 spans + JSON + gzip",
      tracelet,
      (spans) => encodeTracesJson(spans as SpanRecord[]),
      NODE_GZIP_LEVEL,
    ),
    ...otel.map((side) =>
      start(`${side.name}: 512 spans + protobuf + gzip`, side, side.protobuf, OTEL_GZIP_LEVEL)
    ),
  ];
  const opts = { unit: "batch", group: "e2e" };
  const cases: Case[] = [
    { name: "floor (C): 512 A-flat span floors + JSON.stringify + gzip", opts, fn: floorPipeline },
    ...runs.map((run): Case => ({
      name: run.name,
      opts,
      fn: async () => {
        run.pipeline.flat(BATCH_SIZE);
        await run.pipeline.flush();
      },
    })),
  ];
  const stats = await timeGroup(cases, mode);
  for (const run of runs) {
    await run.pipeline.shutdown();
    if (run.bytes === 0) {
      throw new Error(`Cannot trust the end-to-end case ${run.name}: nothing was encoded`);
    }
  }
  return { stats, floor: stats[0], traceletProtobuf: stats[1], traceletJson: stats[2] };
}
