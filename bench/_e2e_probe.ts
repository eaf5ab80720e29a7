import process from "node:process";
import { gzipSync } from "node:zlib";
import { tracelet } from "/work/main/bench/drivers/tracelet.ts";
import { encodeTracesProtobuf } from "/work/main/src/otlp/encode_protobuf.ts";
let bytes = 0, tEnc = 0, tGz = 0;
const p = tracelet.pipeline((spans) => {
  const a = performance.now();
  const b = encodeTracesProtobuf(spans as any);
  const c = performance.now();
  bytes += gzipSync(b).length;
  tGz += performance.now() - c;
  tEnc += c - a;
});
const t0 = performance.now();
let n = 0;
let tSpans = 0;
let tFlush = 0;
while (performance.now() - t0 < 4000) {
  const a = performance.now();
  p.flat(512);
  const b = performance.now();
  await p.flush();
  tFlush += performance.now() - b;
  tSpans += b - a;
  n++;
}
console.log(
  "per batch ms: total",
  ((performance.now() - t0) / n).toFixed(3),
  "spans",
  (tSpans / n).toFixed(3),
  "flush",
  (tFlush / n).toFixed(3),
  "enc",
  (tEnc / n).toFixed(3),
  "gz",
  (tGz / n).toFixed(3),
  "bytes",
  bytes / n,
);
