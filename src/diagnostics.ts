/**
 * Where tracelet reports its own problems. Tracing never throws into the host program; instead
 * every internal failure, dropped item or misuse is reported here. The default hook writes one
 * line to `console.warn`; install your own with {@linkcode setDiagnosticsHook}.
 *
 * @module
 */

/** Severity of a diagnostic. */
export type DiagnosticLevel = "debug" | "info" | "warn" | "error";

/** One diagnostic reported by tracelet. */
export interface Diagnostic {
  /** Severity. */
  readonly level: DiagnosticLevel;
  /** A stable machine-readable code, e.g. `queue_full`, `export_failed`, `outside_task`. */
  readonly code: string;
  /** A human-readable sentence. */
  readonly message: string;
  /** The underlying error or extra data, if any. */
  readonly cause?: unknown;
}

/** A function that receives diagnostics. It must not throw (if it does, the error is ignored). */
export type DiagnosticsHook = (diagnostic: Diagnostic) => void;

const defaultHook: DiagnosticsHook = (d) => {
  if (d.level === "debug") return;
  const text = `[tracelet] ${d.level} ${d.code}: ${d.message}`;
  if (d.level === "error") console.error(text);
  else console.warn(text);
};

interface DiagnosticsState {
  hook: DiagnosticsHook;
  once: Set<string>;
}

const SLOT = Symbol.for("tracelet.diagnostics");
const globalSlots = globalThis as unknown as Record<symbol, DiagnosticsState | undefined>;
const state: DiagnosticsState = globalSlots[SLOT] ??= { hook: defaultHook, once: new Set() };

/**
 * Replaces the diagnostics hook (shared by every copy of tracelet in the process).
 *
 * @param hook The new hook, or `undefined` to restore the default console hook.
 * @returns The previous hook.
 * @example
 * ```ts
 * import { setDiagnosticsHook } from "@tracelet/tracelet";
 * const seen: string[] = [];
 * const previous = setDiagnosticsHook((d) => void seen.push(d.code));
 * setDiagnosticsHook(previous);
 * ```
 */
export function setDiagnosticsHook(hook: DiagnosticsHook | undefined): DiagnosticsHook {
  const previous = state.hook;
  state.hook = hook ?? defaultHook;
  return previous;
}

/**
 * Reports a diagnostic through the current hook. Never throws.
 *
 * @param level Severity.
 * @param code Stable code.
 * @param message Human-readable sentence.
 * @param cause Optional error or data.
 */
export function report(
  level: DiagnosticLevel,
  code: string,
  message: string,
  cause?: unknown,
): void {
  try {
    state.hook({ level, code, message, cause });
  } catch {
    // A failing hook must never reach the host program.
  }
}

/**
 * Reports a diagnostic only the first time `key` is seen in this process.
 *
 * @param key De-duplication key (for example `outside_task:logParam`).
 * @param level Severity.
 * @param code Stable code.
 * @param message Human-readable sentence.
 * @param cause Optional error or data.
 */
export function reportOnce(
  key: string,
  level: DiagnosticLevel,
  code: string,
  message: string,
  cause?: unknown,
): void {
  if (state.once.has(key)) return;
  // Bounded: when 10,000 keys are remembered, start over (a key is then reported again only
  // after 10,000 other keys, instead of on every call once the set is full).
  if (state.once.size >= 10_000) state.once.clear();
  state.once.add(key);
  report(level, code, message, cause);
}

/** Forgets which once-only diagnostics were already reported (for tests). */
export function resetReportedOnce(): void {
  state.once.clear();
}
