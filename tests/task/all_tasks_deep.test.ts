import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { run, runSpanToGraph, taskSpan, taskSpanToGraph } from "../../src/task/mod.ts";
import type { TaskSpan } from "../../src/task/mod.ts";
import * as root from "../../mod.ts";
import { withTaskEnv } from "../_support/task_env.ts";

describe("task tree", () => {
  it("lists every task of a chain nested far deeper than the call stack", async () => {
    await withTaskEnv(() => {
      const depth = 50_000;
      run("r", {}, (r) => {
        const chain: TaskSpan[] = [];
        let parent: TaskSpan = r;
        for (let i = 0; i < depth; i++) {
          parent = taskSpan(`t${i}`, { parent });
          chain.push(parent);
        }
        const all = r.allTasks;
        assert.equal(all.length, depth);
        assert.equal(all[0], chain[0]);
        assert.equal(all[depth - 1], chain[depth - 1]);
        for (let i = chain.length - 1; i >= 0; i--) chain[i].end();
      });
    });
  });

  it("keeps depth-first pre-order, children in start order", async () => {
    await withTaskEnv(() => {
      run("r", {}, (r) => {
        taskSpan("a", {}, () => {
          taskSpan("a1", {}, () => taskSpan("a1x", {}, () => {}));
          taskSpan("a2", {}, () => {});
        });
        taskSpan("b", {}, () => taskSpan("b1", {}, () => {}));
        assert.deepEqual(r.allTasks.map((t) => t.name), ["a", "a1", "a1x", "a2", "b", "b1"]);
        const graph = taskSpanToGraph(r);
        assert.deepEqual(graph.nodes.slice(1).map((n) => n.name), r.allTasks.map((t) => t.name));
      });
    });
  });

  it("exports dreadnode's run_span_to_graph alias as runSpanToGraph", async () => {
    await withTaskEnv(() => {
      const r = run("r", {}, (r) => {
        taskSpan("a", {}, () => {});
        return r;
      });
      assert.deepEqual(runSpanToGraph(r), taskSpanToGraph(r));
      assert.equal(runSpanToGraph(r).nodes.length, 2);
      assert.equal(root.runSpanToGraph, runSpanToGraph, "exported from the package root too");
    });
  });
});
