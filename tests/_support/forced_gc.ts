/**
 * A full garbage collection for tests that check what stays reachable (a queued span, an idle
 * processor's context, an unread response body).
 *
 * @module
 */
import process from "node:process";
import v8 from "node:v8";
import vm from "node:vm";
import { isBun, isWorkerd } from "./runtime.ts";

/**
 * A function that forces a full garbage collection, or undefined where none can be forced
 * (workerd). Bun's collector is forced through `Bun.gc(true)`; Node and Deno get V8's `gc` by
 * turning on `--expose-gc` at run time.
 *
 * @returns The collector, or undefined.
 */
export function forcedGc(): (() => void) | undefined {
  if (isWorkerd) return undefined;
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (isBun) return bun && (() => bun.gc(true));
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc: unknown = vm.runInNewContext("gc");
    return typeof gc === "function" ? gc as () => void : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The heap bytes each of `count` items holds while `hold` keeps them: the heap in use after full
 * collections before and after `hold` runs, divided by `count`.
 *
 * @param gc A collector from {@linkcode forcedGc}.
 * @param count How many items `hold` makes.
 * @param hold Makes the items and returns what keeps them reachable.
 * @returns Bytes per item.
 */
export function heldBytesEach(gc: () => void, count: number, hold: () => unknown): number {
  const heapUsed = () => (gc(), gc(), process.memoryUsage().heapUsed);
  const before = heapUsed();
  const held = hold();
  const after = heapUsed();
  if (held === undefined) throw new Error("hold() must return what keeps the items");
  return (after - before) / count;
}
