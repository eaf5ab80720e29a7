/**
 * Samples: input/output pairs logged as short child tasks of type `sample`, each linking its
 * output to its input and carrying optional metrics whose origin is the output. A sample task
 * ends when it is logged, but is exported once the blob writes of its large (over 10 KiB) input
 * and output have finished, so that they are blob references, as in any async task. The calling
 * task waits for it: an async task body does before its task ends, as does
 * `await task.settled()`. A calling task that ends first (a sync body) exports it at once, with
 * those values inline.
 *
 * @module
 */
import { report, reportOnce } from "../diagnostics.ts";
import { readRecord, readUserOptions } from "./_read.ts";
import { safeString } from "../safe_string.ts";
import { within } from "./_within.ts";
import { METRIC_OPTION_HINTS } from "./_task_state.ts";
import type { MetricAggMode } from "./metrics.ts";
import { startTask } from "./start.ts";
import type { TaskSpan } from "./task_span.ts";

/** Options of {@linkcode logSample}. */
export interface LogSampleOptions {
  /** Metrics of the sample, each with the output as origin. */
  metrics?: Readonly<Record<string, number | boolean>> | undefined;
  /** Step of those metrics. */
  step?: number | undefined;
  /** Aggregation of those metrics. */
  aggregation?: MetricAggMode | undefined;
}

const SAMPLE_OPTION_KEYS: readonly (keyof LogSampleOptions)[] = ["metrics", "step", "aggregation"];

/** The samples of an iterable object (not a string), or undefined when they cannot be read. */
function sampleList(samples: unknown): unknown[] | undefined {
  if (typeof samples !== "object" || samples === null) return undefined;
  try {
    const iterable = samples as Iterable<unknown>;
    return typeof iterable[Symbol.iterator] === "function" ? Array.from(iterable) : undefined;
  } catch {
    return undefined;
  }
}

/** A sample's `[input, output, metrics?]`, or undefined when it is not such an array. */
function samplePair(sample: unknown): readonly unknown[] | undefined {
  try {
    if (!Array.isArray(sample) || (sample.length !== 2 && sample.length !== 3)) return undefined;
    return [sample[0], sample[1], sample[2]];
  } catch {
    return undefined; // An unreadable proxy.
  }
}

function sampleTask(
  parent: TaskSpan,
  label: string,
  input: unknown,
  output: unknown,
  options: LogSampleOptions,
): void {
  const { metrics, step, aggregation } = readUserOptions(
    options,
    SAMPLE_OPTION_KEYS,
    "logSample()",
    { aliases: METRIC_OPTION_HINTS.aliases },
  );
  const child = startTask(label, { type: "sample", parent });
  try {
    child.inContext((t) => {
      const inHash = t.logInput("input", input);
      const outHash = t.logOutput("output", output);
      t.linkObjects(outHash, inHash);
      const record = readRecord(metrics, "sample metrics");
      for (const name of Object.keys(record)) {
        t.logMetric(name, record[name] as number, { step, aggregation, origin: output });
      }
    });
  } finally {
    // A large input or output is exported as a blob reference once written, not cut inline.
    child.endWhenSettled();
  }
}

/**
 * Logs an input/output pair as a short child task of type `sample`, linking output → input.
 * A large input or output is exported as a blob reference once written, when the calling task
 * ends after that write (an async body; see the module notes).
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
 * array) is reported and skipped; so is `samples` when it is not an iterable object (a string
 * is not taken one character at a time).
 *
 * @param name The samples' name.
 * @param samples The samples.
 */
export function logSamples(name: string, samples: Iterable<Sample>): void {
  within("logSamples", undefined, (t) => {
    const list = sampleList(samples);
    if (list === undefined) {
      reportOnce(
        "samples",
        "warn",
        "invalid_task_input",
        `Cannot log samples of ${safeString(name)}: expected a list of samples`,
      );
      return;
    }
    let index = 0;
    for (const sample of list) {
      const pair = samplePair(sample);
      if (pair === undefined) {
        report(
          "warn",
          "invalid_sample",
          `Cannot log sample ${index} of ${
            safeString(name)
          }: expected [input, output] or [input, output, metrics]`,
        );
      } else {
        sampleTask(t, name, pair[0], pair[1], { metrics: pair[2] as Sample[2] });
      }
      index++;
    }
  });
}
