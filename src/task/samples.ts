/**
 * Samples: input/output pairs logged as short child tasks of type `sample`, each linking its
 * output to its input and carrying optional metrics whose origin is the output.
 *
 * @module
 */
import { report } from "../diagnostics.ts";
import { within } from "./_within.ts";
import type { MetricAggMode } from "./metrics.ts";
import { startTask } from "./start.ts";
import { runTask } from "./task_context.ts";
import type { TaskSpan } from "./task_span.ts";

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
