/**
 * End to end (A + encode + gzip): 512 A-flat spans through each side's tracer and batch
 * processor into an exporter that encodes the batch (protobuf, each side's own encoder) and
 * gzips it with the same `node:zlib` call, then discards the bytes. One measured call makes the
 * 512 spans and flushes, so the time covers span work, batching, encoding and compression.
 * Compared with C's end-to-end floor (512 span floors + `JSON.stringify` + gzip).
 *
 * @module
 */
import { gzipSync } from "node:zlib";
import { encodeTracesJson } from "../src/otlp/encode_json.ts";
import { encodeTracesProtobuf } from "../src/otlp/encode_protobuf.ts";
import type { SpanRecord } from "../src/types.ts";
import { BATCH_SIZE, type OtelSide, type Side } from "./_driver.ts";
import { type Mode, type Stat, time } from "./_stats.ts";

/** End-to-end numbers per case. */
export interface EndToEndResult {
  readonly stats: Stat[];
  readonly traceletProtobuf: Stat;
  readonly traceletJson: Stat;
}

async function measure(
  name: string,
  side: Side,
  encode: (spans: readonly unknown[]) => Uint8Array,
  mode: Mode,
): Promise<Stat> {
  let bytes = 0;
  const p = side.pipeline((spans) => {
    bytes += gzipSync(encode(spans)).length;
  });
  const stat = await time(name, { unit: "batch", group: "e2e" }, async () => {
    p.flat(BATCH_SIZE);
    await p.flush();
  }, mode);
  await p.shutdown();
  if (bytes === 0) throw new Error(`Cannot trust the end-to-end case ${name}: nothing was encoded`);
  return stat;
}

/**
 * Runs the end-to-end cases.
 *
 * @param tracelet The tracelet side.
 * @param otel The OpenTelemetry sides.
 * @param mode Full or smoke.
 * @returns The measured cases.
 */
export async function runEndToEnd(
  tracelet: Side,
  otel: readonly OtelSide[],
  mode: Mode,
): Promise<EndToEndResult> {
  const traceletProtobuf = await measure(
    "tracelet: 512 spans + protobuf + gzip",
    tracelet,
    (spans) => encodeTracesProtobuf(spans as SpanRecord[]),
    mode,
  );
  const traceletJson = await measure(
    "tracelet: 512 spans + JSON + gzip",
    tracelet,
    (spans) => encodeTracesJson(spans as SpanRecord[]),
    mode,
  );
  const stats = [traceletProtobuf, traceletJson];
  for (const side of otel) {
    stats.push(
      await measure(`${side.name}: 512 spans + protobuf + gzip`, side, side.protobuf, mode),
    );
  }
  return { stats, traceletProtobuf, traceletJson };
}
