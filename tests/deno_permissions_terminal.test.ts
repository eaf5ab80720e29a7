// A Deno program run in a terminal with too few permissions: Deno would stop it to ask for each
// permission tracelet's storage or exporter touches, and the program hung (the flush's deadline
// cannot run while Deno waits for an answer). tracelet asks Deno first, without prompting, and
// fails the access at once. The child gets a terminal from util-linux `script` (Deno only; skipped
// where `script` is missing).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { repoRoot } from "./_support/child_module.ts";
import { withTempDir } from "./_support/files.ts";
import { isDeno } from "./_support/runtime.ts";

const hasScript = isDeno && spawnSync("script", ["--version"]).status === 0;
const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;

/** Runs `source` with `deno run <flags>` on a terminal; the terminal's output, or a timeout. */
async function runInTerminal(dir: string, source: string, flags: string[]) {
  const preset = pathToFileURL(join(repoRoot(), "src/runtime/deno.ts")).href;
  const main = join(dir, "main.ts");
  await writeFile(main, source.replaceAll("PRESET", preset));
  const command = [process.execPath, "run", ...flags, main].map(quote).join(" ");
  const started = Date.now();
  return await new Promise<{ output: string; timedOut: boolean; millis: number }>((resolve) => {
    // stdin stays open and unanswered, as a user who walked away from the prompt.
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      cwd: dir,
      // The storage root in `dir` (`.tracelet`, which the flags grant), whatever the test run set.
      env: { ...process.env, TRACELET_HOME: join(dir, ".tracelet") },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => output += String(chunk));
    child.stderr.on("data", (chunk) => output += String(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, 15_000);
    child.on("close", () => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ output, timedOut, millis: Date.now() - started });
    });
  });
}

describe("a Deno program on a terminal with missing permissions", { skip: !hasScript }, () => {
  it("without read/write on .tracelet, fails the local log at once instead of prompting", async () => {
    await withTempDir("tracelet-tty-", async (dir) => {
      const out = await runInTerminal(
        dir,
        `import { configure, getTracer } from "PRESET";
const tracing = configure({ project: "p" });
await getTracer().withSpan("work", () => 1);
await tracing.shutdown();
console.log("finished");`,
        ["--allow-env"],
      );
      assert.equal(out.timedOut, false, `hung at a prompt:\n${out.output}`);
      assert.doesNotMatch(out.output, /Allow\?|Granted|⚠️ {2}Deno requests/, out.output);
      assert.match(out.output, /jsonl_write_failed.*Requires (read|write) access/s);
      assert.match(out.output, /finished/);
    });
  });

  it("without --allow-net, fails the OTLP export at once instead of prompting", async () => {
    await withTempDir("tracelet-tty-", async (dir) => {
      const out = await runInTerminal(
        dir,
        `import { configure, getTracer } from "PRESET";
const tracing = configure({ project: "p", local: false, otlp: { endpoint: "http://127.0.0.1:59999/v1/traces" } });
await getTracer().withSpan("work", () => 1);
await tracing.shutdown();
console.log("finished");`,
        ["--allow-env", "--allow-read=.tracelet", "--allow-write=.tracelet"],
      );
      assert.equal(out.timedOut, false, `hung at a prompt:\n${out.output}`);
      assert.doesNotMatch(out.output, /Allow\?|⚠️ {2}Deno requests/, out.output);
      assert.match(out.output, /export_parked.*--allow-net/s);
      assert.match(out.output, /finished/);
    });
  });
});
