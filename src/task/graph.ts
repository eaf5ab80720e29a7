/**
 * Task hierarchy export: a plain `{nodes, edges}` graph of a task and all its descendants, keyed
 * by one id kind (the span id) everywhere — dreadnode keyed its root by task id and edges by span
 * id, which duplicated the root. Plus Graphviz DOT and Mermaid text renderings.
 *
 * @module
 */

/** What the graph reads from a task (a `TaskSpan` satisfies it). */
export interface GraphTask {
  /** 16-hex span id (the node id). */
  readonly spanId: string;
  /** The task id. */
  readonly taskId: string;
  /** Span name. */
  readonly name: string;
  /** Cleaned label. */
  readonly label: string;
  /** Span type. */
  readonly type: string;
  /** Tags. */
  readonly tags: readonly string[];
  /** Start, epoch ns. */
  readonly startTime: number;
  /** End, epoch ns (0 while running). */
  readonly endTime: number;
  /** Seconds. */
  readonly duration: number;
  /** Whether it failed. */
  readonly failed: boolean;
  /** Whether it is still running. */
  readonly active: boolean;
  /** Direct child tasks. */
  readonly tasks: readonly GraphTask[];
}

/** One node of a task graph. */
export interface TaskGraphNode {
  /** The span id. */
  id: string;
  /** The task id. */
  taskId: string;
  /** Span name. */
  name: string;
  /** Label. */
  label: string;
  /** Span type. */
  type: string;
  /** Start, epoch ns. */
  startTime: number;
  /** End, epoch ns (0 while running). */
  endTime: number;
  /** Seconds. */
  duration: number;
  /** `failed`, `running` or `completed`. */
  status: "failed" | "running" | "completed";
  /** Tags. */
  tags: string[];
}

/** A directed parent → child edge between span ids. */
export interface TaskGraphEdge {
  /** Parent span id. */
  from: string;
  /** Child span id. */
  to: string;
}

/** A task hierarchy as plain JSON. */
export interface TaskGraph {
  /** Nodes in depth-first pre-order, root first. */
  nodes: TaskGraphNode[];
  /** Edges, one per non-root node. */
  edges: TaskGraphEdge[];
}

function node(task: GraphTask): TaskGraphNode {
  return {
    id: task.spanId,
    taskId: task.taskId,
    name: task.name,
    label: task.label,
    type: task.type,
    startTime: task.startTime,
    endTime: task.endTime,
    duration: task.duration,
    status: task.failed ? "failed" : task.active ? "running" : "completed",
    tags: [...task.tags],
  };
}

/**
 * Converts a task and its descendants to a graph.
 *
 * @param root The root task.
 * @returns `{nodes, edges}` keyed by span id.
 * @example
 * ```ts
 * import { run, taskSpan, taskSpanToGraph, toMermaid } from "@tracelet/tracelet";
 * const graph = run("demo", {}, (r) => {
 *   taskSpan("step-1", {}, () => {});
 *   return taskSpanToGraph(r);
 * });
 * console.log(toMermaid(graph));
 * ```
 */
export function taskSpanToGraph(root: GraphTask): TaskGraph {
  const nodes: TaskGraphNode[] = [];
  const edges: TaskGraphEdge[] = [];
  const seen = new Set<string>();
  const visit = (task: GraphTask, parent: string | undefined): void => {
    if (seen.has(task.spanId)) return;
    seen.add(task.spanId);
    nodes.push(node(task));
    if (parent !== undefined) edges.push({ from: parent, to: task.spanId });
    for (const child of task.tasks) visit(child, task.spanId);
  };
  visit(root, undefined);
  return { nodes, edges };
}

function dotString(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r?\n/g, "\\n")}"`;
}

/**
 * Renders a task graph as Graphviz DOT.
 *
 * @param graph The graph.
 * @param name The digraph name (default `tasks`).
 * @returns DOT source.
 */
export function toDot(graph: TaskGraph, name: string = "tasks"): string {
  const lines = [`digraph ${dotString(name)} {`];
  for (const n of graph.nodes) {
    const color = n.status === "failed" ? "red" : n.status === "running" ? "orange" : "black";
    lines.push(
      `  ${dotString(n.id)} [label=${dotString(`${n.name}\n${n.type}`)}, color=${color}];`,
    );
  }
  for (const e of graph.edges) lines.push(`  ${dotString(e.from)} -> ${dotString(e.to)};`);
  lines.push("}");
  return lines.join("\n");
}

function mermaidText(text: string): string {
  // Mermaid labels are quoted; quotes and markup-breaking characters become entity codes.
  return `"${text.replace(/[&"<>#]/g, (c) => `#${c.charCodeAt(0)};`).replace(/\r?\n/g, " ")}"`;
}

/**
 * Renders a task graph as a Mermaid flowchart.
 *
 * @param graph The graph.
 * @returns Mermaid source (`flowchart TD …`).
 */
export function toMermaid(graph: TaskGraph): string {
  const lines = ["flowchart TD"];
  for (const n of graph.nodes) {
    lines.push(`  n${n.id}[${mermaidText(`${n.name} (${n.type})`)}]`);
    if (n.status === "failed") lines.push(`  style n${n.id} stroke:#d00`);
  }
  for (const e of graph.edges) lines.push(`  n${e.from} --> n${e.to}`);
  return lines.join("\n");
}
