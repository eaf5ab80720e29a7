import { runMemory } from "./workload_d_memory.ts";
import { renderSection } from "./_stats.ts";
const r = await runMemory((process.argv[2] ?? "smoke") as "smoke");
console.log(renderSection(r.section));
