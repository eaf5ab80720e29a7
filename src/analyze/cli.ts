/**
 * Trace-analysis CLI (design_research_agents' `_analysis.main`), using `node:` built-ins only so
 * it runs unchanged on Deno, Node and Bun:
 *
 *   deno run -A jsr:@tracelet/tracelet/cli --trace-dir DIR [--glob PATTERN] [--json] [--top-n N]
 *   npx tracelet --trace-dir .tracelet --glob '**\/*.jsonl' --json      (the npm package's bin)
 *   deno task analyze --trace-dir .tracelet/traces                      (in a clone)
 *
 * Reads the JSONL files of DIR matching PATTERN (default `run_*.jsonl`; a pattern with `/`
 * searches subdirectories), event lines and tracelet span lines alike, and prints a readable
 * summary (or pretty JSON with sorted keys). Malformed lines are counted, never fatal; the exit
 * code is 0 unless the arguments are invalid (2), e.g. an absolute `--glob` or one with `**`
 * inside a longer part (`run_**.jsonl`), or a `--trace-dir` that does not exist or is not a
 * directory. When no file matches, the (empty) report is still printed and exits 0, as in
 * design_research_agents, and one line on stderr says so (suggesting `--glob '*.jsonl'` when the
 * default glob missed other `.jsonl` files, e.g. a run directory's `spans.jsonl`); stdout stays
 * the report alone (pure JSON with `--json`).
 *
 * @module
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { analyzeTraceDir, formatReportJson, formatReportText, globToRegExp } from "./mod.ts";
import type { TraceDirReader } from "./mod.ts";

export type { TraceDirReader } from "./mod.ts";
import { noMatchNotice, noMatchWarning } from "./_no_match.ts";
import { printable } from "../printable.ts";
import { deniedAccess } from "../runtime/_deno_access.ts";
import { getDeno } from "../runtime/_globals.ts";
import { listFilesBelow } from "../runtime/node_local_files.ts";

const USAGE = "usage: tracelet --trace-dir DIR [--glob PATTERN] [--json] [--top-n N]";

/** Parsed command-line options. */
export interface CliOptions {
  /** `--trace-dir`: the directory to read. */
  traceDir: string;
  /** `--glob`: which files (default `run_*.jsonl`). */
  glob: string | undefined;
  /** `--json`: pretty JSON with sorted keys instead of the readable summary. */
  json: boolean;
  /** `--top-n`: entries of each ranked list (default 10, at least 1). */
  topN: number;
}

/**
 * Parses the arguments.
 *
 * @param argv The arguments (without the program).
 * @returns The options, or an error message.
 */
export function parseArgs(argv: readonly string[]): CliOptions | { error: string } {
  const options: CliOptions = { traceDir: "", glob: undefined, json: false, topN: 10 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    // Like argparse: a value is the `=` part or the next argument unless that is an option
    // (a negative number such as `-3` is a value).
    const value = (): string | undefined => {
      if (eq > 0 && arg.startsWith("--")) return arg.slice(eq + 1);
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith("-") && !/^-\d/.test(next))) return undefined;
      i++;
      return next;
    };
    const missing = { error: `argument ${name}: expected one argument` };
    if (name === "--json") options.json = true;
    else if (name === "--trace-dir") {
      const v = value();
      if (v === undefined) return missing;
      options.traceDir = v;
    } else if (name === "--glob") {
      const v = value();
      if (v === undefined) return missing;
      options.glob = v;
    } else if (name === "--top-n") {
      const v = value();
      if (v === undefined) return missing;
      if (!/^\s*[-+]?\d+\s*$/.test(v)) {
        return { error: `argument --top-n: invalid int value: '${v}'` };
      }
      options.topN = Math.max(1, Number(v)); // DRA clamps to 1 (max(1, top_n))
    } else if (name === "-h" || name === "--help") return { error: "" };
    else return { error: `unrecognized argument: ${arg}` };
  }
  if (options.traceDir === "") {
    return { error: "the following arguments are required: --trace-dir" };
  }
  if (options.glob === "") return { error: "--glob must not be empty" };
  if (options.glob !== undefined) {
    try {
      globToRegExp(options.glob); // an absolute glob is an error, as with pathlib
    } catch (error) {
      return { error: `argument --glob: ${(error as Error).message}` };
    }
  }
  return options;
}

/**
 * A reader over `node:fs` that reads each file in chunks, so memory is bounded by the longest
 * line and files larger than a string can hold are analyzed. It lists with the file-system
 * presets' `listFilesBelow`: only the top directory for a glob without `/`, a subdirectory that
 * cannot be listed is skipped (reported as a warning), and a symbolic link to a directory is
 * followed when the analysis asks (a non-`**` part of the glob matches it, as in `pathlib`).
 *
 * @param chunkBytes Bytes per read (at least 1). Default 64 KiB.
 * @returns The reader.
 */
export function createNodeReader(chunkBytes: number = 64 * 1024): TraceDirReader {
  const size = Math.max(1, Math.trunc(chunkBytes) || 1);
  return {
    listFiles: (dir, options) => listFilesBelow(dir, options),
    async *readChunks(path: string): AsyncGenerator<Uint8Array> {
      // A small regular file (a run's log, most often) is read whole, synchronously: the CLI has
      // nothing else to do meanwhile, and four asynchronous calls a file (open, stat, read,
      // close) cost most of the time of a directory of many runs.
      const small = readSmallFile(path, size);
      if (small !== undefined) {
        if (small.length > 0) yield small;
        return;
      }
      const handle = await open(path, "r");
      try {
        // A regular file is read in chunks sized to it (a one-line run file took two 64 KiB
        // buffers, zeroed, and a second read for its end: most of the time of a directory of many
        // runs); a short read is its end. Anything else (a FIFO, a device) reads until 0 bytes.
        const stat = await handle.stat();
        const regular = stat.isFile();
        let left = regular ? stat.size : Infinity;
        for (;;) {
          const want = Math.max(1, Math.min(size, left + 1));
          const buffer = new Uint8Array(want);
          const { bytesRead } = await handle.read(buffer, 0, want, null);
          if (bytesRead === 0) return;
          yield buffer.subarray(0, bytesRead);
          if (regular && bytesRead < want) return;
          left = Math.max(0, left - bytesRead);
        }
      } finally {
        await handle.close();
      }
    },
  };
}

/**
 * The bytes of `path` when it is a regular file of at most `limit` bytes, read synchronously;
 * `undefined` for anything else (read in chunks instead). Throws as `open` does.
 */
function readSmallFile(path: string, limit: number): Uint8Array | undefined {
  // Checked before opening: opening a FIFO waits for a writer, which must not block the CLI.
  const found = statSync(path);
  if (!found.isFile() || found.size > limit) return undefined;
  const fd = openSync(path, "r");
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > limit) return undefined;
    const buffer = new Uint8Array(stat.size + 1);
    let length = 0;
    for (
      let n;
      length < buffer.length &&
      (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0;
    ) {
      length += n;
    }
    if (length === buffer.length) return undefined; // it grew while read: read it in chunks
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** The CLI's reader: {@linkcode createNodeReader} with 64 KiB chunks. */
export const nodeReader: TraceDirReader = createNodeReader();

/**
 * Why `path` cannot be the trace directory (it does not exist, is not a directory, or cannot be
 * looked at), or `undefined` when it is a directory. On Deno, a path not granted read access is
 * refused at once, never prompted for.
 *
 * @param path The `--trace-dir` argument.
 * @returns The error message (the argument's part of it), or `undefined`.
 */
export function traceDirError(path: string): string | undefined {
  const quoted = `'${printable(path)}'`;
  try {
    const deno = getDeno();
    const denied = deno === undefined ? undefined : deniedAccess(deno, { name: "read", path });
    if (denied !== undefined) throw denied;
    if (statSync(path).isDirectory()) return undefined;
    return `not a directory: ${quoted}`;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return `no such directory: ${quoted}`;
    const reason = error instanceof Error ? error.message : String(error);
    return `cannot access ${quoted}: ${printable(reason)}`;
  }
}

interface Writable {
  once(event: "error", listener: () => void): unknown;
  write(text: string, callback: () => void): unknown;
}

function write(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve) => {
    stream.once("error", () => resolve()); // a closed pipe (e.g. `| head`) is not an error
    stream.write(text, () => resolve());
  });
}

/**
 * Runs the CLI.
 *
 * @param argv The arguments.
 * @returns The exit code.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  const dirError = "error" in parsed ? undefined : traceDirError(parsed.traceDir);
  const options = dirError === undefined ? parsed : { error: `argument --trace-dir: ${dirError}` };
  if ("error" in options) {
    await write(
      process.stderr,
      `${USAGE}\n${options.error ? `analyze: error: ${options.error}\n` : ""}`,
    );
    return options.error ? 2 : 0;
  }
  // The listing is kept for the line on stderr when no file matched.
  const listing: { names?: string[]; error?: unknown } = {};
  const reader: TraceDirReader = {
    ...nodeReader,
    async listFiles(dir, listOptions) {
      try {
        return listing.names = await nodeReader.listFiles(dir, listOptions);
      } catch (error) {
        listing.error = error;
        throw error;
      }
    },
  };
  const report = await analyzeTraceDir({
    traceDir: options.traceDir,
    glob: options.glob,
    topN: options.topN,
    reader,
  });
  await write(
    process.stdout,
    `${options.json ? formatReportJson(report) : formatReportText(report)}\n`,
  );
  if (report.warnings.includes(noMatchWarning(report.inputs.glob))) {
    const notice = noMatchNotice({
      traceDir: options.traceDir,
      glob: report.inputs.glob,
      defaultGlob: options.glob === undefined,
      names: listing.names,
      listError: listing.error,
    });
    await write(process.stderr, `${notice}\n`);
  }
  return 0; // also when nothing matched, as design_research_agents exits
}

const script = process.argv[1];
const isMain = (import.meta as { main?: boolean }).main ??
  (script !== undefined && import.meta.url === pathToFileURL(resolve(script)).href);
if (isMain) {
  process.exitCode = await main(process.argv.slice(2));
}
