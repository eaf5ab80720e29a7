// Two requests already waiting when a process's first imperative run begins get a run and a trace
// file each. On Node 20 (before AsyncContextFrame) the flow store switched on at the first run
// left work already waiting in one flow: the second request's run nested in the first's file,
// with no warning (a design_research_agents porting trial). An EventTracer now switches the store
// on when it is created. A fresh child process makes that first run: in the test process, the
// runner's own async hooks are already on and hide the problem.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot, runChildSourceIn } from "../_support/child_module.ts";
import { withTempDir } from "../_support/files.ts";
import { hasFileSystem, isDeno } from "../_support/runtime.ts";

/** The child: the runtime's preset, an EventTracer, two requests that wait, then start runs. */
function childSource(root: string, out: string): string {
  const preset = JSON.stringify(join(repoRoot(), "src", "runtime", isDeno ? "deno.ts" : "node.ts"));
  return `
import * as t from ${preset};
import { join } from "node:path";
const tracing = t.configure({ storageRoot: ${JSON.stringify(root)}, project: "p", local: false });
const tracer = new t.EventTracer({ traceDir: "traces", enableConsole: false });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function request(id: string, wait: number, hold: number) {
  await sleep(wait); // waiting before any run exists in the process
  const scope = t.startTraceRun({ agentName: id, requestId: id, tracer });
  await sleep(hold);
  t.emitGuardrailDecision({ guardrail: id, decision: "allow", reason: "ok" });
  await t.finishTraceRun(scope, { result: { success: true } });
}
await Promise.all([request("R1", 5, 40), request("R2", 15, 5)]);
await tracing.shutdown();
const fs = await import("node:fs");
const dir = ${JSON.stringify(join(root, "traces"))};
const files: Record<string, string[]> = {};
for (const name of fs.readdirSync(dir)) {
  files[name.replace(/^run_\\d+T\\d+Z_/, "").replace(".jsonl", "")] = fs.readFileSync(join(dir, name), "utf8")
    .split("\\n").filter(Boolean).map((line: string) => {
      const e = JSON.parse(line);
      return \`\${e.event_type} \${e.attributes.agent ?? e.attributes.guardrail ?? ""}\`;
    });
}
fs.writeFileSync(${JSON.stringify(out)}, JSON.stringify(files));
`;
}

describe("requests waiting when the process's first run begins", { skip: !hasFileSystem }, () => {
  it("each get their own run and trace file", async () => {
    await withTempDir("tracelet-first-run-", async (dir) => {
      const out = join(dir, "out.json");
      const child = await runChildSourceIn(dir, childSource(join(dir, "root"), out));
      assert.equal(child.code, 0, child.stderr);
      const files = JSON.parse(await readFile(out, "utf8"));
      assert.deepEqual(Object.keys(files).sort(), ["R1", "R2"], "a trace file per request");
      for (const id of ["R1", "R2"]) {
        assert.deepEqual(files[id], [
          `RunStarted ${id}`,
          `GuardrailDecision ${id}`,
          "RunFinished ",
        ]);
      }
    });
  });
});
