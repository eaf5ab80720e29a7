/**
 * Runs the analysis CLI (`src/analyze/cli.ts`) in a child process on the runtime running the
 * tests (Deno, Bun, or Node with tsx), from the repository root.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { hasFileSystem, isBun, isDeno } from "../_support/runtime.ts";

const ROOT = hasFileSystem ? fileURLToPath(new URL("../../", import.meta.url)) : "";

/** What a run of the CLI gave. */
export interface CliRun {
  /** The exit code (null when killed). */
  status: number | null;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
}

/**
 * Runs the CLI with `args` and waits for it.
 *
 * @example
 * ```ts
 * const { status, stdout } = runCli(["--trace-dir", "tests/fixtures/analyze", "--json"]);
 * ```
 *
 * @param args The arguments.
 * @returns Its exit code and output.
 */
export function runCli(args: string[]): CliRun {
  const script = "src/analyze/cli.ts"; // the published entry (`./cli`), run directly
  const argv = isDeno
    ? ["run", "-A", script, ...args]
    : isBun
    ? [script, ...args]
    : ["--import", "tsx", script, ...args];
  const result = spawnSync(process.execPath, argv, {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", COLUMNS: "80" }, // argparse's texts at 80 columns
  });
  return { status: result.status, stdout: String(result.stdout), stderr: String(result.stderr) };
}
