/**
 * The analysis CLI's arguments, read as design_research_agents' `argparse` parser reads them
 * (`ArgumentParser(description=…)` with `--trace-dir` (required), `--glob`, `--json`
 * (`store_true`) and `--top-n` (`type=int`)), and its usage, help and error texts in argparse's
 * formats, under the program name `tracelet`:
 *
 * - a unique prefix of an option is that option (`--to 3`); an ambiguous one is an error
 *   (`ambiguous option: --t could match --trace-dir, --top-n`);
 * - a value is the `=` part (`--top-n=3`) or the next argument unless that is an option (a
 *   negative number such as `-3` is a value); `--json=no` is an error (`argument --json: ignored
 *   explicit argument 'no'`);
 * - `-h`/`--help` asks for the full help (printed to stdout, exit 0);
 * - arguments that are no option, and unknown options, are reported together at the end
 *   (`unrecognized arguments: a --b`), after a missing `--trace-dir`; everything from a `--` on
 *   is no option (and is reported with it, as Python 3.11's argparse does).
 *
 * @module
 */
import { globToRegExp } from "./glob.ts";
import { stringRepr } from "./_python_str.ts";
import { PROG } from "./_program_name.ts";

export { PROG };

const DESCRIPTION = "Analyze trace JSONL files and compute summary metrics.";

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
 * What stops the CLI before it reads anything: an error message (exit 2), or, with an empty
 * message and `help`, a request for the help text (printed to stdout, exit 0).
 */
export interface CliStop {
  /** The error message (argparse's, after `tracelet: error: `); empty for `--help`. */
  error: string;
  /** True when `-h`/`--help` asked for the help text. */
  help?: boolean;
}

/** One option of the parser, as argparse describes it. */
interface OptionSpec {
  /** Its option strings, short first. */
  readonly names: readonly string[];
  /** Where the value goes (none for `--help`). */
  readonly key: "traceDir" | "glob" | "json" | "topN" | "help";
  /** The value's placeholder, for options that take one. */
  readonly metavar?: string;
  /** Whether it must be given. */
  readonly required?: boolean;
  /** Its help text (design_research_agents' own). */
  readonly help: string;
}

const SPECS: readonly OptionSpec[] = [
  { names: ["-h", "--help"], key: "help", help: "show this help message and exit" },
  {
    names: ["--trace-dir"],
    key: "traceDir",
    metavar: "TRACE_DIR",
    required: true,
    help: "Directory containing trace JSONL files.",
  },
  { names: ["--glob"], key: "glob", metavar: "GLOB", help: "Glob pattern within trace directory." },
  { names: ["--json"], key: "json", help: "Emit JSON output instead of human summary." },
  {
    names: ["--top-n"],
    key: "topN",
    metavar: "TOP_N",
    help: "Top N rows for per-model/per-tool summaries.",
  },
];

/** Every option string, in the order argparse registers them. */
const OPTION_NAMES = SPECS.flatMap((spec) => spec.names);
const specOf = (name: string) => SPECS.find((spec) => spec.names.includes(name))!;
/** How argparse names an option in an error: `-h/--help`, `--top-n`. */
const display = (spec: OptionSpec) => spec.names.join("/");
const NEGATIVE_NUMBER = /^-\d+$|^-\d*\.\d+$/;

/** An argument as argparse classifies it before consuming any. */
type Classified =
  | { readonly kind: "value" }
  | { readonly kind: "unknown" }
  | { readonly kind: "option"; readonly spec: OptionSpec; readonly explicit: string | undefined }
  | { readonly kind: "error"; readonly error: string };

/** An option an argument may abbreviate, with the value given after its `=`. */
interface PrefixMatch {
  readonly name: string;
  readonly explicit: string | undefined;
}

/** The options an argument may abbreviate (argparse's `_get_option_tuples`). */
function prefixMatches(arg: string): PrefixMatch[] {
  if (arg.startsWith("--")) {
    const eq = arg.indexOf("=");
    const prefix = eq < 0 ? arg : arg.slice(0, eq);
    const explicit = eq < 0 ? undefined : arg.slice(eq + 1);
    return OPTION_NAMES.filter((n) => n.startsWith(prefix)).map((name) => ({ name, explicit }));
  }
  const short = arg.slice(0, 2);
  return OPTION_NAMES.flatMap((name): PrefixMatch[] =>
    name === short
      ? [{ name, explicit: arg.slice(2) }]
      : name.startsWith(arg)
      ? [{ name, explicit: undefined }]
      : []
  );
}

/** argparse's `_parse_optional`: an option (maybe abbreviated), an unknown one, or a value. */
function classify(arg: string): Classified {
  if (arg === "" || arg[0] !== "-") return { kind: "value" };
  if (OPTION_NAMES.includes(arg)) return { kind: "option", spec: specOf(arg), explicit: undefined };
  if (arg.length === 1) return { kind: "value" };
  const eq = arg.indexOf("=");
  if (eq > 0 && OPTION_NAMES.includes(arg.slice(0, eq))) {
    return { kind: "option", spec: specOf(arg.slice(0, eq)), explicit: arg.slice(eq + 1) };
  }
  const matches = prefixMatches(arg);
  if (matches.length > 1) {
    const names = matches.map((m) => m.name).join(", ");
    return { kind: "error", error: `ambiguous option: ${arg} could match ${names}` };
  }
  if (matches.length === 1) {
    return { kind: "option", spec: specOf(matches[0].name), explicit: matches[0].explicit };
  }
  if (NEGATIVE_NUMBER.test(arg) || arg.includes(" ")) return { kind: "value" };
  return { kind: "unknown" };
}

/** Python's `int(text)` for a decimal string (signs, spaces and `_` between digits allowed). */
function pythonInt(text: string): number | undefined {
  if (!/^\s*[-+]?\d+(?:_\d+)*\s*$/.test(text)) return undefined;
  return Number(text.replace(/_/g, ""));
}

/** A flag given a value: `-hh` is still help, anything else is argparse's error. */
function flagWithValue(spec: OptionSpec, explicit: string, short: boolean): CliStop {
  const rest = short ? explicit.replace(/^h+/, "") : explicit;
  if (short && rest === "") return { error: "", help: true };
  return { error: `argument ${display(spec)}: ignored explicit argument ${stringRepr(rest)}` };
}

/** Options being read, with which were given. */
interface ParseState {
  readonly options: CliOptions;
  traceDirGiven: boolean;
}

/** Stores one option's value (converted as argparse's `type=int` does for `--top-n`). */
function store(state: ParseState, spec: OptionSpec, value: string): CliStop | undefined {
  if (spec.key === "topN") {
    const n = pythonInt(value);
    if (n === undefined) {
      return { error: `argument --top-n: invalid int value: ${stringRepr(value)}` };
    }
    state.options.topN = Math.max(1, n); // DRA clamps to 1 (max(1, top_n))
  } else if (spec.key === "traceDir") {
    state.options.traceDir = value;
    state.traceDirGiven = true;
  } else if (spec.key === "glob") state.options.glob = value;
  return undefined;
}

/** The checks after every argument was read: the required option, then leftovers, then tracelet's. */
function finish(state: ParseState, extras: string[]): CliOptions | CliStop {
  if (!state.traceDirGiven) return { error: "the following arguments are required: --trace-dir" };
  if (extras.length > 0) return { error: `unrecognized arguments: ${extras.join(" ")}` };
  const { glob } = state.options;
  if (glob === "") return { error: "argument --glob: must not be empty" };
  if (glob !== undefined) {
    try {
      globToRegExp(glob); // an absolute glob is an error, as with pathlib
    } catch (error) {
      return { error: `argument --glob: ${(error as Error).message}` };
    }
  }
  return state.options;
}

/**
 * Parses the arguments as design_research_agents' `argparse` parser does (see the module).
 *
 * @param argv The arguments (without the program).
 * @returns The options, or why to stop: an error message, or `{ error: "", help: true }` for
 *   `-h`/`--help`.
 */
export function parseArgs(argv: readonly string[]): CliOptions | CliStop {
  const state: ParseState = {
    options: { traceDir: "", glob: undefined, json: false, topN: 10 },
    traceDirGiven: false,
  };
  const end = argv.indexOf("--"); // what follows `--` is never an option
  const kinds: Classified[] = [];
  for (const [i, arg] of argv.entries()) {
    const kind = end >= 0 && i >= end ? { kind: "value" as const } : classify(arg);
    if (kind.kind === "error") return { error: kind.error };
    kinds.push(kind);
  }
  const extras: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const kind = kinds[i];
    if (kind.kind !== "option") {
      extras.push(argv[i]);
      continue;
    }
    const { spec, explicit } = kind;
    if (spec.key === "help" || spec.key === "json") {
      if (explicit !== undefined) return flagWithValue(spec, explicit, !argv[i].startsWith("--"));
      if (spec.key === "help") return { error: "", help: true };
      state.options.json = true;
      continue;
    }
    let value = explicit;
    if (value === undefined && i + 1 < argv.length && i + 1 !== end) {
      if (kinds[i + 1].kind === "value") value = argv[++i];
    }
    if (value === undefined) return { error: `argument ${display(spec)}: expected one argument` };
    const stop = store(state, spec, value);
    if (stop !== undefined) return stop;
  }
  return finish(state, extras);
}

/**
 * The chunks Python's `textwrap` may break a line between: words, and the parts of a hyphenated
 * word after each hyphen that follows two letters and precedes a letter (`per-`, `model/per-`,
 * `tool`).
 */
function wrapChunks(word: string): string[] {
  return word.split(/(?<=\p{L}\p{L}-)(?=\p{L}-?\p{L})/u);
}

/** Greedy wrapping as Python's `textwrap.wrap` does it (words longer than a line kept whole). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const [w, word] of text.split(/\s+/).filter((w) => w !== "").entries()) {
    for (const [c, chunk] of wrapChunks(word).entries()) {
      const piece = w > 0 && c === 0 && line !== "" ? ` ${chunk}` : chunk;
      if (line !== "" && line.length + piece.length > width) {
        lines.push(line);
        line = chunk;
      } else line += piece;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}

/** An option in the usage line: `--trace-dir TRACE_DIR`, `[--glob GLOB]`. */
function usagePart(spec: OptionSpec): string {
  const text = spec.metavar === undefined ? spec.names[0] : `${spec.names[0]} ${spec.metavar}`;
  return spec.required ? text : `[${text}]`;
}

/**
 * The usage line as argparse writes it (`usage: tracelet [-h] --trace-dir TRACE_DIR …`), wrapped
 * to `width` after the program name when it is longer.
 *
 * @param width Python's `shutil.get_terminal_size().columns - 2` (default 78, for 80 columns).
 * @returns The usage text, without a final newline.
 */
export function formatUsage(width = 78): string {
  const prefix = "usage: ";
  const options = SPECS.map(usagePart).join(" ");
  const whole = `${PROG} ${options}`;
  // argparse's parts: a bracketed optional whole, anything else word by word.
  const parts = options.match(/\[.*?\]+(?=\s|$)|\S+/g) ?? [];
  if (prefix.length + whole.length <= width) return prefix + whole;
  // argparse's `get_lines`: parts after the program name, continued under the first of them.
  const indent = " ".repeat(prefix.length + PROG.length + 1);
  const lines: string[][] = [[]];
  let length = prefix.length - 1;
  for (const part of [PROG, ...parts]) {
    if (length + 1 + part.length > width && lines[lines.length - 1].length > 0) {
      lines.push([]);
      length = indent.length - 1;
    }
    lines[lines.length - 1].push(part);
    length += part.length + 1;
  }
  return prefix + lines.map((line, i) => (i === 0 ? "" : indent) + line.join(" ")).join("\n");
}

/** How the help names an option: `-h, --help`, `--trace-dir TRACE_DIR`. */
function invocationOf(spec: OptionSpec): string {
  const metavar = spec.metavar === undefined ? "" : ` ${spec.metavar}`;
  return spec.names.map((name) => name + metavar).join(", ");
}

/** An option's lines in the help: its invocation, then its help text from `column`. */
function optionLines(spec: OptionSpec, column: number, width: number): string[] {
  const invocation = invocationOf(spec);
  const help = wrap(spec.help, Math.max(width - column, 11));
  const pad = " ".repeat(column);
  if (invocation.length <= column - 4) {
    const first = `  ${invocation.padEnd(column - 4)}  ${help[0]}`;
    return [first, ...help.slice(1).map((line) => pad + line)];
  }
  return [`  ${invocation}`, ...help.map((line) => pad + line)];
}

/**
 * The full help as argparse's `print_help` writes it: usage, description and every option.
 *
 * @param width Python's `shutil.get_terminal_size().columns - 2` (default 78, for 80 columns).
 * @returns The help text, ending with a newline.
 */
export function formatHelp(width = 78): string {
  // argparse: help from column min(longest invocation + 4, 24), 24 narrowed on a narrow terminal.
  const longest = Math.max(...SPECS.map((spec) => invocationOf(spec).length + 2));
  const column = Math.min(longest + 2, Math.min(24, Math.max(width - 20, 4)));
  return [
    formatUsage(width),
    "",
    ...wrap(DESCRIPTION, Math.max(width, 11)),
    "",
    "options:",
    ...SPECS.flatMap((spec) => optionLines(spec, column, width)),
  ].join("\n") + "\n";
}

/**
 * Python's `shutil.get_terminal_size().columns - 2`: the `COLUMNS` variable, else the terminal's
 * width, else 80, less 2 (the width argparse formats to).
 *
 * @param columns The `COLUMNS` environment variable, if set.
 * @param terminal The terminal's width, when the output is one.
 * @returns The width.
 */
export function helpWidth(columns: string | undefined, terminal: number | undefined): number {
  const fromEnv = Number.parseInt(columns ?? "", 10);
  const width = fromEnv > 0 ? fromEnv : terminal !== undefined && terminal > 0 ? terminal : 80;
  return width - 2;
}
