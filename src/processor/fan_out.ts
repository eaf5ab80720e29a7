/**
 * Fan-out of lifecycle notifications to many processors, with per-processor error isolation: a
 * processor that throws or rejects is reported through diagnostics and never affects the others
 * or the host program.
 *
 * @module
 */
import { toDeadline } from "../deadline.ts";
import { report } from "../diagnostics.ts";
import type { FlushReport } from "../types.ts";
import { emptyReport, mergeReport } from "./report.ts";
import { settlesWithin } from "../settles_within.ts";
import type { SpanProcessor } from "./types.ts";

/** The notification methods of a {@linkcode SpanProcessor}. */
export type ProcessorHook = "onSpanStart" | "onSpanEnd" | "onTraceStart" | "onTraceEnd";

/** Processors grouped by the notifications they implement, in registration order. */
export type ProcessorsByHook = Record<ProcessorHook, SpanProcessor[]>;

/**
 * Reports a processor's throw or rejection (`processor_failed`, an error).
 *
 * @param method The processor's method that failed.
 * @param error What it threw or rejected with.
 * @param kind What the message calls the processor: `span` (the default) or `trace` (a processor
 *   of the agent layer, behind its bridge).
 */
export function failed(method: string, error: unknown, kind = "span"): void {
  report("error", "processor_failed", `A ${kind} processor failed in ${method}`, error);
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
 * Calls `hook` on every processor of `list` that has it, reporting a throw or a rejection (and a
 * getter of `hook` that throws) instead of propagating it.
 *
 * @param list The processors that implement `hook` (tracelet's, or the agent layer's trace
 *   processors, whose notifications have the same names).
 * @param hook The notification.
 * @param arg Its argument: a span, a span record or a trace.
 * @param kind What a failure's diagnostic calls the processor (see {@linkcode failed}).
 */
export function notify<H extends ProcessorHook, A = Parameters<Required<SpanProcessor>[H]>[0]>(
  list: readonly { readonly [K in H]?: ((value: A) => unknown) | undefined }[],
  hook: H,
  arg: A,
  kind?: string,
): void {
  for (let i = 0; i < list.length; i++) {
    try {
      const result = list[i][hook]?.(arg);
      if (typeof (result as Promise<void> | undefined)?.then === "function") {
        (result as Promise<void>).then(undefined, (error) => failed(hook, error, kind));
      }
    } catch (error) {
      failed(hook, error, kind);
    }
  }
}

/**
 * Flushes (or shuts down) every processor concurrently. With a deadline, it waits at most one
 * second past it (each processor gets the deadline and should keep it; the second lets a report
 * made right at the deadline arrive): a processor whose promise never settles is reported, and
 * the reports of the others are returned. Without a deadline it sets no timer (the Workers
 * preset uses none) and waits for every processor.
 *
 * @param processors The processors.
 * @param method `forceFlush` or `shutdown`.
 * @param deadline Epoch-ms deadline passed to each processor (a number below 10^12 is a timeout
 *   in ms from now).
 * @returns The merged report (what arrives after it is returned changes it no more); never
 *   rejects.
 */
export async function settleAll(
  processors: readonly SpanProcessor[],
  method: "forceFlush" | "shutdown",
  deadline?: number,
): Promise<FlushReport> {
  const total = emptyReport();
  deadline = toDeadline(deadline);
  const all = Promise.all(processors.map(async (p) => {
    try {
      mergeReport(total, await p[method]?.(deadline));
    } catch (error) {
      failed(method, error);
    }
  }));
  if (!(deadline! < Infinity)) await all;
  // A second's grace past the deadline, or past now when it has already passed: a processor
  // counts what it gives up on at its deadline, and that count must reach the report.
  else if (!await settlesWithin(all, Math.max(deadline!, Date.now()) + 1000 - Date.now())) {
    failed(method, "it did not settle by its deadline");
  }
  return mergeReport(emptyReport(), total); // a copy: a late report must not change it
}
