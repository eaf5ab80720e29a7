/**
 * Trace analysis (design_research_agents' `analyze_trace_dir`): reads JSONL trace files (event
 * lines and tracelet span lines) and summarizes runs, model calls, tokens, tools, workflow
 * steps, latencies and errors. Blank lines are skipped; unparsable or non-object lines are
 * counted as `malformed_lines` and never stop the analysis.
 *
 * @module
 */
import { peekConfig } from "../config_state.ts";
import { Accumulator } from "./_accumulate.ts";
import { globIsRecursive, globToRegExp } from "./glob.ts";
import type { AnalysisReport } from "./report.ts";
import { utf8Decoder } from "../utf8.ts";

/** The default glob: DRA's run files. */
export const DEFAULT_GLOB = "run_*.jsonl";

/** Reads a trace directory (the CLI passes one built on `node:fs`). */
export interface TraceDirReader {
  /** Every file below `dir`, recursively, as `/`-separated relative paths. */
  listFiles(dir: string): Promise<string[]>;
  /** A file's text. */
  readText(path: string): Promise<string>;
}

/** Options of {@linkcode analyzeTraceDir} and {@linkcode analyzeTraceFiles}. */
export interface AnalyzeOptions {
  /** The directory (reported in `inputs.trace_dir`). */
  traceDir: string;
  /** Which files to read, relative to the directory. Default `run_*.jsonl`. */
  glob?: string;
  /** How many entries ranked lists keep (at least 1). Default 10. */
  topN?: number;
}

/** One file's name and text. */
export interface TraceFileText {
  /** The path relative to the trace directory. */
  name: string;
  /** The file's text. */
  text: string;
}

function topNOf(value: number | undefined): number {
  return Math.max(1, Math.trunc(Number.isFinite(value) ? value! : 10));
}

/**
 * Analyzes file texts already read (sorted by name here).
 *
 * @param files The files.
 * @param options Directory name, glob, top n.
 * @returns The report.
 */
export function analyzeTraceFiles(
  files: readonly TraceFileText[],
  options: AnalyzeOptions,
): AnalysisReport {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const acc = new Accumulator();
  for (const file of sorted) {
    for (const raw of file.text.split("\n")) {
      const line = raw.trim();
      if (line === "") continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        acc.malformed++;
        continue;
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        acc.malformed++;
        continue;
      }
      acc.add(parsed as Record<string, unknown>);
    }
  }
  const topN = topNOf(options.topN);
  const sections = acc.build(topN);
  const warnings: string[] = [];
  if (sorted.length === 0) warnings.push(`No trace files matched ${options.glob ?? DEFAULT_GLOB}`);
  if (acc.malformed > 0) warnings.push(`${acc.malformed} malformed line(s) skipped`);
  return {
    inputs: {
      trace_dir: options.traceDir,
      glob: options.glob ?? DEFAULT_GLOB,
      top_n: topN,
      files_scanned: sorted.length,
      files: sorted.map((f) => f.name),
    },
    ...sections,
    warnings,
  };
}

/** A reader over the configured `LocalFiles` (file-system presets), if any. */
function configuredReader(): TraceDirReader | undefined {
  const files = peekConfig()?.files;
  if (files === undefined) return undefined;
  return {
    listFiles: (dir) => files.listFiles(dir),
    readText: async (path) => utf8Decoder.decode(await files.readFile(path)),
  };
}

/**
 * Analyzes the JSONL files of a directory that match a glob. Never rejects for bad content: an
 * unreadable directory or file becomes a warning.
 *
 * @param options Directory, glob, top n, and a reader (default: the configured local files).
 * @returns The report.
 * @example
 * ```ts
 * import { analyzeTraceDir } from "@tracelet/tracelet/events";
 * const report = await analyzeTraceDir({ traceDir: ".tracelet/traces", topN: 5, reader });
 * console.log(report.models.model_call_count, report.events.malformed_lines);
 * ```
 */
export async function analyzeTraceDir(
  options: AnalyzeOptions & { reader?: TraceDirReader },
): Promise<AnalysisReport> {
  const glob = options.glob ?? DEFAULT_GLOB;
  const reader = options.reader ?? configuredReader();
  const warnings: string[] = [];
  const files: TraceFileText[] = [];
  if (reader === undefined) {
    warnings.push("Cannot read trace files: no file access is configured on this runtime");
  } else {
    let names: string[] = [];
    try {
      names = await reader.listFiles(options.traceDir);
    } catch (error) {
      warnings.push(
        `Cannot list ${options.traceDir}: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
    const pattern = globToRegExp(glob);
    const recursive = globIsRecursive(glob);
    for (const name of names.map((n) => n.replace(/\\/g, "/")).sort()) {
      if (!recursive && name.includes("/")) continue;
      if (!pattern.test(name)) continue;
      try {
        files.push({
          name,
          text: await reader.readText(`${options.traceDir.replace(/[\\/]+$/, "")}/${name}`),
        });
      } catch (error) {
        warnings.push(
          `Cannot read ${name}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }
  const report = analyzeTraceFiles(files, { ...options, glob });
  report.warnings.unshift(...warnings);
  return report;
}
