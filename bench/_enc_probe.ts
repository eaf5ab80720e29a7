import { tracelet } from "./drivers/tracelet.ts";
import { encodeTracesProtobuf } from "../src/otlp/encode_protobuf.ts";
import { encodeTracesJson } from "../src/otlp/encode_json.ts";
import type { SpanRecord } from "../src/types.ts";
const which = process.argv[2] ?? "pb";
const spans: SpanRecord[] = [];
const p = tracelet.pipeline((s) => {
  for (const x of s) spans.push(x as SpanRecord);
});
p.flat(512);
await p.shutdown();
const enc = which === "json" ? encodeTracesJson : encodeTracesProtobuf;
const t0 = performance.now();
let n = 0, bytes = 0;
while (performance.now() - t0 < 3000) {
  bytes += enc(spans).length;
  n++;
}
console.log(
  which,
  ((performance.now() - t0) * 1000 / n).toFixed(1),
  "µs per 512 flat spans,",
  (bytes / n / 512).toFixed(0),
  "B/span",
);
