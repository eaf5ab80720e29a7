/**
 * What the analysis says when no file matched its glob: the report's warning
 * (design_research_agents' text, also in `--json`) and the CLI's one line on stderr, which names
 * the glob and the directory and, when the default glob (`run_*.jsonl`, DRA's run files) missed
 * other JSONL files (a tracelet run directory holds `spans.jsonl`), suggests `--glob '*.jsonl'`.
 *
 * @module
 */
import { printable } from "../printable.ts";
import { PROG } from "./_program_name.ts";

/** How many of the other JSONL files the CLI's hint names. */
const NAMED = 3;

/**
 * The report's warning when no file matched (design_research_agents' text).
 *
 * @param glob The glob used.
 * @returns The warning.
 */
export function noMatchWarning(glob: string): string {
  return `No trace files matched ${glob}`;
}

/** What the CLI knows when no file matched: its options and what the directory listing gave. */
export interface NoMatchContext {
  /** The trace directory, as given. */
  readonly traceDir: string;
  /** The glob used. */
  readonly glob: string;
  /** Whether the glob is the default one (no `--glob`). */
  readonly defaultGlob: boolean;
  /** The names the listing gave (relative, `/`-separated), when it succeeded. */
  readonly names?: readonly string[] | undefined;
  /** Why the directory could not be listed, when it could not. */
  readonly listError?: unknown;
}

/**
 * The CLI's one line (no newline) on stderr when no file matched: which glob matched nothing in
 * which directory, with a hint to `--glob '*.jsonl'` when the default glob was used and the
 * directory holds other `.jsonl` files, or why the directory could not be listed. The directory,
 * glob and file names pass through `printable()`, so the line stays one line.
 *
 * @param context The glob, the directory and its listing.
 * @returns The line.
 */
export function noMatchNotice(context: NoMatchContext): string {
  const dir = `'${printable(context.traceDir)}'`;
  if (context.names === undefined && context.listError !== undefined) {
    const reason = context.listError instanceof Error
      ? context.listError.message
      : String(context.listError);
    return `${PROG}: warning: cannot list ${dir}: ${printable(reason)}; no file was read`;
  }
  const line = `${PROG}: warning: no file matched '${printable(context.glob)}' in ${dir}`;
  if (!context.defaultGlob) return line;
  const others = (context.names ?? []).filter((n) => !n.includes("/") && n.endsWith(".jsonl"));
  if (others.length === 0) return line;
  const named = others.slice(0, NAMED).map(printable).join(", ") +
    (others.length > NAMED ? ", ..." : "");
  const files = others.length === 1 ? "file is" : "files are";
  return `${line}; ${others.length} other .jsonl ${files} there (${named}): ` +
    `try --glob '*.jsonl'`;
}
