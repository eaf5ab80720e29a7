// The exit flush of a program that does more once its event loop has emptied (its own
// `beforeExit` / `beforeunload` handler starts more work, like a job runner draining one more
// batch when idle): spans ended then are flushed too, however long the program ran on, and an idle
// program still ends. Runs child processes on Node, Bun and Deno (skipped in workerd, which has no
// processes); the exit flush's time limit is 300 ms here instead of 30 s.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { repoRoot, runChildSourceIn } from "./_support/child_module.ts";
import { fileLines, withTempDir } from "./_support/files.ts";
import { isWorkerd } from "./_support/runtime.ts";

/**
 * Runs a program whose exit flush writes the names in `queue` to a file, after `body`; returns
 * the names written, the exit code, stderr and how long it ran.
 */
function runProgram(body: string) {
  const hook = join(repoRoot(), "src", "runtime", "_exit_hook.ts");
  return withTempDir("tracelet-exit-episodes-", async (dir) => {
    const out = join(dir, "flushed.txt");
    const { code, stderr, millis } = await runChildSourceIn(
      dir,
      `import process from "node:process";\n` +
        `import { appendFileSync } from "node:fs";\n` +
        `import * as H from ${JSON.stringify(hook)};\n` +
        `const queue: string[] = [];\n` +
        `const flush = async () => {\n` +
        `  await new Promise((resolve) => setTimeout(resolve, 10));\n` +
        `  const names = queue.splice(0);\n` +
        `  for (const name of names) appendFileSync(${JSON.stringify(out)}, name + "\\n");\n` +
        `  return { exported: names.length, retried: 0, persisted: 0, failed: 0, dropped: {} };\n` +
        `};\n` +
        `if ("Deno" in globalThis) H.unloadExitHook(300)!(flush);\n` +
        `else H.hookProcessExit(process, flush, 2000, 300);\n` +
        `/** Runs \`fn\` each time the event loop empties; \`fn\` returns whether it started work. */\n` +
        `const onIdle = (fn: () => boolean) => "Deno" in globalThis\n` +
        `  ? addEventListener("beforeunload", (event) => { if (fn()) event.preventDefault(); })\n` +
        `  : process.on("beforeExit", () => void fn());\n` +
        body,
    );
    return { code, stderr, flushed: await fileLines(out), ms: millis };
  });
}

describe("a program that does more once its event loop has emptied", { skip: isWorkerd }, () => {
  it("has spans ended long after the exit flush's time limit flushed, with no warning", async () => {
    // Idle twice: 1.5 s of work (five times the limit) ending b1, then 100 ms ending b2.
    const { code, stderr, flushed } = await runProgram(
      `queue.push("a");\n` +
        `let n = 0;\n` +
        `onIdle(() => {\n` +
        `  const delay = [1500, 100][n++];\n` +
        `  if (delay === undefined) return false;\n` +
        `  setTimeout(() => queue.push("b" + n), delay);\n` +
        `  return true;\n` +
        `});\n`,
    );
    assert.equal(code, 0, stderr);
    assert.deepEqual(flushed, ["a", "b1", "b2"]);
    assert.doesNotMatch(stderr, /exit_flush_timeout/);
  });

  it("has its spans flushed when there was nothing to flush the first time", async () => {
    const { code, stderr, flushed } = await runProgram(
      `let n = 0;\n` +
        `onIdle(() => {\n` +
        `  if (n++ > 0) return false;\n` +
        `  setTimeout(() => queue.push("b1"), 200);\n` +
        `  return true;\n` +
        `});\n`,
    );
    assert.equal(code, 0, stderr);
    assert.deepEqual(flushed, ["b1"]);
  });

  it("that is idle ends soon, its exit flush still listening", async () => {
    const { code, stderr, flushed, ms } = await runProgram(`queue.push("a");\n`);
    assert.equal(code, 0, stderr);
    assert.deepEqual(flushed, ["a"]);
    assert.ok(ms < 10_000, `ended after ${ms} ms`);
  });
});
