/**
 * Module-level logging helpers acting on the innermost current task. Outside a task each helper
 * reports one `outside_task` diagnostic (once per helper) and does nothing; an internal failure is
 * reported (`internal_error`) and never reaches the caller.
 *
 * @module
 */
import { ATTR_PROJECT, ATTR_RUN_ID } from "../attribute_keys.ts";
import { report, reportOnce } from "../diagnostics.ts";
import { taskEnv } from "./_env.ts";
import type { LogMetricOptions } from "./_task_state.ts";
import type {
  ArtifactRecord,
  ArtifactSource,
  DirectoryArtifact,
  LogArtifactOptions,
} from "./artifacts.ts";
import type { Metric, MetricAggMode } from "./metrics.ts";
import { ATTR_TASK_ID, startTask } from "./start.ts";
import { getCurrentTask, runTask } from "./task_context.ts";
import type { LogObjectRefOptions, TaskSpan } from "./task_span.ts";

function within<T>(helper: string, fallback: T, fn: (task: TaskSpan) => T): T {
  const task = getCurrentTask();
  if (task === undefined) {
    reportOnce(
      `outside_task:${helper}`,
      "warn",
      "outside_task",
      `${helper}() was called outside of a task or run; nothing was logged`,
    );
    return fallback;
  }
  try {
    return fn(task);
  } catch (error) {
    report(
      "error",
      "internal_error",
      `Caught an error in ${helper}(); tracing data may be lost`,
      error,
    );
    return fallback;
  }
}

/**
 * Logs a parameter on the current task.
 *
 * @param key The name.
 * @param value Any value.
 * @example
 * ```ts
 * import { logParam, logParams, run } from "@tracelet/tracelet";
 * run("exp", {}, () => {
 *   logParam("model", "gpt-4o");
 *   logParams({ temperature: 0.7, max_tokens: 1000 });
 * });
 * ```
 */
export function logParam(key: string, value: unknown): void {
  within("logParam", undefined, (t) => void t.logParam(key, value));
}

/**
 * Logs several parameters on the current task.
 *
 * @param params Name → value.
 */
export function logParams(params: Readonly<Record<string, unknown>>): void {
  within("logParams", undefined, (t) => void t.logParams(params));
}

/**
 * Logs an input on the current task.
 *
 * @param name The name.
 * @param value Any value.
 * @param options Label and attributes.
 * @returns The object hash, or undefined outside a task.
 */
export function logInput(
  name: string,
  value: unknown,
  options?: LogObjectRefOptions,
): string | undefined {
  return within("logInput", undefined, (t) => t.logInput(name, value, options));
}

/**
 * Logs several inputs on the current task.
 *
 * @param inputs Name → value.
 */
export function logInputs(inputs: Readonly<Record<string, unknown>>): void {
  within("logInputs", undefined, (t) => {
    for (const key of Object.keys(inputs)) t.logInput(key, inputs[key]);
  });
}

/**
 * Logs an output on the current task.
 *
 * @param name The name.
 * @param value Any value.
 * @param options Label and attributes.
 * @returns The object hash, or undefined outside a task.
 */
export function logOutput(
  name: string,
  value: unknown,
  options?: LogObjectRefOptions,
): string | undefined {
  return within("logOutput", undefined, (t) => t.logOutput(name, value, options));
}

/**
 * Logs several outputs on the current task.
 *
 * @param outputs Name → value.
 */
export function logOutputs(outputs: Readonly<Record<string, unknown>>): void {
  within("logOutputs", undefined, (t) => {
    for (const key of Object.keys(outputs)) t.logOutput(key, outputs[key]);
  });
}

/**
 * Logs a metric on the current task (step and timestamp reach the stored point).
 *
 * @param name The name.
 * @param value A finite number or boolean, or a `Metric`.
 * @param options Step, timestamp, aggregation, prefix, origin, attributes.
 * @returns The stored metric, or undefined.
 */
export function logMetric(
  name: string,
  value: number | boolean | Metric,
  options?: LogMetricOptions,
): Metric | undefined {
  return within("logMetric", undefined, (t) => t.logMetric(name, value, options));
}

/** One entry of the list form of {@linkcode logMetrics}. */
export interface MetricEntry extends LogMetricOptions {
  /** The name. */
  name: string;
  /** The value. */
  value: number | boolean;
}

/**
 * Logs several metrics: a `{name: value}` record sharing `defaults`, or a list of entries each
 * overriding them.
 *
 * @param metrics The metrics.
 * @param defaults Shared step, timestamp, aggregation, attributes, origin.
 * @returns The stored metrics.
 */
export function logMetrics(
  metrics: Readonly<Record<string, number | boolean>> | readonly MetricEntry[],
  defaults: LogMetricOptions = {},
): Metric[] {
  return within("logMetrics", [], (t) => {
    const entries: MetricEntry[] = Array.isArray(metrics)
      ? metrics as MetricEntry[]
      : Object.entries(metrics).map(([name, value]) => ({ name, value }));
    const out: Metric[] = [];
    for (const { name, value, ...rest } of entries) {
      const m = t.logMetric(name, value, { ...defaults, ...rest });
      if (m !== undefined) out.push(m);
    }
    return out;
  });
}

/** Options of {@linkcode logSample}. */
export interface LogSampleOptions {
  /** Metrics of the sample, each with the output as origin. */
  metrics?: Readonly<Record<string, number | boolean>>;
  /** Step of those metrics. */
  step?: number;
  /** Aggregation of those metrics. */
  aggregation?: MetricAggMode;
}

function sampleTask(
  parent: TaskSpan,
  label: string,
  input: unknown,
  output: unknown,
  options: LogSampleOptions,
): void {
  const child = startTask(label, { type: "sample", parent });
  runTask(child, (t) => {
    const inHash = t.logInput("input", input);
    const outHash = t.logOutput("output", output);
    t.linkObjects(outHash, inHash);
    for (const [name, value] of Object.entries(options.metrics ?? {})) {
      t.logMetric(name, value, {
        step: options.step,
        aggregation: options.aggregation,
        origin: output,
      });
    }
  });
}

/**
 * Logs an input/output pair as a short child task of type `sample`, linking output → input.
 *
 * @param label The sample's name.
 * @param input The input.
 * @param output The output.
 * @param options Metrics and step.
 * @example
 * ```ts
 * import { logSample, run } from "@tracelet/tracelet";
 * run("eval", {}, () => logSample("sample-1", "input text", "output text", { metrics: { accuracy: 0.95 } }));
 * ```
 */
export function logSample(
  label: string,
  input: unknown,
  output: unknown,
  options: LogSampleOptions = {},
): void {
  within("logSample", undefined, (t) => sampleTask(t, label, input, output, options));
}

/** A sample: `[input, output]` or `[input, output, metrics]`. */
export type Sample =
  | readonly [unknown, unknown]
  | readonly [unknown, unknown, Readonly<Record<string, number | boolean>>];

/**
 * Logs several samples as child tasks named `name`. A malformed sample (not a 2- or 3-element
 * array) is reported and skipped.
 *
 * @param name The samples' name.
 * @param samples The samples.
 */
export function logSamples(name: string, samples: Iterable<Sample>): void {
  within("logSamples", undefined, (t) => {
    let index = 0;
    for (const sample of samples) {
      if (!Array.isArray(sample) || (sample.length !== 2 && sample.length !== 3)) {
        report(
          "warn",
          "invalid_sample",
          `Cannot log sample ${index} of ${name}: expected [input, output] or [input, output, metrics]`,
        );
      } else {
        sampleTask(t, name, sample[0], sample[1], { metrics: sample[2] });
      }
      index++;
    }
  });
}

/**
 * Adds tags to the current task.
 *
 * @param tags Tags (cleaned).
 */
export function tag(...tags: string[]): void {
  within("tag", undefined, (t) => void t.addTags(tags));
}

/**
 * Links two values: both are stored as objects on the current task and a
 * `dreadnode.object.link` event records the link.
 *
 * @param origin The value that links (e.g. an output).
 * @param link The value linked to (e.g. its input).
 * @param attributes Event attributes.
 */
export function linkObjects(
  origin: unknown,
  link: unknown,
  attributes?: Record<string, unknown>,
): void {
  within(
    "linkObjects",
    undefined,
    (t) => void t.linkObjects(t.logObject(origin), t.logObject(link), attributes),
  );
}

/**
 * Logs an artifact on the current task (never rejects; see `TaskSpan.logArtifact`).
 *
 * @param source A path or bytes / `Blob`.
 * @param options The name.
 * @returns The record, a directory wrapper, or undefined.
 */
export function logArtifact(
  source: ArtifactSource,
  options?: LogArtifactOptions,
): Promise<ArtifactRecord | DirectoryArtifact | undefined> {
  return within("logArtifact", Promise.resolve(undefined), (t) => t.logArtifact(source, options));
}

/**
 * Pushes the current task's state out now: writes a `run_update` snapshot span (child of the
 * task, carrying its params, inputs, outputs, metrics, objects and artifacts so far), waits for
 * the task's pending writes, then flushes the pipeline. Outside a task it only flushes.
 * Never rejects.
 *
 * @returns Resolves when the flush finished.
 */
export async function pushUpdate(): Promise<void> {
  try {
    const task = getCurrentTask();
    const env = taskEnv();
    if (task?.active) {
      env.tracer.startSpan(`${task.name}.update`, {
        parent: task.span,
        type: "run_update",
        label: task.label,
        attributes: {
          ...task.stateAttributes(),
          [ATTR_TASK_ID]: task.taskId,
          [ATTR_RUN_ID]: task.runId,
          [ATTR_PROJECT]: task.project,
        },
      }).end();
      await task.settled();
    }
    await env.flush();
  } catch (error) {
    report(
      "error",
      "internal_error",
      "Caught an error in pushUpdate(); tracing data may be lost",
      error,
    );
  }
}
