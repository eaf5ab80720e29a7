import { measure } from "mitata";
import { Tracer } from "../src/tracer.ts";
import { BatchSpanProcessor } from "../src/processor/batch.ts";
import { newSpanId, newTraceId } from "../src/ids.ts";
import { nowNs } from "../src/clock.ts";
const noop = new Tracer({ serviceName: "b" });
const bsp = new BatchSpanProcessor({
  export: (s) =>
    Promise.resolve({ exported: s.length, retried: 0, persisted: 0, dropped: {}, failed: 0 }),
}, { maxQueueSize: 1 << 30, maxBatchSize: 1 << 20, exportTriggerSize: 1 << 20, timers: false });
const batched = new Tracer({ serviceName: "b", processors: [bsp] });
const sink: unknown[] = [];
let k = 0;
const A = () => ({
  "http.request.method": "GET",
  "url.path": "/api/v1/items",
  "http.response.status_code": 200,
  "server.port": 8080,
  "cache.hit": true,
  "sampling.ratio": 0.25,
});
const cases: Array<[string, () => void]> = [
  ["ids", () => {
    sink[k++ & 1023] = newTraceId();
    sink[k++ & 1023] = newSpanId();
  }],
  ["nowNs x3", () => {
    sink[k++ & 1023] = nowNs() + nowNs() + nowNs();
  }],
  ["bare start+end (no processor)", () => {
    const s = noop.startSpan("x");
    s.end();
    sink[k++ & 1023] = s;
  }],
  ["+attrs (no processor)", () => {
    const s = noop.startSpan("x", { attributes: A() });
    s.end();
    sink[k++ & 1023] = s;
  }],
  ["+attrs+event (no processor)", () => {
    const s = noop.startSpan("x", { attributes: A() });
    s.addEvent("e");
    s.end();
    sink[k++ & 1023] = s;
  }],
  ["+attrs+event (batch, no export)", () => {
    const s = batched.startSpan("x", { attributes: A() });
    s.addEvent("e");
    s.end();
    if (bsp.queueLength > 100000) void bsp.forceFlush();
  }],
];
for (let r = 0; r < 2; r++) {
  for (const [name, fn] of cases) {
    const s = await measure(fn);
    console.log(name.padEnd(34), s.p50.toFixed(0), "ns  avg", s.avg.toFixed(0));
  }
}
