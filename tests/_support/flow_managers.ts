/**
 * Context managers for the tests of what `start(true)` / `startTraceRun` make current outside
 * any scope: per async flow where AsyncLocalStorage has a working `enterWith`, one slot per
 * context manager elsewhere (workerd, whose `enterWith` throws even with nodejs_compat).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isBun, isNode } from "./runtime.ts";
import {
  AsyncLocalStorageContextManager,
  setContextManager,
  SyncContextManager,
} from "../../mod.ts";
import type { AsyncLocalStorageClass, ContextManager } from "../../mod.ts";

/** An AsyncLocalStorage whose `enterWith` is missing, throws, or does nothing (stand-ins). */
export function limitedStorage(
  enterWith: "missing" | "throws" | "ignored",
): AsyncLocalStorageClass {
  class Limited<T> {
    readonly #storage = new AsyncLocalStorage<T>();
    getStore(): T | undefined {
      return this.#storage.getStore();
    }
    run<R>(store: T, fn: () => R): R {
      return this.#storage.run(store, fn);
    }
  }
  if (enterWith !== "missing") {
    Object.defineProperty(Limited.prototype, "enterWith", {
      value: () => {
        if (enterWith === "throws") throw new Error("enterWith is not implemented");
      },
    });
  }
  return Limited as AsyncLocalStorageClass;
}

/**
 * Why the per-flow tests are skipped here, or false when this runtime's AsyncLocalStorage has a
 * working `enterWith` (workerd's throws "not implemented": one slot is shared there).
 */
export const NO_ENTER_WITH: string | false = (() => {
  try {
    const storage = new AsyncLocalStorage<number>();
    storage.enterWith(1);
    if (storage.getStore() === 1) return false;
  } catch {
    // fall through
  }
  return "AsyncLocalStorage has no working enterWith here: concurrent flows share one slot";
})();

/** The managers without a working enterWith: one slot on every runtime. */
export const SLOT_MANAGERS: ReadonlyArray<readonly [string, () => ContextManager]> = [
  ["SyncContextManager", () => new SyncContextManager()],
  ...(["missing", "throws", "ignored"] as const).map((how) =>
    [
      `AsyncLocalStorage whose enterWith is ${how}`,
      () => new AsyncLocalStorageContextManager(limitedStorage(how)),
    ] as const
  ),
];

/** Runs `fn` with another context manager installed. */
export async function withManager(
  manager: ContextManager,
  fn: () => Promise<void>,
): Promise<void> {
  const previous = setContextManager(manager);
  try {
    await fn();
  } finally {
    setContextManager(previous);
  }
}

/**
 * Waits for every task, then throws the first failure: a task that failed does not leave the
 * others running into the next test.
 */
export async function allSettled(tasks: Promise<unknown>[]): Promise<void> {
  for (const result of await Promise.allSettled(tasks)) {
    if (result.status === "rejected") throw result.reason;
  }
}

/**
 * Why the fresh-process tests are skipped here, or false on Node and Bun (where a child process
 * runs TypeScript): what a process does right after start-up cannot be tested in the test's own
 * process, where AsyncLocalStorage has long been in use.
 */
export const NO_FRESH_PROCESS: string | false = isNode || isBun
  ? false
  : "needs a child process of this runtime that runs TypeScript (Node + tsx, Bun)";

/**
 * Runs `body` as a module in a new process of this runtime (Node with tsx, or Bun), after it
 * installed an `AsyncLocalStorageContextManager`. `body` may import `MOD`, `AGENTS` and `EVENTS`
 * (tracelet's `mod.ts`, `src/agents/mod.ts` and `src/events/mod.ts`).
 *
 * @returns What the process printed; it throws when the process failed.
 */
export async function inFreshProcess(body: string): Promise<string> {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const dir = await mkdtemp(join(tmpdir(), "tracelet-flow-"));
  try {
    const script = join(dir, "child.mts");
    const path = (file: string) => JSON.stringify(join(root, file));
    await writeFile(
      script,
      `import { AsyncLocalStorage } from "node:async_hooks";\n` +
        `import * as MOD from ${path("mod.ts")};\n` +
        `import * as AGENTS from ${path("src/agents/mod.ts")};\n` +
        `import * as EVENTS from ${path("src/events/mod.ts")};\n` +
        `MOD.setContextManager(new MOD.AsyncLocalStorageContextManager(AsyncLocalStorage));\n` +
        body,
    );
    const child = spawnSync(process.execPath, isBun ? [script] : ["--import", "tsx", script], {
      cwd: root,
      encoding: "utf8",
      timeout: 20_000,
    });
    if (child.status !== 0) throw new Error(`child failed (${child.signal}): ${child.stderr}`);
    return child.stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
