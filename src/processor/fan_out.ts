/**
 * Fan-out of lifecycle notifications to many processors, with per-processor error isolation: a
 * processor that throws or rejects is reported through diagnostics and never affects the others
 * or the host program.
 *
 * @module
 */
import { report } from "../diagnostics.ts";
import type { FlushReport } from "../types.ts";
import { emptyReport, mergeReport } from "./report.ts";
import { numberAtLeast } from "../number_option.ts";
import type { SpanProcessor } from "./types.ts";

/** The notification methods of a {@linkcode SpanProcessor}. */
export type ProcessorHook = "onSpanStart" | "onSpanEnd" | "onTraceStart" | "onTraceEnd";

/** Processors grouped by the notifications they implement, in registration order. */
export type ProcessorsByHook = Record<ProcessorHook, SpanProcessor[]>;

function failed(method: string, error: unknown): void {
  report("error", "processor_failed", `A span processor failed in ${method}`, error);
}

/**
 * Groups processors by the notifications they implement, so each notification only visits the
 * processors that want it.
 *
 * @param processors The processors, in order.
 * @returns One list per notification.
 */
export function byHook(processors: readonly SpanProcessor[]): ProcessorsByHook {
  const hooks: ProcessorHook[] = ["onSpanStart", "onSpanEnd", "onTraceStart", "onTraceEnd"];
  return Object.fromEntries(
    hooks.map((hook) => [hook, processors.filter((p) => typeof p[hook] === "function")]),
  ) as ProcessorsByHook;
}

/**
 * Calls `hook` on every processor of `list`, reporting a throw or a rejection instead of
 * propagating it.
 *
 * @param list The processors that implement `hook`.
 * @param hook The notification.
 * @param arg Its argument: a span, a span record or a trace.
 */
export function notify<H extends ProcessorHook>(
  list: readonly SpanProcessor[],
  hook: H,
  arg: Parameters<Required<SpanProcessor>[H]>[0],
): void {
  for (let i = 0; i < list.length; i++) {
    try {
      const result = (list[i] as Record<H, (value: typeof arg) => unknown>)[hook](arg);
      if (typeof (result as Promise<void> | undefined)?.then === "function") {
        (result as Promise<void>).then(undefined, (error) => failed(hook, error));
      }
    } catch (error) {
      failed(hook, error);
    }
  }
}

/**
 * Flushes (or shuts down) every processor concurrently, waiting at most until the deadline (one
 * minute without one): a processor whose promise never settles is reported, and the reports of
 * the others are returned.
 *
 * @param processors The processors.
 * @param method `forceFlush` or `shutdown`.
 * @param deadline Epoch-ms deadline passed to `shutdown`.
 * @returns The merged report; never rejects.
 */
export async function settleAll(
  processors: readonly SpanProcessor[],
  method: "forceFlush" | "shutdown",
  deadline?: number,
): Promise<FlushReport> {
  const total = emptyReport();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = await Promise.race([
    Promise.all(processors.map(async (p) => {
      try {
        mergeReport(total, await p[method]?.(deadline));
      } catch (error) {
        failed(method, error);
      }
    })).then(() => false),
    new Promise((late) => {
      // A plain timer: the program awaiting this goes on at the deadline instead of exiting.
      const ms = numberAtLeast(deadline, 0, Date.now() + 60_000) - Date.now();
      timer = setTimeout(late, Math.min(ms, 2 ** 31 - 1), true);
    }),
  ]);
  clearTimeout(timer);
  if (late) failed(method, "it did not settle by its deadline");
  return total;
}
