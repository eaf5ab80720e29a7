// A program that ends by an uncaught error, an unhandled rejection or `process.exit()` runs no
// exit flush: the spans queued for the local JSONL files were lost, the failed run's own ERROR
// record and the tasks that had finished before it included (a distributed-task user trial: a
// worker continuing a task and then throwing wrote nothing at all). They are written then,
// synchronously, as the event logs are. Child processes on Node, Bun and Deno (not workerd).
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { repoRoot, runChildSourceIn } from "./_support/child_module.ts";
import { withTempDir } from "./_support/files.ts";
import { isolated } from "./_support/global_state.ts";
import { isDeno, isWorkerd } from "./_support/runtime.ts";
import { configure } from "../src/runtime/node.ts";
import { MemoryStorage } from "../src/storage/memory.ts";

/** The spans (name and status code) a program wrote under `<home>/projects/crash`. */
async function writtenSpans(home: string): Promise<string[]> {
  const root = join(home, "projects", "crash");
  const names: string[] = [];
  for (const run of await readdir(root).catch(() => [] as string[])) {
    const text = await readFile(join(root, run, "spans.jsonl"), "utf8").catch(() => "");
    for (const line of text.split("\n").filter(Boolean)) {
      const span = JSON.parse(line) as { name: string; status: { code: string } | string };
      const status = typeof span.status === "string" ? span.status : span.status.code;
      names.push(`${span.name} ${status}`);
    }
  }
  return names.sort();
}

/** Runs a program that configures tracing, runs a task that finishes and then ends by `end`. */
function crash(
  end: string,
  options = `{ project: "crash" }`,
): Promise<{ code: number | null; spans: string[] }> {
  const preset = join(repoRoot(), "src", "runtime", isDeno ? "deno.ts" : "node.ts");
  return withTempDir("tracelet-exit-crash-", async (dir) => {
    const home = join(dir, "home");
    const { code } = await runChildSourceIn(
      dir,
      `import { configure, run, taskSpan } from ${JSON.stringify(preset)};\n` +
        `const tracing = configure(${options});\n` +
        `await run("worker", {}, async () => {\n` +
        `  await taskSpan("finished step", async () => {});\n` +
        `  ${end}\n` +
        `});\n`,
      { TRACELET_HOME: home },
    );
    return { code, spans: await writtenSpans(home) };
  });
}

describe("spans of a process that ends without its exit flush", { skip: isWorkerd }, () => {
  it("are written when the run's error is left uncaught (a rejected top-level await)", async () => {
    const { code, spans } = await crash(`throw new Error("task failed");`);
    assert.notEqual(code, 0);
    assert.deepEqual(spans, ["finished step UNSET", "worker ERROR"]);
  });

  it("are written when a timer throws while the run waits", async () => {
    const { code, spans } = await crash(
      `await new Promise((resolve) => { setTimeout(() => { throw new Error("timer"); }, 5); ` +
        `setTimeout(resolve, 1_000); });`,
    );
    assert.notEqual(code, 0);
    // Node and Deno end at the throw; Bun reports it and runs on, ending the run too.
    assert.ok(spans.includes("finished step UNSET"), `${spans}`);
  });

  it("are written when the program calls process.exit() without shutting tracing down", async () => {
    const { code, spans } = await crash(`(await import("node:process")).default.exit(3);`);
    assert.equal(code, 3);
    assert.deepEqual(spans, ["finished step UNSET"]);
  });

  it("are written once when the program exits while their batch is being appended", async () => {
    // The flush has handed the batch to the file storage; the program exits before the append's
    // promise resumes (whether its write reached the file by then is the runtime's race).
    const { code, spans } = await crash(
      `void tracing.forceFlush();\n` +
        `  for (let i = 0; i < 500; i++) await null;\n` +
        `  (await import("node:process")).default.exit(3);`,
    );
    assert.equal(code, 3);
    assert.deepEqual(spans, ["finished step UNSET"]);
  });

  it("are written when tail sampling still holds them (their run's root had not ended)", async () => {
    const { code, spans } = await crash(
      `(await import("node:process")).default.exit(3);`,
      `{ project: "crash", tailSampling: { local: true } }`,
    );
    assert.equal(code, 3);
    assert.deepEqual(spans, ["finished step UNSET"]);
  });

  // Deno tells of an uncaught error or rejection before a listener the program added later can
  // handle it; the program then runs on. Only the queue is written then: the batch being appended
  // landed twice, and tail sampling kept every trace it held, at each handled rejection.
  const handled = `addEventListener("unhandledrejection", (event) => event.preventDefault());\n` +
    `  Promise.reject(new Error("handled"));\n` +
    `  await new Promise((resolve) => setTimeout(resolve, 50));`;

  it("Deno: a rejection the program handles writes no batch twice", { skip: !isDeno }, async () => {
    const { code, spans } = await crash(`void tracing.forceFlush();\n  ${handled}`);
    assert.equal(code, 0);
    assert.deepEqual(spans, ["finished step UNSET", "worker UNSET"]);
  });

  it("Deno: a rejection the program handles leaves tail sampling's decisions", {
    skip: !isDeno,
  }, async () => {
    const { code, spans } = await crash(
      handled,
      `{ project: "crash", tailSampling: { local: true } }`,
    );
    assert.equal(code, 0);
    assert.deepEqual(spans, [], "a fast trace without errors, dropped by the default rule");
  });

  // The Node preset's parts, as the Deno preset's (both list the writer the same way).
  it("are unlisted with their configuration: configure() again and again keeps no writer", () =>
    isolated(async () => {
      const slot = globalThis as unknown as Record<symbol, { writers: Set<unknown> } | undefined>;
      const listed = () => slot[Symbol.for("tracelet.exitWriters")]?.writers.size ?? 0;
      const before = listed();
      const quiet = () => {};
      for (let i = 0; i < 20; i++) configure({ storage: new MemoryStorage(), diagnostics: quiet });
      assert.equal(listed(), before + 1, "only the current configuration's");
      await configure({ storage: new MemoryStorage(), diagnostics: quiet }).shutdown();
      assert.equal(listed(), before);
    }));
});
