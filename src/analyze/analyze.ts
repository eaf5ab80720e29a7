/**
 * Trace analysis (design_research_agents' `analyze_trace_dir`): reads JSONL trace files (event
 * lines, tracelet span lines and artifact records) and summarizes runs, model calls, tokens,
 * tools, workflow steps, latencies and errors. Blank lines are skipped; unparsable or non-object
 * lines are counted as `malformed_lines` and never stop the analysis.
 *
 * Lines may hold the bare `NaN`, `Infinity` and `-Infinity` that Python's `json.dumps` writes
 * (read as null, Infinity and -Infinity).
 *
 * Files are read one at a time, in byte chunks when the reader can (the configured local files of
 * the Node, Deno and Bun presets and the runtime's own `node:fs` can), and each line is folded
 * into the counts as it is read: memory is bounded by the longest line, not by the file or
 * directory. A file still being written is read as a snapshot of its size when opened (plus the
 * rest of a line cut at that edge), so reading it ends in bounded time.
 * A line longer than `maxLineLength` (default 64 Mi UTF-16 code units) is skipped as malformed.
 * The counts are bounded too, and exact below generous limits: 10,000 distinct error texts (each
 * kept whole up to 64 Ki characters), 1,000,000 durations per latency summary, 1,000,000 distinct
 * runs and traces. Past a limit the statistic is estimated (the top errors by the Space-Saving
 * algorithm, percentiles from a uniform sample, distinct counts by HyperLogLog) and a warning of
 * the report says which.
 *
 * @module
 */
import { peekConfig } from "../config_state.ts";
import { Accumulator } from "./_accumulate.ts";
import { globIsRecursive, globMatcher } from "./glob.ts";
import { utf8Lines } from "./lines.ts";
import { noMatchWarning } from "./_no_match.ts";
import { parsePythonJson } from "../serialize/parse_python_json.ts";
import type { AnalysisReport } from "./report.ts";
import type { LocalFiles } from "../config_state.ts";
import type { ChunkedFiles } from "../task/_artifact_blobs.ts";
import { snapshotChunks, tailBytesFor } from "./_snapshot_chunks.ts";
import { builtinFsReader } from "./_fs_reader.ts";

/** The default glob: DRA's run files. */
export const DEFAULT_GLOB = "run_*.jsonl";

/** The default cap on a line read in chunks, in UTF-16 code units (64 Mi). */
const DEFAULT_MAX_LINE_LENGTH = 64 * 1024 * 1024;

/** Bytes per chunk when the configured local files are read. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Reads a trace directory (the CLI passes one built on `node:fs`). A reader needs `readChunks` or
 * `readText`; `readChunks` is used when both exist. A file still being written should be read up
 * to its size when opened (plus the rest of a line cut there), so that reading it ends.
 */
export interface TraceDirReader {
  /**
   * The files of `dir` as `/`-separated relative paths, and those below it when
   * `options.recursive` (the glob has a `/`); a reader that ignores the options may list them
   * always, and names in subdirectories are then ignored for a glob without `/`. A subdirectory
   * that cannot be listed is passed to `options.onSkip` (with its path relative to `dir`; it
   * becomes a warning of the report) and skipped. A symbolic link to a directory is descended into
   * only when `options.followLink` (given its relative path) returns true; a reader that cannot
   * tell links apart may ignore it. Rejects when `dir` itself cannot be listed.
   */
  listFiles(
    dir: string,
    options?: {
      readonly recursive: boolean;
      readonly onSkip: (directory: string, error: unknown) => void;
      readonly followLink?: ((directory: string) => boolean) | undefined;
    },
  ): Promise<string[]>;
  /**
   * A file's bytes in order, in chunks of any size. Preferred: memory stays bounded by the
   * longest line, and files larger than a string can hold are read.
   */
  readChunks?(path: string): AsyncIterable<Uint8Array>;
  /** A file's whole text (used only without `readChunks`). */
  readText?(path: string): Promise<string>;
}

/** Options of {@linkcode analyzeTraceDir} and {@linkcode analyzeTraceFiles}. */
export interface AnalyzeOptions {
  /** The directory (reported in `inputs.trace_dir`). */
  traceDir: string;
  /** Which files to read, relative to the directory. Default `run_*.jsonl`. */
  glob?: string | undefined;
  /** How many entries ranked lists keep (at least 1). Default 10. */
  topN?: number | undefined;
  /**
   * The longest line read from `readChunks`, in UTF-16 code units; a longer line is skipped,
   * counted as malformed, and the lines after it are still read. Default 64 Mi.
   */
  maxLineLength?: number | undefined;
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

/** Parses one line into the accumulator; a blank line is skipped, a bad one counted. */
function addLine(acc: Accumulator, raw: string): void {
  const line = raw.trim();
  if (line === "") return;
  let parsed: unknown;
  try {
    parsed = parsePythonJson(line, null); // a bare NaN reads as null
  } catch {
    acc.malformed++;
    return;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) acc.malformed++;
  else acc.add(parsed as Record<string, unknown>);
}

function report(
  acc: Accumulator,
  files: string[],
  noneMatched: boolean,
  options: AnalyzeOptions,
  warnings: string[],
): AnalysisReport {
  const glob = options.glob ?? DEFAULT_GLOB;
  const topN = topNOf(options.topN);
  if (noneMatched) warnings.push(noMatchWarning(glob));
  if (acc.malformed > 0) warnings.push(`${acc.malformed} malformed line(s) skipped`);
  warnings.push(...acc.notes());
  return {
    inputs: {
      trace_dir: options.traceDir,
      glob,
      top_n: topN,
      files_scanned: files.length,
      files,
    },
    ...acc.build(topN),
    warnings,
  };
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
    for (const line of file.text.split("\n")) addLine(acc, line);
  }
  return report(acc, sorted.map((f) => f.name), sorted.length === 0, options, []);
}

/**
 * A reader over the configured `LocalFiles` (file-system presets), if any: in chunks when they
 * can (`readChunks`, as the Node, Deno and Bun presets' can), each file read as a snapshot of its
 * size when looked at (plus the rest of a line cut there, at most `maxTailBytes`), so a log still
 * being written is read in bounded time; else whole files decoded chunk by chunk (never one
 * string of the file, but the file's bytes at once).
 */
function configuredReader(maxTailBytes: number): TraceDirReader | undefined {
  const files = peekConfig()?.files as (LocalFiles & Partial<ChunkedFiles>) | undefined;
  if (files === undefined) return undefined;
  const listFiles: TraceDirReader["listFiles"] = (dir, options) => files.listFiles(dir, options);
  if (files.readChunks !== undefined) {
    return {
      listFiles,
      async *readChunks(path) {
        const stat = await files.stat(path);
        const chunks = files.readChunks!(path, CHUNK_BYTES);
        yield* stat?.isFile === true ? snapshotChunks(chunks, stat.size, maxTailBytes) : chunks;
      },
    };
  }
  return {
    listFiles,
    async *readChunks(path) {
      const bytes = await files.readFile(path);
      for (let i = 0; i < bytes.length; i += CHUNK_BYTES) {
        yield bytes.subarray(i, i + CHUNK_BYTES);
      }
    },
  };
}

/** Why `analyzeTraceDir` cannot read files here (no `reader`, no configured files, no `node:fs`). */
const NO_FILE_ACCESS = "analyzeTraceDir: this runtime offers no file access (no node:fs from " +
  "process.getBuiltinModule, no configure()d file system): pass a reader, or analyze texts " +
  "already read with analyzeTraceFiles()";

/**
 * The reader to use: the one given, else the configured local files, else the runtime's own
 * `node:fs` (Node 20.16+, Deno, Bun, workerd's virtual file system with `nodejs_compat`).
 */
function readerFor(
  given: TraceDirReader | undefined,
  maxLineLength: number,
): TraceDirReader | undefined {
  if (given !== undefined) return given;
  const maxTailBytes = tailBytesFor(maxLineLength);
  return configuredReader(maxTailBytes) ??
    builtinFsReader({ chunkBytes: CHUNK_BYTES, maxTailBytes });
}

/**
 * Which files of a listing the glob matches, following `pathlib`: `followLink` tells the lister
 * which symbolic links to directories to descend into (those a non-`**` part can match), and
 * remembers them so that `matches` knows which names of a path are links.
 */
function globFilter(glob: string) {
  const match = globMatcher(glob);
  const followed = new Set<string>();
  const linksOf = (names: string[]) =>
    names.map((_, i) => followed.has(names.slice(0, i + 1).join("/")));
  return {
    followLink(path: string): boolean {
      const names = path.split("/");
      const links = linksOf(names);
      links[links.length - 1] = true;
      if (!match(names, links, false)) return false;
      followed.add(path);
      return true;
    },
    matches(path: string): boolean {
      const names = path.split("/");
      return match(names, followed.size === 0 ? [] : linksOf(names), true);
    },
  };
}

const message = (error: unknown) => error instanceof Error ? error.message : String(error);

/** Folds one file's lines into `acc`, counting in `progress` the lines read before any error. */
async function addFile(
  acc: Accumulator,
  reader: TraceDirReader,
  path: string,
  progress: { lines: number },
  maxLineLength: number,
): Promise<void> {
  if (reader.readChunks !== undefined) {
    const onLongLine = () => (progress.lines++, acc.malformed++);
    for await (const line of utf8Lines(reader.readChunks(path), { maxLineLength, onLongLine })) {
      progress.lines++;
      addLine(acc, line);
    }
  } else if (reader.readText !== undefined) {
    for (const line of (await reader.readText(path)).split("\n")) addLine(acc, line);
  } else {
    throw new Error("the reader has neither readChunks nor readText");
  }
}

/**
 * Analyzes the JSONL files of a directory that match a glob, one file at a time. Never rejects
 * for bad content: an unreadable directory or file becomes a warning. A glob without `/` lists
 * only the top directory; a recursive one skips a subdirectory that cannot be listed. As with
 * Python's `pathlib`, a symbolic link to a directory is followed when a named or wildcard part of
 * the glob matches it (`latest/*.jsonl`, even when it leads outside the directory), never by `**`
 * (a link that loops back is never followed). The glob is relative to the directory: an absolute
 * one (`/x/*.jsonl`) rejects, as does `**` inside a longer part (`run_**.jsonl`), as `pathlib` does.
 *
 * Without a `reader`, files are read through the configured local files (the Node, Deno and Bun
 * presets' `configure()`), else through the runtime's own `node:fs`
 * (`process.getBuiltinModule`: Node 20.16 and later, Deno, Bun, and workerd's virtual file system
 * with `nodejs_compat`), so no setup is needed. A file still being written is read as it was when
 * opened, plus the rest of a line cut at that edge, so its read ends whatever the writer does.
 *
 * @param options Directory, glob, top n, and a reader (default: as above).
 * @returns The report.
 * @throws {RangeError} (a rejection) For an absolute glob, or `**` inside a longer part.
 * @throws {Error} (a rejection) Without a `reader` where the runtime offers no file access at all
 *   (a browser, workerd without `nodejs_compat`, Node before 20.16 without `configure()`).
 * @example
 * ```ts
 * import { analyzeTraceDir } from "@tracelet/tracelet/events";
 * // The files an EventTracer({ traceDir: "traces" }) wrote under the default storage root.
 * const report = await analyzeTraceDir({ traceDir: ".tracelet/traces", topN: 5 });
 * console.log(report.models.model_call_count, report.events.malformed_lines);
 * ```
 */
export async function analyzeTraceDir(
  options: AnalyzeOptions & { reader?: TraceDirReader | undefined },
): Promise<AnalysisReport> {
  const glob = options.glob ?? DEFAULT_GLOB;
  const cap = options.maxLineLength;
  const maxLineLength = cap === undefined || Number.isNaN(cap)
    ? DEFAULT_MAX_LINE_LENGTH
    : Math.max(1, cap);
  const recursive = globIsRecursive(glob); // rejects an absolute glob before anything is read
  const filter = globFilter(glob);
  const warnings: string[] = [];
  const acc = new Accumulator();
  const files: string[] = [];
  let matched = 0;
  const reader = readerFor(options.reader, maxLineLength);
  if (reader === undefined) throw new Error(NO_FILE_ACCESS);
  const dir = options.traceDir.replace(/[\\/]+$/, "");
  const onSkip = (sub: string, error: unknown) => {
    warnings.push(`Cannot list ${dir}/${sub}: ${message(error)} (skipped)`);
  };
  let names: string[] = [];
  try {
    names = await reader.listFiles(options.traceDir, {
      recursive,
      onSkip,
      followLink: filter.followLink,
    });
  } catch (error) {
    warnings.push(`Cannot list ${options.traceDir}: ${message(error)}`);
  }
  // Names are `/`-separated already: a `\` is part of a file name on POSIX systems.
  for (const name of [...names].sort()) {
    if (!filter.matches(name)) continue;
    matched++;
    const progress = { lines: 0 };
    try {
      await addFile(acc, reader, `${dir}/${name}`, progress, maxLineLength);
      files.push(name);
    } catch (error) {
      const counted = progress.lines > 0
        ? ` (its first ${progress.lines} line(s) were counted)`
        : "";
      warnings.push(`Cannot read ${name}: ${message(error)}${counted}`);
    }
  }
  return report(acc, files, matched === 0, { ...options, glob }, warnings);
}
