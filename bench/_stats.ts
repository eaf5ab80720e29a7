/**
 * Measurement and reporting for the benchmarks: a thin wrapper over mitata's `measure` that
 * reports nanoseconds per unit (span, tree, batch), the environment block (date, runtime,
 * machine, command), and the markdown tables.
 *
 * @module
 */
import { measure } from "mitata";
import { cpus, totalmem } from "node:os";
import process from "node:process";

/** How hard to measure: `full` for real numbers, `smoke` to prove the code still runs. */
export type Mode = "full" | "smoke";

/** One measured case, in nanoseconds per unit. */
export interface Stat {
  /** Case name, e.g. `tracelet`, `otel sdk-trace-base 2.12.1`. */
  readonly name: string;
  /** What one unit is (`span`, `tree`, `batch`). */
  readonly unit: string;
  /** Ratio group: the first case of a group is the baseline of the ratio column. */
  readonly group: string;
  /** Median ns per unit. */
  readonly median: number;
  /** 25th percentile ns per unit. */
  readonly p25: number;
  /** 75th percentile ns per unit. */
  readonly p75: number;
  /** Mean ns per unit (includes the occasional GC pause the median hides). */
  readonly mean: number;
  /** Samples taken. */
  readonly samples: number;
  /** The median ns per unit of each round (the cases of a group take turns, round by round). */
  readonly rounds?: readonly number[];
  /** Extra columns (bytes, MB/s, …). */
  readonly extra?: Readonly<Record<string, string | number>>;
}

/** A target of the issue, evaluated. */
export interface Target {
  /** What is compared, e.g. `A-flat: otel 2.x / tracelet`. */
  readonly what: string;
  /** The measured value (a ratio unless `unit` says otherwise). */
  readonly value: number;
  /** The requirement, e.g. `>= 4`. */
  readonly need: string;
  /** Whether it is met. */
  readonly met: boolean;
  /**
   * The lowest and highest value of the same ratio taken round by round (each round's medians of
   * the two cases, which ran back to back): how much of the verdict the machine's noise can move.
   */
  readonly range?: readonly [number, number];
}

/** The results of one workload. */
export interface Section {
  /** Heading, e.g. `A. Span lifecycle`. */
  readonly title: string;
  /** What the workload does and how it is measured. */
  readonly notes: readonly string[];
  /** Measured cases, in display order. */
  readonly stats: readonly Stat[];
  /** Targets of the issue evaluated on these numbers. */
  readonly targets: readonly Target[];
  /** Free-form markdown rows (used by the memory workload). */
  readonly table?: { readonly header: readonly string[]; readonly rows: readonly string[][] };
}

/** Rounds per group in full mode: the cases of a group take turns, round after round. */
const ROUNDS = 8;
/** CPU time per case per round in full mode, ns. */
const ROUND_NS = 200 * 1e6;

/** Which clock the samples use. */
export type Clock = "cpu" | "wall";
let clock: Clock = "cpu";

/**
 * Selects the clock. `cpu` (the default) is the process's user + system CPU time
 * (`process.cpuUsage()`, µs resolution, about 1 µs per read; every measured call takes 100 µs or
 * more): other processes on a shared machine do not inflate it, and work on helper threads (GC,
 * the zlib thread pool) still counts. `wall` is `performance.now()`.
 *
 * @param value The clock.
 */
export function useClock(value: Clock): void {
  clock = value;
}

/** The selected clock's name, for the tables. */
export function clockLabel(): string {
  return clock === "cpu" ? "CPU time (user + system)" : "wall time";
}

function cpuNow(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1000;
}

/** mitata options per mode. The smoke mode runs every case a couple of times only. */
function options(mode: Mode): Record<string, unknown> {
  const now = clock === "cpu" ? { now: cpuNow } : {};
  return mode === "smoke"
    ? {
      ...now,
      min_samples: 1,
      max_samples: 2,
      min_cpu_time: 0,
      warmup_samples: 0,
      batch_samples: 1,
    }
    : { ...now, min_samples: 12, min_cpu_time: ROUND_NS, warmup_samples: 4 };
}

/** One case of a group. */
export interface Case {
  /** Case name. */
  readonly name: string;
  /** Unit, units per call, ratio group, extra columns. */
  readonly opts: CaseOptions;
  /** The operation (may be async; it is awaited). */
  readonly fn: () => unknown;
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))];
}

/**
 * Measures the cases of a group in interleaved rounds (a, b, c, a, b, c, …) and pools each
 * case's samples, so a slow phase of a busy machine hits every case alike instead of whichever
 * ran then.
 *
 * @param cases The cases.
 * @param mode Full or smoke.
 * @returns One stat per case, in order.
 */
export async function timeGroup(cases: readonly Case[], mode: Mode): Promise<Stat[]> {
  const rounds = mode === "smoke" ? 1 : ROUNDS;
  const pooled: number[][] = cases.map(() => []);
  const roundMedians: number[][] = cases.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < cases.length; i++) {
      const s = await measure(
        cases[i].fn as () => void,
        options(mode) as unknown as Parameters<typeof measure>[1],
      );
      for (const v of s.samples) pooled[i].push(v);
      const sorted = [...s.samples].sort((a, b) => a - b);
      roundMedians[i].push(percentile(sorted, 0.5) / (cases[i].opts.perOp ?? 1));
    }
  }
  return cases.map((c, i) => {
    const samples = pooled[i].sort((a, b) => a - b);
    const perOp = c.opts.perOp ?? 1;
    const mean = samples.reduce((a, v) => a + v, 0) / samples.length;
    return {
      name: c.name,
      unit: c.opts.unit,
      group: c.opts.group ?? c.opts.unit,
      median: percentile(samples, 0.5) / perOp,
      p25: percentile(samples, 0.25) / perOp,
      p75: percentile(samples, 0.75) / perOp,
      mean: mean / perOp,
      samples: samples.length,
      rounds: roundMedians[i],
      extra: c.opts.extra,
    };
  });
}

/** How a case is measured and shown. */
export interface CaseOptions {
  /** What one unit is (`span`, `tree`, `batch`). */
  readonly unit: string;
  /** Units per call. Default 1. */
  readonly perOp?: number;
  /** Ratio group. Default: the unit. */
  readonly group?: string;
  /** Extra columns. */
  readonly extra?: Record<string, string | number>;
}

/**
 * Measures one case (in rounds, like {@linkcode timeGroup}).
 *
 * @param name The case name.
 * @param opts Unit, units per call, ratio group, extra columns.
 * @param fn The operation (may be async; it is awaited).
 * @param mode Full or smoke.
 * @returns Nanoseconds per unit.
 */
export async function time(
  name: string,
  opts: CaseOptions,
  fn: () => unknown,
  mode: Mode,
): Promise<Stat> {
  return (await timeGroup([{ name, opts, fn }], mode))[0];
}

/**
 * Formats nanoseconds with a fitting unit.
 *
 * @param ns Nanoseconds.
 * @returns E.g. `412 ns`, `3.1 µs`, `1.25 ms`.
 */
export function fmtNs(ns: number): string {
  if (!Number.isFinite(ns)) return "n/a";
  if (ns < 1_000) return `${ns.toFixed(ns < 10 ? 2 : 0)} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(ns < 10_000 ? 2 : 1)} µs`;
  return `${(ns / 1_000_000).toFixed(2)} ms`;
}

/**
 * Formats a ratio.
 *
 * @param r The ratio.
 * @returns E.g. `4.2×`.
 */
export function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(r < 10 ? 2 : 1)}×` : "n/a";
}

/** The runtime this process runs on. */
export function runtimeName(): "deno" | "bun" | "node" {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  return g.Deno !== undefined ? "deno" : g.Bun !== undefined ? "bun" : "node";
}

/** The runtime with its version, e.g. `node 20.20.2`, `deno 2.9.6 (V8 15.0)`. */
export function runtimeLabel(): string {
  const g = globalThis as {
    Deno?: { version: { deno: string; v8: string } };
    Bun?: { version: string };
  };
  if (g.Deno) return `deno ${g.Deno.version.deno} (V8 ${g.Deno.version.v8})`;
  if (g.Bun) return `bun ${g.Bun.version} (JavaScriptCore)`;
  return `node ${process.versions.node} (V8 ${process.versions.v8})`;
}

/** The machine: CPU model, core count and memory. */
export function machineLabel(): string {
  const list = cpus();
  const model = list[0]?.model?.trim() ?? "unknown CPU";
  return `${model}, ${list.length} cores, ${
    (totalmem() / 2 ** 30).toFixed(0)
  } GiB RAM, ${process.platform}/${process.arch}`;
}

/** A `gc()` function if this runtime exposes one (`--expose-gc`, Bun), else undefined. */
export function gcFunction(): (() => void) | undefined {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (g.Bun) return () => g.Bun!.gc(true);
  if (typeof g.gc === "function") return () => g.gc!();
  return undefined;
}

/** Used heap bytes (V8 `heapUsed`; JavaScriptCore's heap size on Bun). */
export function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

function cell(s: Stat, baseline: Stat | undefined): string[] {
  const ratio = baseline === undefined ? "" : fmtRatio(s.median / baseline.median);
  return [
    s.name,
    `${fmtNs(s.median)} / ${s.unit}`,
    `${fmtNs(s.p25)} … ${fmtNs(s.p75)}`,
    fmtNs(s.mean),
    ratio,
  ];
}

/**
 * Renders one section as markdown. The first stat of each unit group is the baseline of the
 * ratio column ("× of first").
 *
 * @param section The section.
 * @returns Markdown text.
 */
export function renderSection(section: Section): string {
  const lines: string[] = [`### ${section.title}`, ""];
  for (const note of section.notes) lines.push(`- ${note}`);
  if (section.notes.length > 0) lines.push("");
  if (section.stats.length > 0) {
    const extraKeys = [...new Set(section.stats.flatMap((s) => Object.keys(s.extra ?? {})))];
    lines.push(
      `| ${
        ["case", "median", "p25 … p75", "mean", "× first of group", ...extraKeys].join(" | ")
      } |`,
    );
    lines.push(`|---|---:|---:|---:|---:|${extraKeys.map(() => "---:|").join("")}`);
    const baselines = new Map<string, Stat>();
    const sizes = new Map<string, number>();
    for (const s of section.stats) sizes.set(s.group, (sizes.get(s.group) ?? 0) + 1);
    for (const s of section.stats) {
      if (!baselines.has(s.group)) baselines.set(s.group, s);
      const base = sizes.get(s.group)! > 1 ? baselines.get(s.group) : undefined;
      const extras = extraKeys.map((k) => String(s.extra?.[k] ?? ""));
      lines.push(`| ${[...cell(s, base), ...extras].join(" | ")} |`);
    }
    lines.push("");
  }
  if (section.table !== undefined) {
    lines.push(`| ${section.table.header.join(" | ")} |`);
    lines.push(`|${section.table.header.map(() => "---|").join("")}`);
    for (const row of section.table.rows) lines.push(`| ${row.join(" | ")} |`);
    lines.push("");
  }
  if (section.targets.length > 0) {
    lines.push(
      "| target | measured (per-round min–max) | required | met |",
      "|---|---:|---:|:---:|",
    );
    for (const t of section.targets) {
      const met = t.need.startsWith("(") ? "—" : t.met ? "yes" : "**no**";
      lines.push(`| ${t.what} | ${fmtTargetValue(t)} | ${t.need} | ${met} |`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

/**
 * Builds a "faster by" target: `slow / fast >= need`.
 *
 * @param what Description.
 * @param slow The slower case.
 * @param fast The faster case.
 * @param need The required factor.
 * @returns The target.
 */
export function fasterBy(what: string, slow: Stat, fast: Stat, need: number): Target {
  const value = slow.median / fast.median;
  return { what, value, need: `>= ${need}×`, met: value >= need, range: roundRange(slow, fast) };
}

/**
 * The range of `a / b` over the rounds both were measured in.
 *
 * @param a The numerator's stat.
 * @param b The denominator's stat.
 * @returns `[min, max]`, or undefined when the two were not measured in the same rounds.
 */
function roundRange(a: Stat, b: Stat): [number, number] | undefined {
  const x = a.rounds;
  const y = b.rounds;
  if (x === undefined || y === undefined || x.length !== y.length || x.length < 2) return undefined;
  const ratios = x.map((v, i) => v / y[i]);
  return [Math.min(...ratios), Math.max(...ratios)];
}

/**
 * Formats a target's value with its per-round range.
 *
 * @param t The target.
 * @returns E.g. `3.73× (3.41–4.02)`.
 */
export function fmtTargetValue(t: Target): string {
  const range = t.range === undefined ? "" : ` (${t.range[0].toFixed(2)}–${t.range[1].toFixed(2)})`;
  return `${fmtRatio(t.value)}${range}`;
}

/**
 * Builds an "at most" target: `a / b <= need`.
 *
 * @param what Description.
 * @param a The measured case.
 * @param b The reference.
 * @param need The allowed factor.
 * @returns The target.
 */
export function atMost(what: string, a: Stat, b: Stat, need: number): Target {
  const value = a.median / b.median;
  return { what, value, need: `<= ${need}×`, met: value <= need, range: roundRange(a, b) };
}
