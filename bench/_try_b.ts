import { tracelet } from "./drivers/tracelet.ts";
import { otel2 } from "./drivers/otel2.ts";
import { otel3 } from "./otel3/driver.ts";
import { runEncode } from "./workload_b_encode.ts";
import { renderSection } from "./_stats.ts";
const r = await runEncode(tracelet, [otel2, otel3], (process.argv[2] ?? "smoke") as "smoke");
console.log(renderSection({ title: "B", notes: [], stats: r.stats, targets: [] }));
