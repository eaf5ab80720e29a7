/**
 * Runs a TypeScript module in a child process of the runtime running the tests (Deno, Bun, or Node
 * with tsx), for tests of what happens when a program ends. Not for workerd, which has no
 * processes.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { isBun, isDeno } from "./runtime.ts";

/** The repository root (computed on call: workerd has no file URLs). */
export const repoRoot = (): string => fileURLToPath(new URL("../..", import.meta.url));

/** How a child ended: its exit code, what it wrote to stderr and how long it ran. */
export interface ChildResult {
  code: number | null;
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
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, millis: Date.now() - started });
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
 * Writes `source` as a TypeScript module in a fresh temporary directory, runs it like
 * {@linkcode runChildModule} and removes the directory.
 */
export async function runChildSource(
  source: string,
  env: Record<string, string> = {},
): Promise<ChildResult> {
  const dir = await mkdtemp(join(tmpdir(), "tracelet-child-"));
  try {
    const script = join(dir, "child.mts");
    await writeFile(script, source);
    return await runChildModule(script, env);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
