// A launcher that ignores a signal before it starts the program (`trap '' TERM` then `exec`,
// `nohup`, a job a shell script starts with `&`, which ignores SIGINT) means the program survives
// that signal. Bun keeps the inherited ignore; tracelet's exit hook listened for the signal, and
// its re-raise after the flush killed the program (exit 143 or 130 where it would have finished:
// a locked-down runtime trial). The program now ends exactly as it does without tracelet, on
// Bun and Node (a differential run under bash, where bash is). Not Deno: its exit hook listens
// for no signal (it flushes on `unload`), and its child processes report the signal they were
// sent rather than how they ended; not workerd.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { describe, it } from "node:test";
import { repoRoot } from "./_support/child_module.ts";
import { withTempDir } from "./_support/files.ts";
import { isBun, isDeno, isWorkerd } from "./_support/runtime.ts";

/** A program that starts serving, keeps running and finishes on its own after 2 s. */
function program(traced: boolean): string {
  const preset = join(repoRoot(), "src", "runtime", isDeno ? "deno.ts" : "node.ts");
  return (traced
    ? `const { configure, getTracer } = await import(${JSON.stringify(preset)});\n` +
      `configure({ project: "ignored" });\n` +
      `getTracer().startSpan("boot").end();\n`
    : "") +
    `console.log("serving");\n` +
    `setTimeout(() => { console.log("finished"); process.exit(0); }, 2_000);\n` +
    `setInterval(() => {}, 1_000);\n`;
}

/** Runs the program under a shell that ignores `signal`, sends it once serving; how it ended. */
function runIgnoring(dir: string, script: string, signal: "TERM" | "INT"): Promise<string> {
  const runtime = isDeno
    ? `"${process.execPath}" run -A`
    : isBun
    ? `"${process.execPath}"`
    : `"${process.execPath}" --import tsx`;
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", `trap '' ${signal}; exec ${runtime} "${script}"`], {
      cwd: repoRoot(),
      env: { ...process.env, TRACELET_HOME: join(dir, "home") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let sent = false;
    child.stdout.on("data", (chunk) => {
      out += String(chunk);
      if (!sent && out.includes("serving")) {
        sent = true;
        // After the program's imports and configure(): the hook is installed by then.
        setTimeout(() => child.kill(`SIG${signal}`), 300);
      }
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("close", (code, killed) => {
      clearTimeout(timer);
      resolve(`code ${code} signal ${killed} output ${out.trim().split("\n").join("|")}`);
    });
  });
}

const hasBash = ["/bin/bash", "/usr/bin/bash"].some((path) => existsSync(path));

describe("a signal the launcher made the program ignore", {
  skip: isWorkerd || isDeno || !hasBash,
}, () => {
  for (const signal of ["TERM", "INT"] as const) {
    it(`SIG${signal}: the program ends as it does without tracelet`, () =>
      withTempDir("tracelet-ignored-signal-", async (dir) => {
        const results: string[] = [];
        for (const traced of [false, true]) {
          const script = join(dir, `${traced ? "traced" : "plain"}.mts`);
          await writeFile(script, program(traced));
          results.push(await runIgnoring(dir, script, signal));
        }
        assert.equal(results[1], results[0]);
      }));
  }
});
