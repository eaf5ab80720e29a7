/**
 * Writes that must happen however the process ends, even when nothing can be awaited any more:
 * `process.exit()`, `Deno.exit()`, an uncaught exception (one thrown from a timer too) or an
 * unhandled rejection end the process in the same tick, and the async writes queued then never
 * run. A writer listed here writes what it holds synchronously at that moment.
 *
 * When it runs (checked on Node 20, Deno 2 and Bun 1): on Node and Bun at `exit`, which comes for
 * `process.exit()`, an uncaught exception, an unhandled rejection and the end of the event loop; on
 * Deno at `unload` (`Deno.exit()`, `process.exit()`, the end of the event loop), `error` (an
 * uncaught exception) and `unhandledrejection`. The last two come before the process ends, and a
 * listener of the program may still keep it running (`preventDefault()`): one added before
 * tracelet's (at the program's start) is seen and nothing is written early; after one added
 * later, the writers have written early, which loses nothing but may write the batch whose async
 * append was still running twice (the event logs; the span writer writes only its queue then, as
 * `final` is false: not the batch being appended, nor the traces tail sampling holds). The listeners are added once per process, on the first
 * writer listed, and shared by every copy of tracelet; they only look at the list.
 *
 * @module
 */
import { getProcess, runtimeKey } from "./_globals.ts";

/**
 * How long an append may run before its storage counts as stalled at exit: a synchronous write to
 * it (a hung network mount) would hang the process's end, so a writer tries none.
 */
export const STALLED_APPEND_MS = 10_000;

/** Something that writes what it holds synchronously when the process ends. */
export interface ExitWriter {
  /**
   * Writes synchronously; never throws (a throw is ignored).
   *
   * @param final False on Deno's `error` and `unhandledrejection`, which a listener of the
   *   program added after tracelet's may still handle (the process then runs on): write only
   *   what cannot be written twice or wrongly there.
   */
  writeNow(final?: boolean): void;
}

interface ExitWritersSlot {
  readonly writers: Set<ExitWriter>;
  /** Whether this process's listeners are added. */
  hooked: boolean;
}

const SLOT = Symbol.for("tracelet.exitWriters");
const slots = globalThis as unknown as Record<symbol, ExitWritersSlot | undefined>;

/** The part of `process` used here. */
interface ExitEvents {
  on(event: "exit", listener: () => void): unknown;
}

/** The part of Deno's global scope used here. */
interface UnloadEvents {
  addEventListener(type: string, listener: (event?: { defaultPrevented?: boolean }) => void): void;
}

/** Runs every listed writer (each once, errors ignored). */
function writeAll(writers: Set<ExitWriter>, final: boolean): void {
  for (const writer of [...writers]) {
    try {
      writer.writeNow(final);
    } catch {
      // A writer that throws anyway: the others still write.
    }
  }
}

/** Adds the listeners of this runtime (none where no process ends: Workers, browsers). */
function hook(slot: ExitWritersSlot): void {
  const run = () => writeAll(slot.writers, true);
  const runtime = runtimeKey();
  try {
    if (runtime === "deno") {
      const scope = globalThis as unknown as Partial<UnloadEvents>;
      if (typeof scope.addEventListener !== "function") return;
      scope.addEventListener("unload", run);
      // An error or a rejection the program has already handled (`preventDefault()` in a
      // listener added before this one) does not end the process: nothing is written early, so
      // the batch being appended is not written twice.
      const unlessHandled = (event?: { defaultPrevented?: boolean }) => {
        if (event?.defaultPrevented !== true) writeAll(slot.writers, false);
      };
      for (const type of ["error", "unhandledrejection"]) {
        scope.addEventListener(type, unlessHandled);
      }
    } else if (runtime === "node" || runtime === "bun") {
      const proc = getProcess() as Partial<ExitEvents> | undefined;
      if (typeof proc?.on === "function") proc.on("exit", run);
    }
  } catch {
    // A process object that refuses listeners: nothing is written at exit.
  }
}

/**
 * Lists a writer until the returned function is called: while listed, it writes synchronously
 * when the process ends (see the module docs for the events).
 *
 * @param writer The writer.
 * @returns Removes it from the list.
 */
export function writeAtExit(writer: ExitWriter): () => void {
  const slot = slots[SLOT] ??= { writers: new Set(), hooked: false };
  if (!slot.hooked) {
    slot.hooked = true;
    hook(slot);
  }
  slot.writers.add(writer);
  return () => void slot.writers.delete(writer);
}
