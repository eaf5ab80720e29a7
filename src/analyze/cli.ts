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
 * Arguments are read as design_research_agents' `argparse` parser reads them (unique prefixes
 * such as `--to 3`, `-h`/`--help` printing the full help to stdout, `--json=no` an error), and
 * usage, help and errors are argparse's texts under the program name `tracelet`
 * (`tracelet: error: …`, exit 2).
 *
 * @module
 */
import * as nodeFs from "node:fs";
import { resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { analyzeTraceDir, formatReportJson, formatReportText } from "./mod.ts";
import type { TraceDirReader } from "./mod.ts";

export type { TraceDirReader } from "./mod.ts";
import { noMatchNotice, noMatchWarning } from "./_no_match.ts";
import { fsTraceReader } from "./_fs_reader.ts";
import { formatHelp, formatUsage, helpWidth, parseArgs, PROG } from "./_cli_args.ts";
import { printable } from "../printable.ts";
import { deniedAccess } from "../runtime/_deno_access.ts";
import { getDeno } from "../runtime/_globals.ts";
import { listFilesBelow } from "../runtime/node_local_files.ts";

export { parseArgs } from "./_cli_args.ts";
export type { CliOptions, CliStop } from "./_cli_args.ts";

/**
 * A reader over `node:fs` that reads each file in chunks, so memory is bounded by the longest
 * line and files larger than a string can hold are analyzed. It lists with the file-system
 * presets' `listFilesBelow`: only the top directory for a glob without `/`, a subdirectory that
 * cannot be listed is skipped (reported as a warning), and a symbolic link to a directory is
 * followed when the analysis asks (a non-`**` part of the glob matches it, as in `pathlib`).
 * A file still being written is read as a snapshot: up to its size when opened, plus the rest of
 * a line cut at that edge (up to its newline, at most `maxTailBytes`), always in full chunks, so
 * the time to read it is bounded whatever the writer appends meanwhile.
 *
 * @param chunkBytes Bytes per read (at least 1). Default 64 KiB.
 * @param maxTailBytes How far past the size when opened a cut last line is read on, in bytes.
 *   Default: what the longest line analyzed (64 Mi UTF-16 code units) can take in UTF-8.
 * @returns The reader.
 */
export function createNodeReader(
  chunkBytes: number = 64 * 1024,
  maxTailBytes?: number,
): TraceDirReader {
  return fsTraceReader(nodeFs, {
    chunkBytes,
    maxTailBytes,
    listFiles: (dir, options) => listFilesBelow(dir, options),
  });
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
    if (nodeFs.statSync(path).isDirectory()) return undefined;
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
  off(event: "error", listener: () => void): unknown;
  write(text: string, callback: () => void): unknown;
}

/** Writes `text`; a closed pipe (e.g. `| head`) is not an error. Leaves no listener behind. */
function write(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("error", done); // `main()` called again and again (a reporting service)
      resolve();
    };
    stream.once("error", done);
    stream.write(text, done);
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
    // argparse: the help on stdout (exit 0); the usage and the error on stderr (exit 2).
    const width = helpWidth(process.env.COLUMNS, process.stdout.columns);
    if (options.help === true) return (await write(process.stdout, formatHelp(width)), 0);
    await write(process.stderr, `${formatUsage(width)}\n${PROG}: error: ${options.error}\n`);
    return 2;
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

/**
 * Whether this module is the program being run (`deno run …/cli.ts`, `node …/cli.js`) rather than
 * a module of one. Its own file name is required: bundled into an application, `import.meta.url`
 * is the bundle's, which is the main module too, and the CLI ran in place of the application.
 */
function isProgram(): boolean {
  if (!/\/analyze\/cli\.[jt]s$/.test(import.meta.url)) return false;
  const script = process.argv[1];
  return (import.meta as { main?: boolean }).main ??
    (script !== undefined && import.meta.url === pathToFileURL(resolve(script)).href);
}

// Not a top-level await: a program may load this module with `require()` or bundle it as CommonJS.
if (isProgram()) {
  main(process.argv.slice(2)).then((code) => process.exitCode = code, (error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
