import { tracelet } from "/work/main/bench/drivers/tracelet.ts";
import { otel2 } from "/work/main/bench/drivers/otel2.ts";
import { otel3 } from "/work/main/bench/otel3/driver.ts";
import { runSpans } from "/work/main/bench/workload_a_spans.ts";
import { runFloors } from "/work/main/bench/workload_c_floors.ts";
import { fmtNs, renderSection } from "/work/main/bench/_stats.ts";
const mode = (process.argv[2] ?? "smoke") as "smoke";
const f = await runFloors(mode);
console.log(renderSection(f.section));
for (const r of await runSpans([tracelet, otel2, otel3], mode)) {
  console.log(r.side.name, fmtNs(r.flat.median), fmtNs(r.tree.median), fmtNs(r.flat.mean));
}
