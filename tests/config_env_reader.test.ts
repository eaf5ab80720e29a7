// configure() reads its settings only through its `env` reader (blank meaning unset), the file
// storage root included, and the diagnostics hook it is given hears what reading them reports
// (Deno's env_denied above all).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { configureWith, type RuntimeParts } from "../src/configure.ts";
import { type Diagnostic, report } from "../src/diagnostics.ts";
import { SyncContextManager } from "../src/context/sync_manager.ts";
import { configure as configureNode } from "../src/runtime/node.ts";
import { defaultStorageRoot, NodeFsStorage } from "../src/storage/node_fs.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import { isolated } from "./_support/global_state.ts";
import { repoRoot, runChild } from "./_support/child_module.ts";
import { hasFileSystem, isDeno } from "./_support/runtime.ts";

const rootOf = (storage: unknown): string => (storage as { root: string }).root;

/** Runs `fn` with the process's TRACELET_HOME set to `value`, then puts it back. */
async function withProcessHome(value: string, fn: () => Promise<void>): Promise<void> {
  const saved = process.env.TRACELET_HOME;
  process.env.TRACELET_HOME = value;
  try {
    await fn();
  } finally {
    if (saved === undefined) delete process.env.TRACELET_HOME;
    else process.env.TRACELET_HOME = saved;
  }
}

describe("configure() and TRACELET_HOME", { skip: !hasFileSystem }, () => {
  it("reads TRACELET_HOME only through the env option, never from the process", () =>
    isolated(() =>
      withProcessHome(join(tmpdir(), "tracelet-process-home"), async () => {
        const tracing = configureNode({ env: (name) => ({ TRACELET_PROJECT: "p" })[name] });
        assert.equal(rootOf(tracing.storage), `${process.cwd()}/.tracelet`);
        await tracing.shutdown();
        const home = join(tmpdir(), "tracelet-option-home");
        const given = configureNode({ env: (name) => ({ TRACELET_HOME: home })[name] });
        assert.equal(rootOf(given.storage), home);
        await given.shutdown();
      })
    ));

  it("a blank TRACELET_HOME in the process means .tracelet in the cwd, not a directory ' '", () =>
    isolated(() =>
      withProcessHome("  ", async () => {
        const tracing = configureNode({});
        assert.equal(rootOf(tracing.storage), `${process.cwd()}/.tracelet`);
        await tracing.shutdown();
        // A storage built directly reads the process's TRACELET_HOME by the same rule.
        assert.equal(defaultStorageRoot(), `${process.cwd()}/.tracelet`);
        assert.equal(new NodeFsStorage().root, `${process.cwd()}/.tracelet`);
      })
    ));

  it("a storage built directly takes the process's TRACELET_HOME trimmed", () =>
    withProcessHome(` ${join(tmpdir(), "tracelet-home")} `, () => {
      assert.equal(defaultStorageRoot(), join(tmpdir(), "tracelet-home"));
      return Promise.resolve();
    }));
});

describe("configure()'s diagnostics hook", () => {
  it("hears what reading the runtime's environment reports", () =>
    isolated(async () => {
      let reported = false;
      const parts: RuntimeParts = {
        runtime: "test",
        contextManager: () => new SyncContextManager(),
        storage: () => new MemoryStorage(),
        // As Deno's reader does without --allow-env: once, at the first variable read.
        env(name) {
          if (!reported) report("warn", "env_denied", `${name} is ignored`);
          reported = true;
          return undefined;
        },
        timers: true,
      };
      const heard: Diagnostic[] = [];
      const tracing = configureWith(parts, { diagnostics: (d) => void heard.push(d) });
      await tracing.shutdown();
      assert.ok(heard.some((d) => d.code === "env_denied"), JSON.stringify(heard));
    }));
});

describe("a Deno program without --allow-env", { skip: !isDeno }, () => {
  async function runDeno(source: string, flags: string[]): Promise<{ dir: string; err: string }> {
    const dir = await mkdtemp(join(tmpdir(), "tracelet-noenv-"));
    const preset = pathToFileURL(join(repoRoot(), "src/runtime/deno.ts")).href;
    await writeFile(join(dir, "main.ts"), source.replaceAll("PRESET", preset));
    const out = await runChild(["run", "--no-prompt", ...flags, "main.ts"], {
      cwd: dir,
      env: { TRACELET_HOME: " " },
    });
    assert.equal(out.code, 0, out.stderr);
    return { dir, err: out.stderr };
  }

  it("reports env_denied to the diagnostics hook, not the console", async () => {
    const { dir, err } = await runDeno(
      `import { configure, MemoryStorage } from "PRESET";
const heard: string[] = [];
const t = configure({ storage: new MemoryStorage(), local: false, diagnostics: (d) => void heard.push(d.code) });
await t.shutdown();
console.error("HEARD", JSON.stringify(heard));`,
      // Some flag is needed: with none, Deno grants a child spawned this way --allow-env.
      ["--deny-env=TRACELET_UNUSED"],
    );
    await rm(dir, { recursive: true, force: true });
    assert.match(err, /HEARD \[.*"env_denied"/);
    assert.equal(err.split("env_denied").length - 1, 1, err);
  });

  it("with an env option, never reads the process's environment for the storage root", async () => {
    const { dir, err } = await runDeno(
      `import { configure } from "PRESET";
const t = configure({ env: (n) => ({ TRACELET_PROJECT: "p" })[n] });
t.tracer.startSpan("x").end();
await t.shutdown();
console.error("ROOT", JSON.stringify(t.storage.root));`,
      ["--deny-env=TRACELET_UNUSED", "--allow-read", "--allow-write"],
    );
    try {
      assert.doesNotMatch(err, /env_denied/);
      assert.match(err, /ROOT ".*\/\.tracelet"/);
      assert.deepEqual((await readdir(dir)).sort(), [".tracelet", "main.ts"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
