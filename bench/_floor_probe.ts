import { gzipSync } from "node:zlib";
import { floorFlat } from "./workload_c_floors.ts";
import { tracelet } from "./drivers/tracelet.ts";
import { encodeTracesProtobuf } from "../src/otlp/encode_protobuf.ts";
import type { SpanRecord } from "../src/types.ts";
const recs: unknown[] = [];
// capture a floor batch
const orig = floorFlat;
const spans: SpanRecord[] = [];
const p = tracelet.pipeline((s) => {
  for (const x of s) spans.push(x as SpanRecord);
});
p.flat(512);
await p.shutdown();
const body = encodeTracesProtobuf(spans);
function t(name: string, fn: () => unknown) {
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 1500) {
    fn();
    n++;
  }
  console.log(name.padEnd(30), ((performance.now() - t0) * 1000 / n).toFixed(0), "µs");
}
const m = await import("./workload_c_floors.ts");
const batch = (m as any).floorBatch ? null : null;
let last: unknown[] = [];
t("floor 512 spans", () => floorFlat(512));
// build a floor batch of flat spans for stringify
const arr: unknown[] = [];
for (let i = 0; i < 512; i++) {
  arr.push({
    traceId: "0123456789abcdef0123456789abcdef",
    spanId: "0123456789abcdef",
    parentSpanId: undefined,
    name: "GET /api/v1/items",
    startTime: performance.now(),
    endTime: performance.now(),
    attributes: {
      "http.request.method": "GET",
      "url.path": "/api/v1/items",
      "http.response.status_code": 200,
      "server.port": 8080,
      "cache.hit": true,
      "sampling.ratio": 0.25,
    },
    event: "cache.lookup",
  });
}
const json = new TextEncoder().encode(JSON.stringify(arr));
t("stringify floor", () => JSON.stringify(arr));
t("gzip floor json " + json.length, () => gzipSync(json));
t("gzip tracelet pb " + body.length, () => gzipSync(body));
t("gzip tracelet pb level1", () => gzipSync(body, { level: 1 }));
