/**
 * Task hierarchy export: a plain `{nodes, edges}` graph of a task and all its descendants, keyed
 * by one id kind (the span id) everywhere — dreadnode keyed its root by task id and edges by span
 * id, which duplicated the root. Plus Graphviz DOT and Mermaid text renderings.
 *
 * @module
 */
import { readOptions, readStrings } from "./_read.ts";
import { safeString } from "../safe_string.ts";

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

/** The fields a node is built from, read without trusting the task. */
const NODE_KEYS: readonly (keyof GraphTask)[] = [
  "spanId",
  "taskId",
  "name",
  "label",
  "type",
  "startTime",
  "endTime",
  "duration",
  "failed",
  "active",
  "tags",
];

function finite(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function node(task: Partial<GraphTask>, id: string): TaskGraphNode {
  return {
    id,
    taskId: safeString(task.taskId ?? ""),
    name: safeString(task.name ?? ""),
    label: safeString(task.label ?? ""),
    type: safeString(task.type ?? ""),
    startTime: finite(task.startTime),
    endTime: finite(task.endTime),
    duration: finite(task.duration),
    status: task.failed ? "failed" : task.active ? "running" : "completed",
    tags: readStrings(task.tags),
  };
}

function readChildren(task: unknown): unknown[] {
  try {
    return Array.from((task as GraphTask).tasks);
  } catch {
    return []; // No readable list of children.
  }
}

/**
 * Converts a task and its descendants to a graph. Never throws: what is not a task (has no
 * string `spanId`) is left out, and fields that cannot be read are empty.
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
  // An explicit stack, not recursion: a chain of many thousand nested tasks must not overflow.
  // Children are pushed in reverse so they are visited in order (depth-first pre-order).
  const stack: { task: unknown; parent: string | undefined }[] = [{
    task: root,
    parent: undefined,
  }];
  while (stack.length > 0) {
    const { task, parent } = stack.pop()!;
    const fields = readOptions(task as GraphTask, NODE_KEYS, "graph");
    const id = fields.spanId;
    if (typeof id !== "string" || seen.has(id)) continue; // not a task, or already visited
    seen.add(id);
    nodes.push(node(fields, id));
    if (parent !== undefined) edges.push({ from: parent, to: id });
    const children = readChildren(task);
    for (let i = children.length - 1; i >= 0; i--) stack.push({ task: children[i], parent: id });
  }
  return { nodes, edges };
}

/**
 * dreadnode's `run_span_to_graph`, its alias of `task_span_to_graph`: the same as
 * {@linkcode taskSpanToGraph}.
 *
 * @param root The root task.
 * @returns `{nodes, edges}` keyed by span id.
 */
export function runSpanToGraph(root: GraphTask): TaskGraph {
  return taskSpanToGraph(root);
}

function dotString(value: unknown): string {
  const text = safeString(value);
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r?\n/g, "\\n")}"`;
}

/** The nodes or edges of a graph with the fields rendering reads, as far as they can be read. */
function readItems<T extends object>(
  graph: TaskGraph,
  list: "nodes" | "edges",
  keys: readonly (keyof T & string)[],
): Partial<T>[] {
  try {
    return Array.from(graph[list] as Iterable<T>, (item) => readOptions(item, keys, "graph"));
  } catch {
    return []; // Not a readable graph.
  }
}

const NODE_FIELDS: readonly (keyof TaskGraphNode)[] = ["id", "name", "type", "status"];
const EDGE_FIELDS: readonly (keyof TaskGraphEdge)[] = ["from", "to"];

/**
 * Renders a task graph as Graphviz DOT (what cannot be read renders as `<unprintable>` or is
 * left out; never throws).
 *
 * @param graph The graph.
 * @param name The digraph name (default `tasks`).
 * @returns DOT source.
 */
export function toDot(graph: TaskGraph, name: string = "tasks"): string {
  const lines = [`digraph ${dotString(name)} {`];
  for (const n of readItems(graph, "nodes", NODE_FIELDS)) {
    const color = n.status === "failed" ? "red" : n.status === "running" ? "orange" : "black";
    lines.push(
      `  ${dotString(n.id)} [label=${
        dotString(`${safeString(n.name)}\n${safeString(n.type)}`)
      }, color=${color}];`,
    );
  }
  for (const e of readItems(graph, "edges", EDGE_FIELDS)) {
    lines.push(`  ${dotString(e.from)} -> ${dotString(e.to)};`);
  }
  lines.push("}");
  return lines.join("\n");
}

function mermaidText(text: string): string {
  // Mermaid labels are quoted; quotes and markup-breaking characters become entity codes (a
  // backtick would open a markdown string, `%%` a comment or directive), line breaks spaces.
  return `"${
    text.replace(/[&"<>#`%]/g, (c) => `#${c.charCodeAt(0)};`)
      // deno-lint-ignore no-control-regex
      .replace(/\r\n|[\u0000-\u001f\u007f\u2028\u2029]/g, " ")
  }"`;
}

/**
 * Renders a task graph as a Mermaid flowchart (what cannot be read renders as `<unprintable>` or
 * is left out; never throws). Nodes are named `n0`, `n1`, … in the order of their ids' first
 * appearance, so no id text reaches the output but through a quoted label.
 *
 * @param graph The graph.
 * @returns Mermaid source (`flowchart TD …`).
 */
export function toMermaid(graph: TaskGraph): string {
  const lines = ["flowchart TD"];
  const names = new Map<string, string>();
  const nameOf = (id: unknown): string => {
    const key = safeString(id);
    let name = names.get(key);
    if (name === undefined) {
      name = `n${names.size}`;
      names.set(key, name);
    }
    return name;
  };
  for (const n of readItems(graph, "nodes", NODE_FIELDS)) {
    const id = nameOf(n.id);
    lines.push(`  ${id}[${mermaidText(`${safeString(n.name)} (${safeString(n.type)})`)}]`);
    if (n.status === "failed") lines.push(`  style ${id} stroke:#d00`);
  }
  for (const e of readItems(graph, "edges", EDGE_FIELDS)) {
    for (const end of [e.from, e.to]) {
      // An edge to a node not in the list: that node shows its id, as Mermaid would.
      if (!names.has(safeString(end))) {
        lines.push(`  ${nameOf(end)}[${mermaidText(safeString(end))}]`);
      }
    }
    lines.push(`  ${nameOf(e.from)} --> ${nameOf(e.to)}`);
  }
  return lines.join("\n");
}
