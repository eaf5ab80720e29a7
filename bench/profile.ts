// Profiling harness (not part of the bench run): runs one side's A-flat loop for 4 s and prints
// wall and CPU ns per span. Use with `node --cpu-prof --import ./bench/_node_loader.mjs` or
// `deno run -A --cpu-prof`. Shape `e2e` runs the end-to-end case instead: 512 A-flat spans, an
// exporter that encodes protobuf (tracelet's encoder; the side's own for otel) and gzips, flush.
import process from "node:process";
import { setImmediate } from "node:timers";
import { gzipSync } from "node:zlib";
import { encodeTracesProtobuf } from "../src/otlp/encode_protobuf.ts";
import { NODE_GZIP_LEVEL } from "../src/runtime/_node_gzip.ts";
import type { SpanRecord } from "../src/types.ts";
import type { OtelSide } from "./_driver.ts";
import { tracelet } from "./drivers/tracelet.ts";
import { otel2 } from "./drivers/otel2.ts";
import { otel3 } from "./otel3/driver.ts";
import { floorFlat, floorPipeline } from "./workload_c_floors.ts";

const which = process.argv[2] ?? "tracelet";
const shape = process.argv[3] ?? "flat";
const side = which === "otel2" ? otel2 : which === "otel3" ? otel3 : tracelet;
const encode = side === tracelet
  ? (spans: readonly unknown[]) => encodeTracesProtobuf(spans as SpanRecord[])
  : (side as OtelSide).protobuf;
// Each side gzips at the level it ships with, as in the benchmark's end-to-end cases.
const level = side === tracelet ? NODE_GZIP_LEVEL : 6;
const p = side.pipeline(shape === "e2e" ? (spans) => gzipSync(encode(spans), { level }) : () => {});
const turn = () => new Promise((r) => setImmediate(r));
const t0 = performance.now();
const c0 = process.cpuUsage();
let n = 0;
while (performance.now() - t0 < 4000) {
  if (which === "floor" && shape === "e2e") floorPipeline();
  else if (which === "floor") floorFlat(1024);
  else if (shape === "e2e") {
    p.flat(512);
    await p.flush();
  } else if (shape === "tree") p.tree(100);
  else p.flat(1024);
  n += shape === "tree" ? 1100 : shape === "e2e" ? 512 : 1024;
  await turn();
}
const c = process.cpuUsage(c0);
console.log(
  which,
  shape,
  ((performance.now() - t0) * 1e6 / n).toFixed(0),
  "ns/span wall,",
  (((c.user + c.system) * 1e3) / n).toFixed(0),
  "ns/span cpu",
);
