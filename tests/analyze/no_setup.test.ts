// `analyzeTraceDir()` needs no setup, as design_research_agents' `analyze_trace_dir` needs none:
// without a reader and without `configure()` it reads through the runtime's own `node:fs`
// (`process.getBuiltinModule`). It returned an empty report with one warning instead ("no file
// access is configured"), even after importing the Node preset. Where the runtime offers no file
// access at all, it now rejects with an error saying so rather than reporting nothing.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { analyzeTraceDir } from "../../src/analyze/mod.ts";
import { setConfig } from "../../src/config_state.ts";
import { hasFileSystem, isWorkerd } from "../_support/runtime.ts";
import { withTempDir } from "../_support/files.ts";
import { eventLine } from "./_event_line.ts";

const TEXT = [
  eventLine("ModelCallStarted", { model: "m" }),
  eventLine("RunFinished", { success: true }),
].join("\n") + "\n";

type BuiltinModules = { getBuiltinModule?: (id: string) => unknown };
const proc = (globalThis as { process?: BuiltinModules }).process;

/** Runs `fn` with no configuration installed (as before any `configure()`), then restores it. */
async function unconfigured<T>(fn: () => Promise<T>): Promise<T> {
  const previous = setConfig(undefined);
  try {
    return await fn();
  } finally {
    setConfig(previous);
  }
}

/** Runs `fn` with `process.getBuiltinModule` hidden (a runtime without `node:fs`). */
async function withoutBuiltins<T>(fn: () => Promise<T>): Promise<T> {
  if (proc === undefined) return fn();
  const own = Object.getOwnPropertyDescriptor(proc, "getBuiltinModule");
  Object.defineProperty(proc, "getBuiltinModule", { value: undefined, configurable: true });
  try {
    return await fn();
  } finally {
    if (own === undefined) delete proc.getBuiltinModule;
    else Object.defineProperty(proc, "getBuiltinModule", own);
  }
}

describe("analyzeTraceDir without a reader or configure()", () => {
  it(
    "reads the files through the runtime's node:fs",
    { skip: !hasFileSystem },
    () =>
      withTempDir("tracelet-no-setup-", async (dir) => {
        await writeFile(join(dir, "run_1.jsonl"), TEXT);
        const report = await unconfigured(() => analyzeTraceDir({ traceDir: dir }));
        assert.deepEqual(report.inputs.files, ["run_1.jsonl"]);
        assert.equal(report.models.model_call_count, 1);
        assert.equal(report.runs.success_count, 1);
        assert.deepEqual(report.warnings, []);
      }),
  );

  it("reads workerd's virtual file system (/tmp)", { skip: !isWorkerd }, async () => {
    const fs = proc?.getBuiltinModule?.("node:fs") as {
      mkdirSync(path: string, options: { recursive: true }): void;
      writeFileSync(path: string, text: string): void;
    };
    fs.mkdirSync("/tmp/tracelet-no-setup", { recursive: true });
    fs.writeFileSync("/tmp/tracelet-no-setup/run_1.jsonl", TEXT);
    const report = await unconfigured(() =>
      analyzeTraceDir({ traceDir: "/tmp/tracelet-no-setup" })
    );
    assert.equal(report.models.model_call_count, 1);
  });

  it("rejects, saying why, where the runtime offers no file access", async () => {
    await unconfigured(() =>
      withoutBuiltins(async () => {
        await assert.rejects(
          analyzeTraceDir({ traceDir: "traces" }),
          (error: Error) => /no file access/.test(error.message) && /reader/.test(error.message),
        );
      })
    );
  });
});
