// The Node preset's exit flush when the program handles SIGINT/SIGTERM itself: tracelet leaves
// the signal to the program but still flushes when the process ends on its own (`beforeExit`).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ExitFlushes, hookProcessExit } from "../src/runtime/_exit_hook.ts";
import { repoRoot, runChildSource, runChildSourceIn } from "./_support/child_module.ts";
import { FakeProcess } from "./_support/fake_process.ts";
import { fileLines, withTempDir } from "./_support/files.ts";
import { withDiagnostics } from "./_support/otlp_helpers.ts";
import type { Diagnostic } from "../src/diagnostics.ts";
import type { FlushReport } from "../src/types.ts";
import { isBun, isDeno, isNode, isWorkerd } from "./_support/runtime.ts";

const EMPTY: FlushReport = { exported: 0, retried: 0, persisted: 0, dropped: {}, failed: 0 };
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * The codes of the exit hook's own diagnostics. Bun runs every test file in one process, and a
 * timer another file left (an agent processor's 30 s flush limit) may report while these tests
 * capture the process-wide diagnostics: only the exit hook's are asserted.
 */
function exitCodes(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => d.code).filter((code) => code.startsWith("exit_"));
}

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

describe("the exit flush after a signal came, hooked again (configure() again)", () => {
  it("listens for no signal once it ends the process, so the raised one ends it", async () => {
    const proc = new FakeProcess();
    const flushes = new ExitFlushes();
    const hook = (flush: () => Promise<FlushReport>) => hookProcessExit(proc, flush);
    let release!: () => void;
    const remove = flushes.add(
      () => new Promise((resolve) => release = () => resolve(EMPTY)),
      "p",
      hook,
    );
    proc.emit("SIGTERM");
    remove();
    flushes.add(() => Promise.resolve(EMPTY), "p", hook); // during the signal flush
    assert.equal(proc.listeners("SIGTERM").length + proc.listeners("SIGINT").length, 0);
    assert.equal(proc.listeners("beforeExit").length, 1, "the beforeExit flush stays");
    release();
    await tick();
    await tick();
    assert.deepEqual(proc.killed, ["SIGTERM"]);
  });

  it("does not listen again for a signal the program handled, and still for the other", () => {
    const proc = new FakeProcess();
    const flushes = new ExitFlushes();
    const hook = (flush: () => Promise<FlushReport>) => hookProcessExit(proc, flush);
    const remove = flushes.add(() => Promise.resolve(EMPTY), "p", hook);
    proc.on("SIGTERM", () => {});
    proc.emit("SIGTERM");
    remove();
    flushes.add(() => Promise.resolve(EMPTY), "p", hook);
    assert.equal(proc.listeners("SIGTERM").length, 1, "only the program's");
    assert.equal(proc.listeners("SIGINT").length, 1);
  });
});

describe("a process calling configure() again and again", { skip: isWorkerd }, () => {
  // Its OTLP collector is down, so each signal flush takes its whole 2 s: a configure() during
  // it used to listen for SIGTERM again and catch the raised signal, again and again.
  it("is ended by SIGTERM after one signal flush", () =>
    withTempDir("tracelet-exit-", async (dir) => {
      for (const preset of isDeno ? ["deno.ts", "node.ts"] : ["node.ts"]) {
        const child = await runChildSourceIn(
          dir,
          `import process from "node:process";\n` +
            `import { configure, getTracer } from ${
              JSON.stringify(join(repoRoot(), "src", "runtime", preset))
            };\n` +
            `const options = {\n` +
            `  storageRoot: ${JSON.stringify(dir)},\n` +
            `  diagnostics: () => {},\n` +
            `  otlp: { endpoint: "http://127.0.0.1:9/v1/traces" },\n` +
            `};\n` +
            `configure(options);\n` +
            `setInterval(() => getTracer().startSpan("tick").end(), 100);\n` +
            `setInterval(() => configure(options), 500);\n` +
            `setTimeout(() => process.kill(process.pid, "SIGTERM"), 600);\n`,
        );
        assert.equal(child.signal, "SIGTERM", `${preset}: ${child.code} ${child.stderr}`);
        assert.ok(child.millis < 12_000, `${preset}: ended after ${child.millis} ms`);
      }
    }));
});

describe("a Node process with its own signal handler", { skip: !(isNode || isBun) }, () => {
  it("that stops its work and ends on its own has written every span", () =>
    withTempDir("tracelet-exit-", async (dir) => {
      const preset = join(repoRoot(), "src", "runtime", "node.ts");
      const child = await runChildSourceIn(
        dir,
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
      assert.equal(child.code, 0, `${child.signal} ${child.stderr}`);
      const spans = await fileLines(join(dir, "projects", "exit", "r1", "spans.jsonl"));
      assert.equal(spans.length, 20);
    }));
});

describe("exit flushes registered by the preset and the agent layer", () => {
  it("all run on a signal, which ends the process only after the slowest settled", async () => {
    const proc = new FakeProcess();
    const flushes = new ExitFlushes();
    const hook = (flush: () => Promise<FlushReport>) => hookProcessExit(proc, flush);
    let releaseSlow!: () => void;
    const done: string[] = [];
    flushes.add(() => (done.push("preset"), Promise.resolve({ ...EMPTY, exported: 1 })), "p", hook);
    flushes.add(
      () => new Promise((resolve) => releaseSlow = () => (done.push("agents"), resolve(EMPTY))),
      "p",
      hook,
    );
    assert.equal(proc.listeners("SIGTERM").length, 1, "one hook for the whole list");
    proc.emit("SIGTERM");
    await tick();
    assert.deepEqual(proc.killed, [], "not before every flush settled");
    releaseSlow();
    await tick();
    await tick();
    assert.deepEqual(done, ["preset", "agents"]);
    assert.deepEqual(proc.killed, ["SIGTERM"]);
  });

  it("merge their reports, so beforeExit flushes again after any of them did work", async () => {
    const proc = new FakeProcess();
    const flushes = new ExitFlushes();
    let calls = 0;
    flushes.add(() => Promise.resolve(EMPTY), "p", (flush) => hookProcessExit(proc, flush));
    flushes.add(
      () => Promise.resolve(calls++ === 0 ? { ...EMPTY, dropped: { full: 1 } } : EMPTY),
      "p",
      (flush) => hookProcessExit(proc, flush),
    );
    for (let i = 0; i < 3; i++) {
      proc.emit("beforeExit");
      await tick();
    }
    assert.equal(calls, 2);
  });

  it("keep the hook while one is registered, and remove it with the last", () => {
    const proc = new FakeProcess();
    const flushes = new ExitFlushes();
    const hook = (flush: () => Promise<FlushReport>) => hookProcessExit(proc, flush);
    const preset = flushes.add(() => Promise.resolve(EMPTY), "p", hook);
    const agents = flushes.add(() => Promise.resolve(EMPTY), "p", hook);
    preset();
    assert.equal(proc.listeners("SIGINT").length, 1);
    agents();
    assert.equal(proc.listeners("SIGINT").length + proc.listeners("beforeExit").length, 0);
  });
});

describe(
  "a Node process with configure() and an agent processor",
  { skip: !(isNode || isBun) },
  () => {
    it("ended by SIGTERM has flushed both its JSONL spans and its agent processor", () =>
      withTempDir("tracelet-exit-", async (dir) => {
        const preset = join(repoRoot(), "src", "runtime", "node.ts");
        const agents = join(repoRoot(), "src", "agents", "mod.ts");
        const out = join(dir, "agents.txt");
        const child = await runChildSourceIn(
          dir,
          `import process from "node:process";\n` +
            `import { appendFileSync } from "node:fs";\n` +
            `import { configure, Tracer } from ${JSON.stringify(preset)};\n` +
            `import { addTraceProcessor, agentSpan, setAgentTracer, trace } from ${
              JSON.stringify(agents)
            };\n` +
            `// Agent spans on a tracer of their own: only the agent layer's exit flush has them.\n` +
            `setAgentTracer(new Tracer());\n` +
            `const t = configure({ storageRoot: ${JSON.stringify(dir)}, project: "exit" });\n` +
            `const queue: string[] = [];\n` +
            `addTraceProcessor({\n` +
            `  onSpanEnd: (span) => void queue.push(span.spanId),\n` +
            `  forceFlush: async () => {\n` +
            `    await new Promise((r) => setTimeout(r, 300));\n` +
            `    appendFileSync(${JSON.stringify(out)}, queue.splice(0).join("\\n") + "\\n");\n` +
            `  },\n` +
            `});\n` +
            `t.tracer.startSpan("s", { attributes: { "dreadnode.run.id": "r1" } }).end();\n` +
            `trace("wf").run(() => agentSpan("a").run(() => {}));\n` +
            `setInterval(() => {}, 1000);\n` +
            `setTimeout(() => process.kill(process.pid, "SIGTERM"), 50);\n`,
        );
        assert.equal(child.signal, "SIGTERM", child.stderr);
        const spans = await fileLines(join(dir, "projects", "exit", "r1", "spans.jsonl"));
        assert.equal(spans.length, 1, "JSONL span");
        assert.equal((await fileLines(out)).length, 1, "agent span");
      }));
  },
);

describe("the exit flush when the event loop empties", () => {
  /**
   * Emits `beforeExit` as Node does: again after each one that started a flush (at most `max`
   * times; one that starts nothing lets the process end). Returns the flushes started.
   */
  async function emptyLoop(proc: FakeProcess, flushes: () => number, max: number) {
    for (let passes = 0; passes < max; passes++) {
      const before = flushes();
      proc.emit("beforeExit");
      if (flushes() === before) return passes;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return max;
  }

  it("stops flushing again after its time, when every flush reports work", () =>
    withDiagnostics(async (diagnostics) => {
      const proc = new FakeProcess();
      let flushes = 0;
      hookProcessExit(
        proc,
        () => (flushes++, Promise.resolve({ ...EMPTY, failed: 1 })),
        2_000,
        200,
      );
      const passes = await emptyLoop(proc, () => flushes, 500);
      assert.ok(passes > 1 && passes < 500, `${passes} passes`);
      assert.deepEqual(exitCodes(diagnostics), ["exit_flush_timeout"]);
    }));

  it("stops waiting for a flush that never settles", () =>
    withDiagnostics(async (diagnostics) => {
      const proc = new FakeProcess();
      let flushes = 0;
      hookProcessExit(proc, () => (flushes++, new Promise(() => {})), 2_000, 100);
      proc.emit("beforeExit");
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(exitCodes(diagnostics), ["exit_flush_timeout"]);
      proc.emit("beforeExit");
      assert.equal(flushes, 1, "the next empty loop starts nothing: the process may end");
    }));

  it("flushes what the program did after its time, with no timeout warning", () =>
    withDiagnostics(async (diagnostics) => {
      const proc = new FakeProcess();
      const reports = [{ ...EMPTY, exported: 1 }, { ...EMPTY, exported: 1 }];
      let flushes = 0;
      hookProcessExit(proc, () => Promise.resolve(reports[flushes++] ?? EMPTY), 2_000, 100);
      proc.emit("beforeExit");
      // The program's own beforeExit handler runs on for three times the exit flush's limit.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await emptyLoop(proc, () => flushes, 10);
      assert.equal(flushes, 3, "the later span is flushed, then once more (nothing left)");
      assert.deepEqual(exitCodes(diagnostics), []);
    }));

  it("flushes what the program did after a first flush that had nothing to do", async () => {
    const proc = new FakeProcess();
    const reports = [EMPTY, { ...EMPTY, exported: 1 }];
    let flushes = 0;
    hookProcessExit(proc, () => Promise.resolve(reports[flushes++] ?? EMPTY), 2_000, 1_000);
    proc.emit("beforeExit");
    await new Promise((resolve) => setTimeout(resolve, 200)); // the program's handler works
    await emptyLoop(proc, () => flushes, 10);
    assert.ok(flushes >= 2, `${flushes} flushes`);
    assert.equal(proc.listeners("beforeExit").length, 1, "still listening");
  });
});

describe("a process whose exit flush always reports work", { skip: isWorkerd }, () => {
  it("ends within 20 s when the exit flush may take 2 s", async () => {
    const hook = join(repoRoot(), "src", "runtime", "_exit_hook.ts");
    // Like an exporter that keeps failing: each flush takes 100 ms and counts a failed span.
    const install = isDeno
      ? `H.unloadExitHook(2000)!(flush);\n`
      : `H.hookProcessExit(process, flush, 2000, 2000);\n`;
    const { code, stderr, millis } = await runChildSource(
      `import process from "node:process";\n` +
        `import * as H from ${JSON.stringify(hook)};\n` +
        `const flush = () => new Promise<any>((resolve) => setTimeout(resolve, 100, {\n` +
        `  exported: 0, retried: 0, persisted: 0, dropped: {}, failed: 1,\n` +
        `}));\n` +
        install,
    );
    assert.equal(code, 0, stderr);
    assert.ok(millis < 15_000, "ended by the exit flush's time limit");
    assert.match(stderr, /exit_flush_timeout/);
  });
});
