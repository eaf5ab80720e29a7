/**
 * The Node (and Bun) exit flush: on `beforeExit`, and on `SIGTERM` / `SIGINT` when the program
 * has no handler of its own for that signal.
 *
 * On a signal, the pipeline shuts down with a deadline half a second before
 * {@linkcode SIGNAL_FLUSH_MS} is up: exports still running then are aborted, so their spans are
 * parked in the outbox (or counted) before the process ends, rather than lost in flight; then the
 * signal is raised again with tracelet's listeners removed, so the process ends exactly as it
 * would have without tracelet (same signal, same exit status). A second signal during the flush
 * ends it at once. When the program listens for the signal itself, tracelet stops listening for
 * that signal and the program decides when to exit (call `await tracing.shutdown()` there before
 * `process.exit()`); the `beforeExit` flush stays, so a program that stops its work and lets the
 * process end on its own still has its spans written. Once a signal has come, tracelet never
 * listens for it again in that process, and once it ends the process for one, for neither: a
 * `configure()` during the flush cannot catch the raised signal (or a second one), so the process
 * ends after that one flush.
 *
 * Each time the event loop empties the flush runs, again after a flush that did something, and
 * again after the program did more (its own `beforeExit` handler started work), so spans ended
 * then are written too; an idle process still ends. A flush that does not settle within
 * {@linkcode EXIT_FLUSH_MS}, or flushes back to back that keep failing for that long, end it:
 * what is still queued then is lost (reported as `exit_flush_timeout`), so an exporter that never
 * settles cannot keep the process alive. The time counts again after each flush that delivered
 * something and after the program did more ({@linkcode exitPasses}).
 *
 * `process.exit()` cannot be waited for: it exits synchronously. Call `await tracing.shutdown()`
 * before it.
 *
 * Every exit flush of a process (the Node and Deno presets' `configure()`, the agent layer's
 * processors) joins one shared list, {@linkcode hookRuntimeExit}: the exit hooks run all of them
 * together, so on a signal each has flushed before the process ends. On Deno the hook is
 * `beforeunload` (each time the event loop empties); Deno signals are left alone.
 *
 * A flush may come with a final step ({@linkcode Close}, the agent layer's processors' `shutdown`):
 * it runs once, when the process is about to end after its last flush (the event loop emptied
 * again right after a flush that had nothing to do), so a program that goes on after the first
 * `beforeExit` is not shut down under its feet. On a signal the flush itself shuts down.
 *
 * @module
 */
import { emptyReport, mergeReport } from "../processor/report.ts";
import { settlesWithin } from "../settles_within.ts";
import type { FlushReport } from "../types.ts";
import { getProcess, runtimeKey } from "./_globals.ts";
import { ignoredSignals } from "./_ignored_signals.ts";
import { type Close, exitPasses, type Flush } from "./_exit_passes.ts";

export { didWork, exitPasses, QUIET_MS } from "./_exit_passes.ts";
export type { Close, Flush } from "./_exit_passes.ts";

/** The part of Node's `process` the exit hook uses. */
export interface ExitProcess {
  /** The process id, to raise a signal again. */
  readonly pid: number;
  /** Adds a listener. */
  on(event: string, listener: (...args: never[]) => void): unknown;
  /** Adds a listener before the others (Node and Bun have it; `on` is used otherwise). */
  prependListener?(event: string, listener: (...args: never[]) => void): unknown;
  /** Adds a listener called once. */
  once(event: string, listener: (...args: never[]) => void): unknown;
  /** Removes a listener. */
  off(event: string, listener: (...args: never[]) => void): unknown;
  /** The listeners of an event. */
  listeners(event: string): readonly unknown[];
  /** Sends a signal. */
  kill(pid: number, signal: string): unknown;
}

/** How long a signal waits for the flush before the process ends as the signal asks. */
export const SIGNAL_FLUSH_MS = 2_000;

/** How long before the end of that wait a signal's shutdown aborts the exports still running. */
const SIGNAL_PARK_MS = 500;

/**
 * How long an exit flush, or exit flushes back to back that deliver nothing, may run once the
 * event loop has emptied: the processors' default flush timeout, so one full flush fits.
 */
export const EXIT_FLUSH_MS = 30_000;

const SIGNALS = ["SIGTERM", "SIGINT"] as const;
const OURS = Symbol.for("tracelet.exitListener");
const DONE = Symbol.for("tracelet.signalsDone");

/**
 * The signals tracelet no longer listens for on `proc`, shared by every copy of tracelet (each
 * may install the hook again): one the program handled, both once tracelet ends the process, and,
 * from the first hook on, one the process ignored from its start (Bun; see `ignoredSignals`).
 */
function signalsDone(proc: ExitProcess): Set<string> {
  const slot = globalThis as unknown as Record<symbol, WeakMap<object, Set<string>> | undefined>;
  const byProcess = slot[DONE] ??= new WeakMap();
  let done = byProcess.get(proc);
  if (done === undefined) {
    byProcess.set(proc, done = new Set(proc === getProcess() ? ignoredSignals() : []));
  }
  return done;
}

/**
 * Registers the exit flush on a process.
 *
 * @param proc The process (Node's or Bun's).
 * @param flush Flushes the pipeline.
 * @param waitMs How long a signal waits for the flush (default {@linkcode SIGNAL_FLUSH_MS}).
 * @param exitMs How long a flush, or flushes back to back that deliver nothing, may run once the
 *   event loop has emptied (default {@linkcode EXIT_FLUSH_MS}; see {@linkcode exitPasses}).
 * @param close The final step before the process ends normally (see {@linkcode exitPasses}); a
 *   signal does not run it (the flush given a deadline shuts down).
 * @returns Removes every listener it added.
 */
export function hookProcessExit(
  proc: ExitProcess,
  flush: Flush,
  waitMs: number = SIGNAL_FLUSH_MS,
  exitMs: number = EXIT_FLUSH_MS,
  close?: Close,
): () => void {
  // `beforeExit` comes each time the event loop empties (a listener that starts nothing lets the
  // process end): see `exitPasses` for when it flushes.
  const pass = exitPasses(flush, exitMs, close);
  const beforeExit = () => void pass();
  // Runs first (prepended) and stops listening for the signal before looking at the others: a
  // `once` handler of the program is still registered then, and a library that applies the same
  // rule (signal-exit: re-raise only when alone) sees itself alone and ends the process, instead
  // of each leaving the exit to the other. Only the re-raise removes the `beforeExit` flush too.
  // A hook installed later (`configure()` again) skips the signals in `done`: a signal already
  // came, so it would catch the raised one and keep the process alive.
  const done = signalsDone(proc);
  const onSignal = (signal: string) => () => {
    for (const [name, listener] of listeners) if (name === signal) proc.off(name, listener);
    const others = proc.listeners(signal).filter((listener) =>
      (listener as { [OURS]?: boolean })[OURS] !== true
    );
    // The program handles it and decides when to exit.
    if (others.length > 0) return void done.add(signal);
    for (const name of SIGNALS) done.add(name); // A second signal ends the process at once.
    remove();
    // The process ends: a shutdown by a deadline, leaving time to park what it aborts.
    const deadline = Date.now() + Math.max(waitMs / 2, waitMs - SIGNAL_PARK_MS);
    void settlesWithin(flush(deadline).catch(() => {}), waitMs).then(() =>
      proc.kill(proc.pid, signal)
    );
  };
  const listeners = SIGNALS.filter((signal) => !done.has(signal)).map((signal) => {
    const listener = onSignal(signal);
    Object.defineProperty(listener, OURS, { value: true });
    return [signal, listener] as const;
  });
  const remove = () => {
    proc.off("beforeExit", beforeExit);
    for (const [signal, listener] of listeners) proc.off(signal, listener);
  };
  proc.on("beforeExit", beforeExit);
  for (const [signal, listener] of listeners) {
    try {
      if (proc.prependListener) proc.prependListener(signal, listener);
      else proc.on(signal, listener);
    } catch {
      // A runtime that cannot listen for this signal (SIGTERM on Windows under Deno).
    }
  }
  return remove;
}

/** Installs an exit hook that runs `flush` (and `close`, if given); returns what removes it. */
export type ExitHook = (flush: Flush, close?: Close) => () => void;

/**
 * The Node and Bun exit hook ({@linkcode hookProcessExit}) on the global `process`.
 *
 * @returns The hook, or undefined where there is no such process.
 */
export function processExitHook(): ExitHook | undefined {
  const proc = getProcess() as unknown as Partial<ExitProcess> | undefined;
  const methods = ["on", "once", "off", "listeners", "kill"] as const;
  if (proc === undefined || !methods.every((name) => typeof proc[name] === "function")) return;
  return (flush, close) =>
    hookProcessExit(proc as ExitProcess, flush, SIGNAL_FLUSH_MS, EXIT_FLUSH_MS, close);
}

type UnloadListener = (event?: { preventDefault?(): void }) => void;

interface UnloadTarget {
  addEventListener(type: "beforeunload", listener: UnloadListener): void;
  removeEventListener(type: "beforeunload", listener: UnloadListener): void;
}

/**
 * The Deno exit hook: a flush on `beforeunload`, which comes each time the event loop empties,
 * keeping the loop running (`preventDefault()`) only while there is something to flush, as
 * {@linkcode exitPasses} decides: later work is flushed too, an idle program still exits, and a
 * flush that never settles or keeps failing does not keep the program alive.
 *
 * @param exitMs How long a flush, or flushes back to back that deliver nothing, may run (default
 *   {@linkcode EXIT_FLUSH_MS}).
 * @returns The hook, or undefined where there is no `addEventListener`.
 */
export function unloadExitHook(exitMs: number = EXIT_FLUSH_MS): ExitHook | undefined {
  const target = globalThis as unknown as UnloadTarget;
  if (typeof target.addEventListener !== "function") return;
  return (flush, close) => {
    const pass = exitPasses(flush, exitMs, close);
    const listener = (event?: { preventDefault?(): void }) => {
      // Keeps the event loop running while a pass flushes (work started after this task, such
      // as a flush that awaits before it sends, would not); `beforeunload` comes again once the
      // loop is empty. Nothing to flush: the program ends.
      if (pass() !== undefined) event?.preventDefault?.();
    };
    target.addEventListener("beforeunload", listener);
    return () => {
      target.removeEventListener("beforeunload", listener);
    };
  };
}

/**
 * A list of exit flushes run together by the exit hooks they were added with: each hook is
 * installed once for the whole list (again on each addition, as a fresh `configure()` did) and
 * removed when the list becomes empty.
 */
export class ExitFlushes {
  readonly #flushes = new Set<{ flush: Flush; close: Close | undefined }>();
  readonly #hooks = new Map<string, ExitHook>();
  #unhooks: (() => void)[] = [];

  /**
   * Runs every flush of the list concurrently.
   *
   * @param deadline When the process ends (a signal): each shuts its pipeline down by then.
   * @returns The merged report (a flush that rejects counts as nothing); never rejects.
   */
  readonly flush = async (deadline?: number): Promise<FlushReport> => {
    const reports = await Promise.all(
      [...this.#flushes].map(({ flush }) => flush(deadline).then(undefined, () => undefined)),
    );
    return reports.reduce<FlushReport>(mergeReport, emptyReport());
  };

  /**
   * Runs the final step of every flush that has one, concurrently.
   *
   * @param end When the exit's time is up.
   * @returns True when all are done (a step that throws or rejects counts as done), false when
   *   one found the program did more; undefined when none had anything to do.
   */
  readonly close = (end: number): Promise<boolean> | undefined => {
    const steps: Promise<boolean>[] = [];
    for (const { close } of this.#flushes) {
      try {
        const step = close?.(end);
        if (step !== undefined) steps.push(Promise.resolve(step).then((done) => done, () => true));
      } catch {
        // A step that throws is done.
      }
    }
    if (steps.length === 0) return;
    return Promise.all(steps).then((done) => done.every(Boolean));
  };

  /**
   * Adds a flush, run by the hook installed under `key` (and every other hook of the list).
   *
   * @param flush The flush.
   * @param key Names the hook (one hook per name).
   * @param hook Installs the hook.
   * @param close The flush's final step before the process ends normally, if any.
   * @returns Removes the flush (and the hooks, when it was the last one).
   */
  add(flush: Flush, key: string, hook: ExitHook, close?: Close): () => void {
    const entry = { flush, close };
    this.#flushes.add(entry);
    this.#hooks.set(key, hook);
    this.#unhook();
    const closing = [...this.#flushes].some((e) => e.close !== undefined) ? this.close : undefined;
    for (const install of this.#hooks.values()) {
      try {
        this.#unhooks.push(install(this.flush, closing));
      } catch {
        // A process object that refuses listeners: no exit flush there (flush explicitly).
      }
    }
    return () => {
      if (this.#flushes.delete(entry) && this.#flushes.size === 0) {
        this.#unhook();
        this.#hooks.clear();
      }
    };
  }

  #unhook(): void {
    for (const unhook of this.#unhooks.splice(0)) unhook();
  }
}

const SLOT = Symbol.for("tracelet.exitFlushes");
const slots = globalThis as unknown as Record<symbol, ExitFlushes | undefined>;

/**
 * Registers a flush to run when the process ends, in the process-wide list shared by every copy
 * of tracelet: on Node and Bun when the event loop empties (`beforeExit`) and on `SIGTERM` /
 * `SIGINT` when the program has no handler of its own; on Deno on `beforeunload`. Does nothing
 * where there is no process exit to hook (Workers, browsers).
 *
 * @param flush The flush.
 * @param kind `process` (Node, Bun) or `unload` (Deno); default: the current runtime's.
 * @param close Its final step before the process ends normally, if any (see
 *   {@linkcode exitPasses}).
 * @returns Removes the flush.
 */
export function hookRuntimeExit(
  flush: Flush,
  kind?: "process" | "unload",
  close?: Close,
): () => void {
  const runtime = runtimeKey();
  kind ??= runtime === "deno"
    ? "unload"
    : runtime === "node" || runtime === "bun"
    ? "process"
    : undefined;
  const hook = kind === "process"
    ? processExitHook()
    : kind === "unload"
    ? unloadExitHook()
    : undefined;
  if (kind === undefined || hook === undefined) return () => {};
  return (slots[SLOT] ??= new ExitFlushes()).add(flush, kind, hook, close);
}
