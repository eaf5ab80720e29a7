/**
 * Runs a TypeScript module in a child process of the runtime running the tests (Deno, Bun, or Node
 * with tsx), for tests of what happens when a program ends. Not for workerd, which has no
 * processes.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { withTempDir } from "./files.ts";
import { isBun, isDeno } from "./runtime.ts";

/** The repository root (computed on call: workerd has no file URLs). */
export const repoRoot = (): string => fileURLToPath(new URL("../..", import.meta.url));

/** How a child ended: its exit code or signal, what it wrote to stderr and how long it ran. */
export interface ChildResult {
  code: number | null;
  /** The signal that ended it (`null` when it exited). */
  signal: string | null;
  stderr: string;
  millis: number;
}

/**
 * Runs the current runtime's executable with `args` (in `cwd`, default the repository root, with
 * `env` added to this process's environment); killed after 20 s.
 */
export function runChild(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<ChildResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd ?? repoRoot(),
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => stderr += String(chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, millis: Date.now() - started });
    });
  });
}

/** Runs the TypeScript module `script` with `env` added to this process's environment. */
export function runChildModule(
  script: string,
  env: Record<string, string> = {},
): Promise<ChildResult> {
  const args = isDeno ? ["run", "-A", script] : isBun ? [script] : ["--import", "tsx", script];
  return runChild(args, { env });
}

/**
 * Writes `source` as the TypeScript module `child.mts` in `dir` and runs it like
 * {@linkcode runChildModule}; the directory stays, for what the child wrote there.
 *
 * @example
 * ```ts
 * await withTempDir("tracelet-example-", async (dir) => {
 *   const out = JSON.stringify(join(dir, "out.txt"));
 *   await runChildSourceIn(dir, `(await import("node:fs")).writeFileSync(${out}, "done");\n`);
 *   assert.equal(await readFile(join(dir, "out.txt"), "utf8"), "done");
 * });
 * ```
 */
export async function runChildSourceIn(
  dir: string,
  source: string,
  env: Record<string, string> = {},
): Promise<ChildResult> {
  const script = join(dir, "child.mts");
  await writeFile(script, source);
  return await runChildModule(script, env);
}

/**
 * Writes `source` as a TypeScript module in a fresh temporary directory, runs it like
 * {@linkcode runChildModule} and removes the directory.
 */
export function runChildSource(
  source: string,
  env: Record<string, string> = {},
): Promise<ChildResult> {
  return withTempDir("tracelet-child-", (dir) => runChildSourceIn(dir, source, env));
}
