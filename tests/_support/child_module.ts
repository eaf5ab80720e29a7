/**
 * Runs a TypeScript module in a child process of the runtime running the tests (Deno, Bun, or Node
 * with tsx), for tests of what happens when a program ends. Not for workerd, which has no
 * processes.
 *
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { isBun, isDeno } from "./runtime.ts";

/** The repository root (computed on call: workerd has no file URLs). */
export const repoRoot = (): string => fileURLToPath(new URL("../..", import.meta.url));

/** How a child ended: its exit code and what it wrote to stderr. */
export interface ChildResult {
  code: number | null;
  stderr: string;
}

/** Runs `script` with `env` added to this process's environment; killed after 20 s. */
export function runChildModule(
  script: string,
  env: Record<string, string> = {},
): Promise<ChildResult> {
  const args = isDeno ? ["run", "-A", script] : isBun ? [script] : ["--import", "tsx", script];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: repoRoot(),
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => stderr += String(chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}
