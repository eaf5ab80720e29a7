// The analysis CLI reads its arguments as design_research_agents' argparse parser does, and
// prints argparse's texts under one program name, `tracelet` (expected texts below are Python
// 3.11's argparse output for the same parser). It printed only a usage line of its own for
// `--help` (to stderr), took `--json=no` as `--json`, rejected unambiguous prefixes (`--to 3`),
// and wrote `analyze: error:` under `usage: tracelet`.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseArgs } from "../../src/analyze/cli.ts";
import { formatHelp, formatUsage } from "../../src/analyze/_cli_args.ts";
import { hasFileSystem } from "../_support/runtime.ts";
import { runCli } from "./_run_cli.ts";

const HELP_80 = `usage: tracelet [-h] --trace-dir TRACE_DIR [--glob GLOB] [--json]
                [--top-n TOP_N]

Analyze trace JSONL files and compute summary metrics.

options:
  -h, --help            show this help message and exit
  --trace-dir TRACE_DIR
                        Directory containing trace JSONL files.
  --glob GLOB           Glob pattern within trace directory.
  --json                Emit JSON output instead of human summary.
  --top-n TOP_N         Top N rows for per-model/per-tool summaries.
`;

const HELP_40 = `usage: tracelet [-h] --trace-dir
                TRACE_DIR
                [--glob GLOB] [--json]
                [--top-n TOP_N]

Analyze trace JSONL files and compute
summary metrics.

options:
  -h, --help      show this help
                  message and exit
  --trace-dir TRACE_DIR
                  Directory containing
                  trace JSONL files.
  --glob GLOB     Glob pattern within
                  trace directory.
  --json          Emit JSON output
                  instead of human
                  summary.
  --top-n TOP_N   Top N rows for per-
                  model/per-tool
                  summaries.
`;

const errorOf = (argv: string[]) => {
  const parsed = parseArgs(argv);
  return "error" in parsed ? parsed.error : undefined;
};

describe("CLI arguments, as argparse reads them", () => {
  it("takes a unique prefix of an option, and rejects an ambiguous one", () => {
    assert.deepEqual(parseArgs(["--trace", "d", "--to", "3", "--j", "--g=*.jsonl"]), {
      traceDir: "d",
      glob: "*.jsonl",
      json: true,
      topN: 3,
    });
    assert.deepEqual(parseArgs(["--trace-dir", "d", "--top-n=3_0"]), {
      traceDir: "d",
      glob: undefined,
      json: false,
      topN: 30,
    });
    assert.equal(errorOf(["--t", "3"]), "ambiguous option: --t could match --trace-dir, --top-n");
  });

  it("rejects a value given to --json or -h", () => {
    assert.equal(
      errorOf(["--trace-dir", "d", "--json=no"]),
      "argument --json: ignored explicit argument 'no'",
    );
    assert.equal(errorOf(["-hx"]), "argument -h/--help: ignored explicit argument 'x'");
  });

  it("asks for help with -h, --help or a prefix of it, before later errors", () => {
    for (const argv of [["-h"], ["--help"], ["--he"], ["-hh"], ["--help", "--top-n", "x"]]) {
      assert.deepEqual(parseArgs(argv), { error: "", help: true }, argv.join(" "));
    }
  });

  it("reports argparse's errors in argparse's order and words", () => {
    assert.equal(errorOf([]), "the following arguments are required: --trace-dir");
    assert.equal(errorOf(["--trace-dir"]), "argument --trace-dir: expected one argument");
    assert.equal(
      errorOf(["--top-n", "x", "--trace-dir", "d"]),
      "argument --top-n: invalid int value: 'x'",
    );
    assert.equal(errorOf(["--top-n", "-x"]), "argument --top-n: expected one argument");
    assert.equal(
      errorOf(["a", "--trace-dir", "d", "--foo", "b", "--", "c"]),
      "unrecognized arguments: a --foo b -- c",
    );
    assert.equal(errorOf(["a"]), "the following arguments are required: --trace-dir");
    const negative = parseArgs(["--trace-dir", "d", "--top-n", "-3"]);
    assert.equal("error" in negative ? negative.error : negative.topN, 1);
  });

  it("formats the help and the usage as argparse does, at any width", () => {
    assert.equal(formatHelp(78), HELP_80);
    assert.equal(formatHelp(38), HELP_40);
    assert.equal(
      formatUsage(100),
      "usage: tracelet [-h] --trace-dir TRACE_DIR [--glob GLOB] [--json] [--top-n TOP_N]",
    );
  });
});

describe("the CLI's help and errors", { skip: !hasFileSystem }, () => {
  it("prints the full help to stdout and exits 0", () => {
    const run = runCli(["--help"]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, HELP_80);
    assert.equal(run.stderr, "");
  });

  it("prints the usage and `tracelet: error:` to stderr and exits 2", () => {
    const run = runCli(["--trace-dir", ".", "--json=no"]);
    assert.equal(run.status, 2);
    assert.equal(run.stdout, "");
    assert.equal(
      run.stderr,
      "usage: tracelet [-h] --trace-dir TRACE_DIR [--glob GLOB] [--json]\n" +
        "                [--top-n TOP_N]\n" +
        "tracelet: error: argument --json: ignored explicit argument 'no'\n",
    );
  });
});
