// The README's first command, `npm ci && npm run demo`, runs examples/agent_workflow.ts: a traced
// agent workflow (task API and agent spans in one pipeline) that writes its run's spans and
// artifacts as local JSONL. Run here on each runtime (Deno: `deno run -A`, as its header says) so
// the example cannot rot: every step is a span, parented as the workflow nests
// them, and the secret it logs as a parameter is written redacted. Not in workerd (no processes).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot, runChildModule } from "./_support/child_module.ts";
import { withTempDir } from "./_support/files.ts";
import { isWorkerd } from "./_support/runtime.ts";

/** The fields of a `spans.jsonl` line read here. */
interface Line {
  name: string;
  trace_id: string;
  span_id: string;
  parent_id: string | null;
  attributes: Record<string, unknown>;
}

describe("the demo (npm run demo)", { skip: isWorkerd }, () => {
  it("writes the workflow's spans, nested as it runs, and its artifact as JSONL, the secret redacted", () =>
    withTempDir("tracelet-demo-", async (home) => {
      const script = join(repoRoot(), "examples", "agent_workflow.ts");
      const { code, stderr } = await runChildModule(script, { TRACELET_HOME: home });
      assert.equal(code, 0, stderr);
      const runs = await readdir(join(home, "projects", "demo"));
      assert.equal(runs.length, 1, `one run: ${runs}`);
      const dir = join(home, "projects", "demo", runs[0]);
      const text = await readFile(join(dir, "spans.jsonl"), "utf8");
      const lines: Line[] = text.trim().split("\n").map((line) => JSON.parse(line));
      const byName = new Map(lines.map((line) => [line.name, line]));
      const parentOf = (name: string) => {
        const line = byName.get(name);
        assert.ok(line, `a span named ${name} in ${[...byName.keys()]}`);
        return lines.find((other) => other.span_id === line.parent_id)?.name;
      };
      assert.deepEqual(
        ["plan", "execute_tool search", "chat demo-model-1", "invoke_agent researcher"].map(
          parentOf,
        ),
        [
          "invoke_agent researcher",
          "invoke_agent researcher",
          "invoke_agent researcher",
          "research-agent",
        ],
      );
      assert.equal(parentOf("search"), "execute_tool search");
      // The run is the one root: the agent trace it starts joins the run's trace as its child
      // (the agent trace keeps its own agent trace id), so every span is in one trace.
      const roots = lines.filter((line) => line.parent_id === null).map((line) => line.name);
      assert.deepEqual(roots, ["research"]);
      assert.equal(parentOf("research-agent"), "research");
      const runTrace = byName.get("research")!.trace_id;
      assert.ok(lines.every((line) => line.trace_id === runTrace), "one distributed trace");
      assert.ok(!text.includes("sk-demo-never-written"), "the logged api_key is redacted");
      const artifacts = await readFile(join(dir, "artifacts.jsonl"), "utf8");
      assert.match(artifacts, /report\.md/);
    }));
});
