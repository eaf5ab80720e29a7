/**
 * The signals a Bun process ignores since it started. A process inherits an ignored signal from
 * its launcher (`trap '' TERM` before `exec`, `nohup` for SIGHUP, and a job a shell script starts
 * with `&` ignores SIGINT); Node resets them at startup, Bun keeps them. A listener takes such a
 * signal over, and the exit hook's re-raise after its flush then killed a process its launcher
 * meant to survive the signal, so the hook leaves these alone on Bun.
 *
 * @module
 */
import { getProcess, runtimeKey } from "./_globals.ts";

/** Linux signal numbers of the signals the exit hook listens for. */
const NUMBERS: Readonly<Record<string, number>> = { SIGINT: 2, SIGTERM: 15 };

/** The part of Bun's `process` used here. */
interface BuiltinModules {
  getBuiltinModule?(id: string): unknown;
}

/**
 * On Bun on Linux, which of SIGINT and SIGTERM this process ignores now (`SigIgn` of
 * `/proc/self/status`); read before anything listens for them. Elsewhere, or when it cannot be
 * read, none.
 *
 * @returns The signal names.
 */
export function ignoredSignals(): string[] {
  if (runtimeKey() !== "bun") return [];
  try {
    const fs = (getProcess() as BuiltinModules | undefined)?.getBuiltinModule?.("node:fs") as
      | { readFileSync(path: string, encoding: "utf8"): string }
      | undefined;
    const mask = /^SigIgn:\s*([0-9a-f]+)/m.exec(
      fs?.readFileSync("/proc/self/status", "utf8") ?? "",
    );
    if (mask === null) return [];
    const low = parseInt(mask[1].slice(-8), 16); // signals 1-32
    return Object.keys(NUMBERS).filter((name) => (low >>> (NUMBERS[name] - 1)) & 1);
  } catch {
    return []; // not Linux, or no file system access: listen as before
  }
}
