// The events of the moment before a crash reach the JSONL file: a tool call started and observed,
// then the process ends in the same tick (process.exit(), Deno.exit(), an exception thrown from a
// timer, an unhandled rejection). The lines were queued for an async append that never ran; with a
// file-system storage they are now appended synchronously as the process ends, as
// design_research_agents' JSONLTraceSink, which writes each event synchronously, has them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot, runChildSourceIn } from "../_support/child_module.ts";
import { withTempDir } from "../_support/files.ts";
import { isDeno, isWorkerd } from "../_support/runtime.ts";

/** The sources the children import. */
const SRC = (): string => join(repoRoot(), "src");

/** The preset and file storage of this runtime. */
function runtimeModules(): { preset: string; storage: string; storageClass: string } {
  return isDeno
    ? { preset: "runtime/deno.ts", storage: "storage/deno_fs.ts", storageClass: "DenoFsStorage" }
    : { preset: "runtime/node.ts", storage: "storage/node_fs.ts", storageClass: "NodeFsStorage" };
}

/** How a child ends right after its events (`emit()` emits them, in the run's context). */
const CRASHES: Record<string, string> = {
  "process.exit(1)": `emit();\n  process.exit(1);`,
  "an exception thrown from a timer": `setTimeout(() => {\n` +
    `    emit();\n    throw new Error("crash from a timer");\n  }, 0);`,
  "an unhandled rejection": `emit();\n  void Promise.reject(new Error("unhandled crash"));`,
};
if (isDeno) CRASHES["Deno.exit(1)"] = `emit();\n  Deno.exit(1);`;

/**
 * A child program: a run whose tool call is started and observed, then `crash`. The tracer writes
 * to `storage` (an expression; default: the configured preset's storage under `dir`).
 */
function program(dir: string, crash: string, storage?: string, setup = ""): string {
  const { preset, storage: storageModule, storageClass } = runtimeModules();
  const at = (path: string) => JSON.stringify(join(SRC(), path));
  return `import process from "node:process";\n` +
    `import { configure } from ${at(preset)};\n` +
    `import { EventTracer, emitToolInvocationObserved, startToolCall } from ${
      at("events/mod.ts")
    };\n` +
    `import { ${storageClass} } from ${at(storageModule)};\n` +
    `const StorageClass = ${storageClass};\n` +
    `const root = ${JSON.stringify(dir)};\n` +
    `${setup}\n` +
    `configure({ storageRoot: root, project: "p" });\n` +
    `const tracer = new EventTracer({ enableConsole: false, spanTracer: false` +
    `${storage === undefined ? "" : `, storage: ${storage}`} });\n` +
    `const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));\n` +
    `const emit = () => {\n` +
    `  startToolCall({ toolName: "dangerous", toolInput: { cmd: "rm" } });\n` +
    `  emitToolInvocationObserved({ toolName: "dangerous", sourceId: "s", requestId: "t1" });\n` +
    `};\n` +
    `void tracer.runCallable({ agentName: "a", requestId: "crash", fn: async () => {\n` +
    `  await sleep(100); // RunStarted is written (or its append is running)\n` +
    `  ${crash}\n` +
    `  await sleep(15_000);\n` +
    `} });\n`;
}

/** The event types in the one trace file under `dir/traces`. */
async function tracedTypes(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(join(dir, "traces"));
  } catch {
    return [];
  }
  assert.equal(names.length, 1, names.join());
  const text = await readFile(join(dir, "traces", names[0]), "utf8");
  return text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line).event_type);
}

const LAST_MOMENT = ["RunStarted", "ToolCallStarted", "ToolInvocationObserved"];

/** The preset's file storage, whose appends wait `ms` before they write (a slow disk). */
const slowStorage = (ms: number) =>
  `new (class extends StorageClass {\n` +
  `  appendLines(path: readonly string[], lines: readonly string[]) {\n` +
  `    return sleep(${ms}).then(() => super.appendLines(path, lines));\n` +
  `  }\n` +
  `})({ root })`;

describe("the events of the moment before a crash", { skip: isWorkerd }, () => {
  for (const [name, crash] of Object.entries(CRASHES)) {
    // Deno and Bun handle an unhandled rejection only once pending I/O is done, so a fast disk
    // has written the lines by then: there the rejection test uses a slow one.
    const slow = name.includes("rejection") ? slowStorage(5_000) : undefined;
    it(`are in the file after ${name}`, () =>
      withTempDir("tracelet-crash-", async (dir) => {
        const child = await runChildSourceIn(dir, program(dir, crash, slow));
        assert.equal(child.code, 1, `${child.signal} ${child.stderr}`);
        if (name.includes("exception")) assert.match(child.stderr, /crash from a timer/);
        if (name.includes("rejection")) assert.match(child.stderr, /unhandled crash/);
        assert.deepEqual(await tracedTypes(dir), LAST_MOMENT, child.stderr);
        assert.ok(child.millis < 10_000, `ended after ${child.millis} ms`);
      }));
  }
});

describe("an append still running as the process ends", { skip: isWorkerd }, () => {
  it("is written with the queued lines when it never ran", () =>
    withTempDir("tracelet-crash-", async (dir) => {
      // Every append hangs before it writes: RunStarted's is the one running at exit.
      const storage = `new (class extends StorageClass {\n` +
        `  appendLines() { return new Promise<void>(() => {}); }\n` +
        `})({ root })`;
      const child = await runChildSourceIn(dir, program(dir, CRASHES["process.exit(1)"], storage));
      assert.equal(child.code, 1, child.stderr);
      assert.deepEqual(await tracedTypes(dir), LAST_MOMENT, child.stderr);
    }));

  it("is not written twice when it landed but had not settled", () =>
    withTempDir("tracelet-crash-", async (dir) => {
      // Every append writes, then never settles: RunStarted is in the file, still "running".
      const storage = `new (class extends StorageClass {\n` +
        `  appendLines(path: readonly string[], lines: readonly string[]) {\n` +
        `    return super.appendLines(path, lines).then(() => new Promise<void>(() => {}));\n` +
        `  }\n` +
        `})({ root })`;
      const child = await runChildSourceIn(dir, program(dir, CRASHES["process.exit(1)"], storage));
      assert.equal(child.code, 1, child.stderr);
      assert.deepEqual(await tracedTypes(dir), LAST_MOMENT, child.stderr);
    }));

  it("is skipped, and reported, once it has run for 10 s (a stalled storage)", () =>
    withTempDir("tracelet-crash-", async (dir) => {
      const storage = `new (class extends StorageClass {\n` +
        `  appendLines() { return new Promise<void>(() => {}); }\n` +
        `})({ root })`;
      // The clock jumps 11 s before the exit: the hung append has run for 11 s.
      const crash = `emit();\n  const now = Date.now;\n  Date.now = () => now() + 11_000;\n` +
        `  process.exit(1);`;
      const child = await runChildSourceIn(dir, program(dir, crash, storage));
      assert.equal(child.code, 1, child.stderr);
      assert.match(child.stderr, /event_exit_write_skipped: Cannot append 3 events/);
      assert.deepEqual(await tracedTypes(dir), []);
    }));
});

describe("an error the program handles itself (Deno)", { skip: !isDeno }, () => {
  // A listener that calls preventDefault() keeps the program running: the event log must not
  // write its lines early, or the batch whose append was running lands twice.
  it("writes every event once, in order", () =>
    withTempDir("tracelet-exit-handled-", async (dir) => {
      const src = (path: string) => JSON.stringify(join(repoRoot(), "src", path));
      const child = await runChildSourceIn(
        dir,
        `import { DenoFsStorage } from ${src("storage/deno_fs.ts")};\n` +
          `import { JsonlEventSink } from ${src("events/sinks.ts")};\n` +
          `globalThis.addEventListener("error", (event) => event.preventDefault());\n` +
          `const sink = new JsonlEventSink(new DenoFsStorage({ root: ${
            JSON.stringify(dir)
          } }), ["log.jsonl"]);\n` +
          `const event = (i) => ({ event_type: "ModelCallToken", run_id: "r", span_id: "s", parent_span_id: null, timestamp: "t", timestamp_ms: 0, duration_ms: null, attributes: { i, pad: "x".repeat(2000) } });\n` +
          `for (let i = 0; i < 200; i++) sink.emit(event(i));\n` +
          `setTimeout(() => { throw new Error("handled by the program"); }, 0);\n` +
          `setTimeout(async () => {\n` +
          `  for (let i = 200; i < 210; i++) sink.emit(event(i));\n` +
          `  await sink.close();\n` +
          `}, 300);\n`,
      );
      assert.equal(child.code, 0, child.stderr);
      const text = await readFile(join(dir, "log.jsonl"), "utf8");
      const indexes = text.trim().split("\n").map((line) => JSON.parse(line).attributes.i);
      assert.deepEqual(indexes, Array.from({ length: 210 }, (_, i) => i));
    }));
});
