import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  airtAttributes,
  run,
  studySpan,
  taskSpan,
  taskSpanToGraph,
  toDot,
  toMermaid,
  trialSpan,
} from "../../src/task/mod.ts";
import { withTaskEnv } from "../_support/task_env.ts";

describe("taskSpanToGraph", () => {
  it("keys every node and edge by span id (the root appears once)", async () => {
    await withTaskEnv(() => {
      const graph = run("root", {}, (root) => {
        taskSpan("a", {}, () => taskSpan("a1", {}, () => {}));
        try {
          taskSpan("b", {}, () => {
            throw new Error("no");
          });
        } catch { /* recorded */ }
        const g = taskSpanToGraph(root);
        assert.equal(g.nodes[0].status, "running");
        return { g, root };
      });
      const { g, root } = graph;
      assert.deepEqual(g.nodes.map((n) => n.name), ["root", "a", "a1", "b"]);
      assert.equal(new Set(g.nodes.map((n) => n.id)).size, 4, "no duplicate root");
      assert.equal(g.nodes[0].id, root.spanId);
      assert.equal(g.nodes[0].taskId, root.taskId);
      const [a, a1, b] = root.allTasks;
      assert.deepEqual(g.edges, [
        { from: root.spanId, to: a.spanId },
        { from: a.spanId, to: a1.spanId },
        { from: root.spanId, to: b.spanId },
      ]);
      assert.equal(g.nodes.find((n) => n.name === "b")?.status, "failed");
      assert.equal(g.nodes.find((n) => n.name === "a1")?.status, "completed");
      assert.deepEqual(JSON.parse(JSON.stringify(g)), g, "plain JSON");
    });
  });

  it("does not throw on a very deep chain of tasks (keeps depth-first pre-order)", () => {
    const depth = 100_000;
    const make = (i: number) => ({
      spanId: i.toString(16).padStart(16, "0"),
      taskId: `t${i}`,
      name: `n${i}`,
      label: "",
      type: "task",
      tags: [],
      startTime: 0,
      endTime: 0,
      duration: 0,
      failed: false,
      active: false,
      tasks: [] as unknown[],
    });
    const root = make(0);
    let current = root;
    for (let i = 1; i < depth; i++) {
      const child = make(i);
      current.tasks.push(child);
      current = child;
    }
    root.tasks.push(make(depth)); // a second child of the root comes after the whole chain
    const g = taskSpanToGraph(root as unknown as Parameters<typeof taskSpanToGraph>[0]);
    assert.equal(g.nodes.length, depth + 1);
    assert.equal(g.edges.length, depth);
    assert.deepEqual(g.nodes.slice(0, 3).map((n) => n.name), ["n0", "n1", "n2"]);
    assert.equal(g.nodes[depth - 1].name, `n${depth - 1}`);
    assert.equal(g.nodes[depth].name, `n${depth}`);
    assert.deepEqual(g.edges[depth - 1], { from: root.spanId, to: make(depth).spanId });
  });

  it("renders DOT and Mermaid with escaped labels", async () => {
    await withTaskEnv(() => {
      const g = run('say "hi"', {}, (r) => {
        taskSpan("child<x>", {}, () => {});
        return taskSpanToGraph(r);
      });
      const dot = toDot(g);
      assert.ok(dot.startsWith('digraph "tasks" {'));
      assert.ok(dot.includes('say \\"hi\\"'));
      assert.ok(dot.includes(`"${g.nodes[0].id}" -> "${g.nodes[1].id}";`));
      const mermaid = toMermaid(g);
      assert.ok(mermaid.startsWith("flowchart TD"));
      assert.ok(mermaid.includes("n0 --> n1")); // nodes named by position, never by id text
      assert.ok(!mermaid.includes("<x>") && mermaid.includes("#60;x#62;"));
      assert.ok(!mermaid.includes('"hi"'));
    });
  });
});

describe("studySpan / trialSpan", () => {
  it("adds every non-null AIRT field without gates", async () => {
    await withTaskEnv(async (env) => {
      const runId = studySpan("jailbreak", {
        targetModel: "gpt-4o",
        evaluatorModel: null,
        tags: ["airt"],
      }, (study) => {
        assert.equal(study.name, "study:jailbreak");
        assert.equal(study.type, "study");
        assert.equal(study.studyId, study.taskId);
        trialSpan(
          "0123456789abcdef",
          { step: 3, taskName: "attack", goal: "leak", transforms: [] },
          (trial) => {
            assert.equal(trial.name, "trial:01234567");
            assert.equal(trial.label, "attack_3");
            assert.equal(trial.studyId, study.taskId);
          },
        );
        return study.runId;
      });
      const lines = await env.runLines(runId);
      const study = lines.find((l) => l.name === "study:jailbreak")!;
      // dreadnode dropped target_model here because no gate field was set.
      assert.equal(study.attributes["airt.target_model"], "gpt-4o");
      assert.equal(study.attributes["airt.evaluator_model"], undefined);
      assert.deepEqual(study.attributes["dreadnode.tags"], ["study", "optimization", "airt"]);
      const trial = lines.find((l) => l.name === "trial:01234567")!;
      assert.equal(trial.attributes["airt.goal"], "leak", "goal alone is kept");
      assert.deepEqual(trial.attributes["airt.transforms"], []);
      assert.equal(trial.attributes["dreadnode.trial.id"], "0123456789abcdef");
      assert.equal(trial.attributes["dreadnode.trial.step"], 3);
      assert.deepEqual(trial.attributes["dreadnode.tags"], ["trial"]);
    });
  });

  it("appends transforms to name and label and supports a custom prefix", async () => {
    await withTaskEnv(() => {
      const s = studySpan("s", {
        transforms: ["b64", "leet"],
        attackName: "tap",
        attributePrefix: "x.",
      });
      assert.equal(s.name, "study:s [b64, leet]");
      assert.equal(s.label, "s_b64_leet");
      assert.deepEqual(s.attributes["x.transforms"], ["b64", "leet"]);
      assert.equal(s.attributes["x.attack_name"], "tap");
      s.end();
      const t = trialSpan("abc", { step: 0 });
      assert.equal(t.label, "trial_0");
      t.end();
      assert.deepEqual(airtAttributes({ perturbationBudget: 0, originalClass: null }), {
        "airt.perturbation_budget": 0,
      });
    });
  });
});
