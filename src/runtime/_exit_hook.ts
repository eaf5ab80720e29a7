/**
 * The Node (and Bun) exit flush: on `beforeExit`, and on `SIGTERM` / `SIGINT` when the program
 * has no handler of its own for that signal.
 *
 * On a signal, spans still queued are flushed for at most {@linkcode SIGNAL_FLUSH_MS}, then the
 * signal is raised again with tracelet's listeners removed, so the process ends exactly as it
 * would have without tracelet (same signal, same exit status). A second signal during the flush
 * ends it at once. When the program listens for the signal itself, tracelet stops listening for
 * that signal and the program decides when to exit (call `await tracing.shutdown()` there before
 * `process.exit()`); the `beforeExit` flush stays, so a program that stops its work and lets the
 * process end on its own still has its spans written.
 *
 * `process.exit()` cannot be waited for: it exits synchronously. Call `await tracing.shutdown()`
 * before it.
 *
 * @module
 */
import { settlesWithin } from "../settles_within.ts";
import type { FlushReport } from "../types.ts";

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

const SIGNALS = ["SIGTERM", "SIGINT"] as const;
const OURS = Symbol.for("tracelet.exitListener");

/**
 * Whether a flush did anything (so the next idle moment may have more to flush).
 *
 * @param report A flush report.
 * @returns True when any span was exported, retried, persisted, dropped or failed.
 */
export function didWork(report: FlushReport): boolean {
  return report.exported + report.retried + report.persisted + report.failed > 0 ||
    Object.keys(report.dropped).length > 0;
}

/**
 * Registers the exit flush on a process.
 *
 * @param proc The process (Node's or Bun's).
 * @param flush Flushes the pipeline.
 * @param waitMs How long a signal waits for the flush (default {@linkcode SIGNAL_FLUSH_MS}).
 * @returns Removes every listener it added.
 */
export function hookProcessExit(
  proc: ExitProcess,
  flush: () => Promise<FlushReport>,
  waitMs: number = SIGNAL_FLUSH_MS,
): () => void {
  let active = true;
  // `beforeExit` comes each time the event loop empties. Flush again only after a flush that did
  // something, so work done after the first flush is not lost and an idle process still exits.
  const beforeExit = () => {
    void flush().then((report) => {
      if (active && didWork(report)) proc.once("beforeExit", beforeExit);
    }, () => {});
  };
  // Runs first (prepended) and stops listening for the signal before looking at the others: a
  // `once` handler of the program is still registered then, and a library that applies the same
  // rule (signal-exit: re-raise only when alone) sees itself alone and ends the process, instead
  // of each leaving the exit to the other. Only the re-raise removes the `beforeExit` flush too.
  const onSignal = (signal: string) => () => {
    for (const [name, listener] of listeners) if (name === signal) proc.off(name, listener);
    const others = proc.listeners(signal).filter((listener) =>
      (listener as { [OURS]?: boolean })[OURS] !== true
    );
    if (others.length > 0) return; // The program handles it and decides when to exit.
    remove();
    void settlesWithin(flush().catch(() => {}), waitMs).then(() => proc.kill(proc.pid, signal));
  };
  const listeners = SIGNALS.map((signal) => {
    const listener = onSignal(signal);
    Object.defineProperty(listener, OURS, { value: true });
    return [signal, listener] as const;
  });
  const remove = () => {
    active = false;
    proc.off("beforeExit", beforeExit);
    for (const [signal, listener] of listeners) proc.off(signal, listener);
  };
  proc.once("beforeExit", beforeExit);
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
