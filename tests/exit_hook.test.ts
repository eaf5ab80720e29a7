// The Node preset's exit flush when the program handles SIGINT/SIGTERM itself: tracelet leaves
// the signal to the program but still flushes when the process ends on its own (`beforeExit`).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { hookProcessExit } from "../src/runtime/_exit_hook.ts";
import { FakeProcess } from "./_support/fake_process.ts";
import type { FlushReport } from "../src/types.ts";
import { isBun, isNode } from "./_support/runtime.ts";

const EMPTY: FlushReport = { exported: 0, retried: 0, persisted: 0, dropped: {}, failed: 0 };
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the exit flush, with a program that handles the signal itself", () => {
  it("still flushes on beforeExit after the program handled SIGTERM", async () => {
    const proc = new FakeProcess();
    let flushes = 0;
    hookProcessExit(proc, () => (flushes++, Promise.resolve(EMPTY)));
    let handled = 0;
    proc.on("SIGTERM", () => handled++);
    proc.emit("SIGTERM");
    await tick();
    assert.equal(handled, 1);
    assert.equal(flushes, 0, "the program decides what a signal does");
    assert.deepEqual(proc.killed, []);
    proc.emit("beforeExit");
    await tick();
    assert.equal(flushes, 1, "the process ending on its own is flushed");
  });

  it("keeps handling the other signal as before", async () => {
    const proc = new FakeProcess();
    let flushes = 0;
    hookProcessExit(proc, () => (flushes++, Promise.resolve(EMPTY)));
    proc.on("SIGTERM", () => {});
    proc.emit("SIGTERM");
    proc.emit("SIGINT");
    await tick();
    await tick();
    assert.equal(flushes, 1);
    assert.deepEqual(proc.killed, ["SIGINT"]);
    assert.equal(proc.listeners("beforeExit").length, 0, "re-raising removes every listener");
  });
});

describe("a Node process with its own signal handler", { skip: !(isNode || isBun) }, () => {
  it("that stops its work and ends on its own has written every span", async () => {
    const preset = fileURLToPath(new URL("../src/runtime/node.ts", import.meta.url));
    const dir = await mkdtemp(join(tmpdir(), "tracelet-exit-"));
    try {
      const script = join(dir, "child.ts");
      await writeFile(
        script,
        `import process from "node:process";\n` +
          `import { configure } from ${JSON.stringify(preset)};\n` +
          `const t = configure({ storageRoot: ${JSON.stringify(dir)}, project: "exit" });\n` +
          `let n = 0;\n` +
          `const timer = setInterval(() => {\n` +
          `  t.tracer.startSpan("s" + n, { attributes: { "dreadnode.run.id": "r1" } }).end();\n` +
          `  if (++n === 20) process.kill(process.pid, "SIGTERM");\n` +
          `}, 1);\n` +
          `process.on("SIGTERM", () => clearInterval(timer));\n`,
      );
      const args = isBun ? [script] : ["--import", "tsx", script];
      const child = spawnSync(process.execPath, args, {
        cwd: fileURLToPath(new URL("..", import.meta.url)),
        encoding: "utf8",
        timeout: 20_000,
      });
      assert.equal(child.status, 0, `${child.signal} ${child.stderr}`);
      const text = await readFile(join(dir, "projects", "exit", "r1", "spans.jsonl"), "utf8")
        .catch(() => "");
      assert.equal(text.split("\n").filter((line) => line !== "").length, 20);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
