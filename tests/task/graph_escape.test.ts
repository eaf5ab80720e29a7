// toMermaid output a task name or a node id cannot break or inject statements into: names are
// quoted labels with markup characters as entity codes, ids never reach the output unquoted.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type TaskGraph, toMermaid } from "../../src/task/graph.ts";

function graph(nodes: [id: string, name: string][], edges: [string, string][] = []): TaskGraph {
  return {
    nodes: nodes.map(([id, name]) => ({ id, name, type: "task", status: "completed" })),
    edges: edges.map(([from, to]) => ({ from, to })),
  } as unknown as TaskGraph;
}

describe("toMermaid escaping", () => {
  it("entity-encodes a backtick (markdown string opener) and `%` (comments, directives)", () => {
    const directive = '%%{init: {"theme":"forest"}}%%';
    const out = toMermaid(graph([["a", "`step"], ["b", directive]]));
    assert.deepEqual(out.split("\n"), [
      "flowchart TD",
      '  n0["#96;step (task)"]',
      '  n1["#37;#37;{init: {#34;theme#34;:#34;forest#34;}}#37;#37; (task)"]',
    ]);
    assert.ok(!out.includes("`") && !out.includes("%"));
  });

  it("a carriage return or other control character in a name cannot start a new statement", () => {
    const out = toMermaid(graph([["a", 'a\rclick n0 href "javascript:alert(1)"\u2028x\n']]));
    assert.equal(out.split(/[\r\n\u2028\u2029]/).length, 2, JSON.stringify(out));
    assert.ok(out.endsWith('  n0["a click n0 href #34;javascript:alert(1)#34; x  (task)"]'));
  });

  it("names nodes by position: a hostile id cannot inject a click statement", () => {
    const evil = 'x["a"]\n  click nx href "javascript:alert(1)"\n  ny';
    const out = toMermaid({
      nodes: [
        { id: evil, name: "n", type: "t", status: "failed" },
        { id: "b", name: "m", type: "t", status: "completed" },
      ],
      edges: [{ from: evil, to: "b" }, { from: "b", to: "elsewhere; click" }],
    } as unknown as TaskGraph);
    assert.deepEqual(out.split("\n"), [
      "flowchart TD",
      '  n0["n (t)"]',
      "  style n0 stroke:#d00",
      '  n1["m (t)"]',
      "  n0 --> n1",
      '  n2["elsewhere; click"]',
      "  n1 --> n2",
    ]);
    assert.ok(!out.includes("javascript"));
  });
});
