import { tracelet } from "/work/main/bench/drivers/tracelet.ts";
import { otel3 } from "/work/main/bench/otel3/driver.ts";
import { encodeTracesProtobuf } from "/work/main/src/otlp/encode_protobuf.ts";
import { encodeTracesJson, toOtlpJson } from "/work/main/src/otlp/encode_json.ts";
const spans: any = await tracelet.recordBatch();
const os = otel3.align(await otel3.recordBatch(), spans);
function bench(name: string, fn: () => unknown) {
  for (let i = 0; i < 300; i++) fn();
  const N = 500; const t = performance.now();
  for (let i = 0; i < N; i++) fn();
  console.log(name.padEnd(30), ((performance.now() - t) / N).toFixed(3), "ms");
}
bench("tracelet pb", () => encodeTracesProtobuf(spans));
bench("otel3 pb", () => otel3.protobuf(os));
bench("tracelet json", () => encodeTracesJson(spans));
bench("otel3 json", () => otel3.json(os));
const doc = toOtlpJson(spans);
bench("stringify floor", () => JSON.stringify(doc));
bench("toOtlpJson", () => toOtlpJson(spans));
const enc = new TextEncoder();
bench("stringify+utf8", () => enc.encode(JSON.stringify(doc)));
const s = JSON.stringify(doc);
let buf = new Uint8Array(s.length * 3);
bench("encode", () => enc.encode(s));
bench("encodeInto+slice", () => { const r = enc.encodeInto(s, buf); return buf.slice(0, r.written); });
bench("blob", () => new Blob([s]));
