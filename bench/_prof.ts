import { setImmediate } from "node:timers";
import { tracelet } from "./drivers/tracelet.ts";
import { otel2 } from "./drivers/otel2.ts";
import { floorFlat } from "./workload_c_floors.ts";
const which = process.argv[2] ?? "tracelet";
const p = which === "otel2" ? otel2.pipeline(() => {}) : tracelet.pipeline(() => {});
const turn = () => new Promise((r) => setImmediate(r));
const t0 = performance.now();
let n = 0;
while (performance.now() - t0 < 4000) {
  if (which === "floor") floorFlat(1024);
  else p.flat(1024);
  n += 1024;
  await turn();
}
console.log(which, ((performance.now() - t0) * 1e6 / n).toFixed(0), "ns/span");
