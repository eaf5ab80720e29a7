/**
 * The bounds of a task's metrics: {@linkcode MAX_POINTS_PER_SERIES} points per series and
 * {@linkcode MAX_METRIC_CHARS_PER_TASK} characters of `dreadnode.metrics` JSON per task, the
 * characters one point takes ({@linkcode pointChars}), and where a new point goes once a bound is
 * reached ({@linkcode placePoint}): past a bound, the newest point takes the last stored one's
 * place, so a series still ends with its newest value.
 *
 * @module
 */
import { reportOnce } from "../diagnostics.ts";
import { pythonFloatJson, pythonNumber } from "../serialize/python_json.ts";
import { metricAttributesJson } from "./_metric_attributes_json.ts";

/**
 * The most points one series keeps: each later point takes the last one's place (reported), so the
 * series keeps its first points and its newest, and its running aggregates count every point.
 */
export const MAX_POINTS_PER_SERIES = 10_000;

/**
 * The most characters of `dreadnode.metrics` JSON one task keeps (4 MiB of ASCII): a point past
 * it is dropped (reported once as `metric_budget_full`, counted in `droppedCounts.metricPoints`),
 * so writing the state at the end stays fast and within the export's size bounds.
 */
export const MAX_METRIC_CHARS_PER_TASK: number = 4 * 1024 * 1024;

/**
 * The characters a point takes in its series' JSON besides its value, step and attributes: its
 * quoted ISO timestamp (34) and a comma in each of the four arrays.
 */
const POINT_CHARS = 38;

/**
 * The characters a point takes in its series' JSON, as the task's state writes it (its attributes
 * by `metricAttributesJson`).
 *
 * @param value The stored value.
 * @param step The step.
 * @param attributes The point's attributes.
 * @returns The characters, or undefined when the attributes have no JSON form.
 */
export function pointChars(
  value: number,
  step: number,
  attributes: Record<string, unknown>,
): number | undefined {
  let json: string;
  try {
    json = metricAttributesJson(attributes);
  } catch {
    return undefined; // A BigInt, a cycle, a throwing getter.
  }
  return pythonFloatJson(value).length + pythonNumber(step).length + json.length + POINT_CHARS;
}

/** Where a new point goes in its series, from {@linkcode placePoint}. */
export interface PointPlace {
  /** The series holds {@linkcode MAX_POINTS_PER_SERIES} points. */
  readonly full: boolean;
  /** The point does not fit in what is left of its task's characters besides its place. */
  readonly overBudget: boolean;
  /** The point is stored (else only counted in the running aggregates). */
  readonly fits: boolean;
  /** The point takes the last stored point's place (past either bound). */
  readonly replace: boolean;
}

/**
 * Where a new point goes in its series.
 *
 * @param stored The points the series holds.
 * @param chars The new point's characters (0 without a budget).
 * @param lastChars The characters of the last stored point.
 * @param budget The characters the series of the task have left, if counted.
 * @returns Whether a bound is reached, and whether and where the point is stored.
 */
export function placePoint(
  stored: number,
  chars: number,
  lastChars: number,
  budget: { readonly left: number } | undefined,
): PointPlace {
  const full = stored >= MAX_POINTS_PER_SERIES;
  const overBudget = budget !== undefined && chars > budget.left + (full ? lastChars : 0);
  const fits = !overBudget || (stored > 0 && chars <= budget!.left + lastChars);
  // Once `fits` holds, a point past either bound has a stored point whose place it takes.
  return { full, overBudget, fits, replace: full || overBudget };
}

/**
 * Reports (once per series) that a series holds {@linkcode MAX_POINTS_PER_SERIES} points.
 *
 * @param name The series name.
 */
export function reportSeriesFull(name: string): void {
  reportOnce(
    `metric_series_full:${name}`,
    "warn",
    "metric_series_full",
    `Metric ${name} holds ${MAX_POINTS_PER_SERIES} points: each later point replaces its last ` +
      `one (its last value and running aggregates still count every point)`,
  );
}

/**
 * Reports (once) that a task's metrics reached {@linkcode MAX_METRIC_CHARS_PER_TASK}.
 *
 * @param name The name of the series whose point did not fit.
 */
export function reportBudgetFull(name: string): void {
  reportOnce(
    "metric_budget_full",
    "warn",
    "metric_budget_full",
    `Metric ${name}: the task's metrics reached their ${MAX_METRIC_CHARS_PER_TASK} characters of JSON (MAX_METRIC_CHARS_PER_TASK); each later point replaces the last point of its series where it fits (last values and running aggregates still count every point)`,
  );
}
