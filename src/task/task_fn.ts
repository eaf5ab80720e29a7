/**
 * `task()`: wraps a function so every call runs as a task span — arguments logged as inputs,
 * the result as output `output` linked to each input, scorers run on the result and logged as
 * metrics. Sync functions stay sync; async functions return a promise. An error is recorded on
 * the task and rethrown. Arguments gathered by a rest parameter are one array input. Around a
 * generator function (`function*`, `async function*`), the task covers the generator's life, from
 * its first `next()` to its end (see `_task_generator.ts`).
 *
 * @module
 */
import { report, reportOnce } from "../diagnostics.ts";
import { readStrings, readUserOptions } from "./_read.ts";
import { readArray } from "../safe_read.ts";
import { safeString } from "../safe_string.ts";
import type { SpanType } from "../span_types.ts";
import { startTask } from "./start.ts";
import { runTask } from "./task_context.ts";
import type { TaskSpan } from "./task_span.ts";
import { isPromiseLike } from "../promise_like.ts";
import { parameterList } from "./parameter_names.ts";
import type { ParameterList } from "./parameter_names.ts";
import {
  generatorKind,
  isGeneratorObject,
  markGeneratorFunction,
  traceGenerator,
} from "./_task_generator.ts";

export { parameterNames } from "./parameter_names.ts";

/** What `task()` records as a call's output: the awaited result, or a generator's return value. */
type TaskOutput<R> = R extends Generator<unknown, infer T, never> ? T
  : R extends AsyncGenerator<unknown, infer T, never> ? T
  : Awaited<R>;

/** A score: a number, or a boolean logged as 1/0. */
export type Score = number | boolean;

/** A scorer: a function of the output (its name is the metric name), or `{name, score}`. */
export type Scorer<T> =
  | ((output: T) => Score | Promise<Score>)
  | { readonly name: string; score(output: T): Score | Promise<Score> };

/** Options of {@linkcode task}. */
export interface TaskOptions<T = unknown> {
  /** Span name (default the function's name, else `task`). */
  name?: string | undefined;
  /** Label (cleaned; default the name). */
  label?: string | undefined;
  /** Span type (default `task`). */
  type?: SpanType | undefined;
  /** Tags. */
  tags?: string | readonly string[] | undefined;
  /** Extra span attributes. */
  attributes?: Record<string, unknown> | undefined;
  /** Scorers run on every result; each logs a metric named after it. */
  scorers?: readonly Scorer<T>[] | undefined;
  /** Log arguments as inputs: all (default), none, or the listed parameter names. */
  logInputs?: boolean | readonly string[] | undefined;
  /** Log the result as output `output` (default true; `undefined` results are skipped). */
  logOutput?: boolean | undefined;
  /**
   * Parameter names (default: read from the function's source, else `arg<i>`). Write a rest
   * parameter `...name`: the arguments it gathers are then logged as one array input.
   */
  argNames?: readonly string[] | undefined;
}

function loggable(value: unknown): boolean {
  return value !== undefined && typeof value !== "function" && typeof value !== "symbol";
}

function scorerName(scorer: Scorer<never>, index: number): string {
  try {
    const name: unknown = scorer.name;
    if (typeof name === "string" && name !== "") return name;
  } catch {
    // Not an object, or a proxy whose `name` cannot be read.
  }
  return `scorer_${index}`;
}

function functionName(fn: (...args: never[]) => unknown): string {
  try {
    return typeof fn.name === "string" && fn.name !== "" ? fn.name : "task";
  } catch {
    return "task"; // A proxy whose `name` cannot be read.
  }
}

const TASK_FN_OPTION_KEYS: readonly (keyof TaskOptions)[] = [
  "name",
  "label",
  "type",
  "tags",
  "attributes",
  "scorers",
  "logInputs",
  "logOutput",
  "argNames",
];

/** The `argNames` option: a name written `...name` is the rest parameter. */
function givenNames(given: string[]): ParameterList {
  const rest = given.findIndex((n) => n.startsWith("..."));
  if (rest >= 0) given[rest] = given[rest].slice(3);
  return { names: given, rest };
}

/**
 * The arguments of a call bound to their parameters, as `[name, value]` pairs in order: the
 * arguments a rest parameter gathers are one array under its name (empty when there are none).
 */
function boundArguments(
  args: readonly unknown[],
  argNames: readonly string[],
  rest: number,
  restName: string | undefined,
): [string, unknown][] {
  if (rest < 0) return args.map((value, i) => [argNames[i], value]);
  const pairs = args.slice(0, rest).map((value, i): [string, unknown] => [argNames[i], value]);
  pairs.push([restName ?? `arg${rest}`, args.slice(rest)]);
  return pairs;
}

/** The attributes of the references `task()` logs itself, as dreadnode's decorator marks them. */
const AUTO = { attributes: { auto: true } };

/** Runs scorers; returns a promise only when some scorer is async. */
function runScorers<T>(
  t: TaskSpan,
  scorers: readonly Scorer<T>[],
  output: T,
  sync: boolean,
  linked: boolean,
): Promise<void> | void {
  const waits: Promise<void>[] = [];
  // Linked to the output it scores (`dreadnode.origin.hash`), as dreadnode logs a score; not with
  // `logOutput: false`, which keeps the output out of the export (the origin stores it).
  const options = linked ? { origin: output } : undefined;
  scorers.forEach((scorer, i) => {
    const name = scorerName(scorer as Scorer<never>, i);
    const log = (score: Score) => void t.logMetric(name, score, options);
    const failed = (error: unknown) =>
      report("warn", "scorer_failed", `Scorer ${name} failed`, error);
    try {
      const result = typeof scorer === "function" ? scorer(output) : scorer.score(output);
      if (!isPromiseLike(result)) return log(result);
      if (sync) {
        report(
          "warn",
          "scorer_async_on_sync_task",
          `Cannot await scorer ${name} on a sync task; make the task async`,
        );
        Promise.resolve(result).catch(() => {});
        return;
      }
      waits.push(Promise.resolve(result).then(log, failed));
    } catch (error) {
      failed(error);
    }
  });
  return waits.length > 0 ? Promise.all(waits).then(() => {}) : undefined;
}

/**
 * Wraps a function as a traced task. Options that cannot be read (or scorers that are not a
 * list) are reported and ignored.
 *
 * @param fn The function: sync, async, or a (sync or async) generator function, whose task starts
 *   at the first `next()`, has every step run with it current, and ends when the generator
 *   returns (its return value is the output, scored), throws, or is closed early (a `for…of`
 *   `break`: no output, no scores); yielded values are not logged, their count is the span
 *   attribute `tracelet.task.yielded`. A `task()` around such a task covers its generator too.
 * @param options Name, label, type, tags, scorers, input/output logging.
 * @returns A function of the same type (its `this` type and type parameters included: a method
 *   stays a method, a generic function stays generic), whose `name` is the task name.
 * @throws {TypeError} When `fn` is not a function.
 * @example
 * ```ts
 * import { run, task } from "@tracelet/tracelet";
 * const classify = task(async (text: string) => (text.includes("good") ? "positive" : "negative"), {
 *   name: "classifier",
 *   scorers: [function is_positive(out: string) { return out === "positive"; }],
 * });
 * await run("demo", {}, () => classify("a good day"));
 * ```
 */
export function task<
  // Generic over the whole function, so its parameter types are its own: a parameter with a
  // default (`n = 2`) has the default's type, not `unknown`. The union leaves a parameter with
  // neither a type nor a default without a contextual type (`any`, an error under `strict`).
  F extends ((...args: never[]) => unknown) | ((...args: unknown[]) => unknown),
>(
  fn: F,
  // TaskOutput<ReturnType<F>>, written out (a type the package does not export cannot appear here):
  options: TaskOptions<
    ReturnType<F> extends Generator<unknown, infer T, never> ? T
      : ReturnType<F> extends AsyncGenerator<unknown, infer T, never> ? T
      : Awaited<ReturnType<F>>
  > = {},
): F {
  type This = ThisParameterType<F>;
  type A = Parameters<F>;
  type R = ReturnType<F>;
  if (typeof fn !== "function") {
    throw new TypeError(`task() needs a function to wrap, got ${typeof fn}`);
  }
  const o = readUserOptions(options, TASK_FN_OPTION_KEYS, "task()", {
    positional: "name",
  });
  const name = o.name === undefined ? functionName(fn) : safeString(o.name);
  const { names, rest } = o.argNames === undefined
    ? parameterList(fn as (...args: never[]) => unknown)
    : givenNames(readStrings(o.argNames));
  const scorers = readArray(o.scorers) as Scorer<TaskOutput<R>>[] | undefined;
  if (scorers === undefined && o.scorers !== undefined) {
    reportOnce("task_scorers", "warn", "invalid_task_options", "task() scorers must be a list");
  }
  const selected = o.logInputs === undefined || o.logInputs === true
    ? true
    : readStrings(o.logInputs);
  const kind = generatorKind(fn);
  const call = fn as unknown as (this: This, ...args: A) => R;
  const traced = function (this: This, ...args: A): R {
    const argNames = args.map((_, i) =>
      rest >= 0 && i >= rest ? names[rest] : names[i] ?? `arg${i}`
    );
    const inputs: string[] = [];
    const start = (): TaskSpan => {
      const t = startTask(name, {
        type: o.type,
        label: o.label,
        tags: o.tags,
        attributes: o.attributes,
      }, { arguments: { args, names: argNames } });
      try {
        for (const [argName, value] of boundArguments(args, argNames, rest, names[rest])) {
          const wanted = selected === true || selected.includes(argName);
          if (wanted && loggable(value)) inputs.push(t.logInput(argName, value, AUTO));
        }
      } catch (error) {
        report("error", "internal_error", `Cannot log the inputs of task ${name}`, error);
      }
      return t;
    };
    const after = (t: TaskSpan, output: TaskOutput<R>, sync: boolean): Promise<void> | void => {
      try {
        t.setOutput(output);
        if (o.logOutput !== false && output !== undefined) {
          const out = t.logOutput("output", output, AUTO);
          for (const input of inputs) t.linkObjects(out, input);
        }
        return runScorers(t, scorers ?? [], output, sync, o.logOutput !== false);
      } catch (error) {
        report("error", "internal_error", `Cannot record the output of task ${name}`, error);
      }
    };
    if (kind !== undefined) {
      // The task covers the generator's life: it starts at the first next(), not here.
      return traceGenerator(call.apply(this, args), kind === "async", {
        start,
        finish: (t, value) => after(t, value as TaskOutput<R>, kind === "sync"),
      }) as R;
    }
    return runTask(start(), (t) => {
      const result = call.apply(this, args);
      if (isPromiseLike(result)) {
        return Promise.resolve(result).then(async (value) => {
          await after(t, value as TaskOutput<R>, false);
          return value;
        }) as R;
      }
      if (isGeneratorObject(result)) {
        reportOnce(
          `task_generator:${name}`,
          "warn",
          "task_generator_result",
          `Task ${name} returned a generator, so it ended before the generator ran: wrap the generator function (function* or async function*) itself`,
        );
      }
      after(t, result as TaskOutput<R>, true);
      return result;
    });
  };
  // A task() around this one sees a generator function too, and covers the generator's life.
  if (kind !== undefined) markGeneratorFunction(traced, kind);
  try {
    Object.defineProperty(traced, "name", { value: name, configurable: true });
  } catch {
    // A frozen Function.prototype: the wrapper keeps its own name.
  }
  return traced as unknown as F; // the same parameters, `this` and result as `fn`
}
