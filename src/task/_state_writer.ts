/**
 * Writing a task's state onto spans, in dreadnode's wire schema: onto the task's own span when it
 * ends, or onto a `run_update` child span (what `pushUpdate` sends, and where the state goes when
 * the task's span has no room left for it). A state value cut by the attribute value length limit
 * is reported.
 *
 * @module
 */
import { ATTR_PROJECT, ATTR_RUN_ID } from "../attribute_keys.ts";
import { report } from "../diagnostics.ts";
import type { Tracer } from "../tracer.ts";
import { taskEnv } from "./_env.ts";
import { ATTR_TASK_ID } from "./_task_tree.ts";
import type { TaskSpan } from "./task_span.ts";

/**
 * Writes the task's state and run id onto its span (before it ends). When the attribute count
 * limit leaves no room for the state, it goes to a `<task>.update` snapshot span instead: the
 * state attributes the task's span had no room for are not lost, so they are not counted in its
 * `droppedAttributesCount` (which then counts only the attributes really dropped). Never throws.
 *
 * @internal
 * @param task The task.
 */
export function writeTaskState(task: TaskSpan): void {
  try {
    const state = withinStateBudget(task.name, task.stateAttributes());
    const span = task.span;
    const dropped = span.droppedAttributesCount;
    span.setAttributes(state);
    const written = span.attributes;
    if (Object.keys(state).some((key) => !Object.hasOwn(written, key))) {
      // Only state attributes were dropped by the call above, and each goes to the update span.
      (span as { droppedAttributesCount: number }).droppedAttributesCount = dropped;
      report(
        "warn",
        "task_state_overflow",
        `Task ${task.name} has no room left for its state under the attribute count limit: it is written on a ${task.name}.update span instead`,
      );
      writeStateSnapshot(task, taskEnv().tracer, state);
    }
    span.setAttribute(ATTR_RUN_ID, task.runId);
    reportCutState(task.name, state, written);
  } catch (error) {
    report("error", "task_internal", `Cannot write the state of task ${task.name}`, error);
  }
}

/**
 * The most characters a task's state attributes may hold together (14 MiB): with the rest of the
 * span this keeps it under the batch queue's default byte bound (16 MiB), which drops a span larger
 * than itself whole, with the task's identity and the rest of its state.
 */
export const MAX_STATE_CHARS: number = 14 * 1024 * 1024;

/**
 * The state, or, when its attributes hold more than {@linkcode MAX_STATE_CHARS} characters
 * together (params, input and output attributes and object schemas have no budget of their own),
 * the state with its largest attributes emptied (`{}` or `[]`, still valid JSON) until it fits,
 * reported (`task_state_too_large`).
 */
function withinStateBudget(
  name: string,
  state: Record<string, string | string[]>,
): Record<string, string | string[]> {
  const size = (value: string | string[]) =>
    typeof value === "string" ? value.length : value.reduce((sum, item) => sum + item.length, 0);
  let total = 0;
  for (const value of Object.values(state)) total += size(value);
  if (total <= MAX_STATE_CHARS) return state;
  const fitted = { ...state };
  const emptied: string[] = [];
  const largest = Object.keys(state).sort((a, b) => size(state[b]) - size(state[a]));
  for (const key of largest) {
    if (total <= MAX_STATE_CHARS) break;
    const value = state[key];
    total -= size(value);
    fitted[key] = typeof value !== "string" ? [] : value.startsWith("[") ? "[]" : "{}";
    emptied.push(`${key} (${size(value)} characters)`);
  }
  report(
    "warn",
    "task_state_too_large",
    `Task ${name}: its state holds more than ${MAX_STATE_CHARS} characters, more than a span can carry; left out: ${
      emptied.join(", ")
    }`,
  );
  return fitted;
}

/**
 * Reports state attributes that the span holds in a shorter form than given (cut by the
 * attribute value length limit, so no longer valid JSON).
 */
function reportCutState(
  name: string,
  state: Record<string, string | string[]>,
  written: Readonly<Record<string, unknown>>,
): void {
  const cut: string[] = [];
  for (const [key, value] of Object.entries(state)) {
    if (typeof value !== "string" || !Object.hasOwn(written, key)) continue;
    const kept = written[key];
    if (kept !== value) {
      cut.push(`${key} (${value.length} characters, ${String(kept).length} kept)`);
    }
  }
  if (cut.length === 0) return;
  report(
    "warn",
    "task_state_truncated",
    `Task ${name}: the attribute value length limit cut ${
      cut.join(", ")
    }, so the span holds invalid JSON for them; raise limits.attributeValueLengthLimit to export the task state whole`,
  );
}

/**
 * Writes a task's state on a `run_update` child span named `<task>.update`, with the task's
 * identity so that it lands in the run's files (what `pushUpdate` sends, and where the state goes
 * when the task's own span has no room for it).
 *
 * @internal
 * @param task The task.
 * @param tracer The tracer to start the span with.
 * @param state The state attributes (default: the task's state now).
 */
export function writeStateSnapshot(
  task: TaskSpan,
  tracer: Tracer,
  state: Record<string, string | string[]> = task.stateAttributes(),
): void {
  const span = tracer.startSpan(`${task.name}.update`, {
    parent: task.span,
    type: "run_update",
    label: task.label,
    attributes: {
      ...state,
      [ATTR_TASK_ID]: task.taskId,
      [ATTR_RUN_ID]: task.runId,
      [ATTR_PROJECT]: task.project,
    },
  });
  reportCutState(span.name, state, span.attributes);
  span.end();
}
