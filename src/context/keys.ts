/**
 * The context keys of the core: the active span, and the attributes every span started in a
 * context inherits. Both are shared by every copy of tracelet in the process (`Symbol.for`, like
 * the context manager), so a library that bundles another copy parents its spans under the app's
 * active span and inherits its attributes. Their values are plain data to the other copies (span
 * ids, frozen attribute records); keys whose values are objects with private fields (the current
 * task, agent frame, events cell) stay private to each copy.
 *
 * @module
 */
import { sharedContextKey } from "./context.ts";
import type { Context, ContextKey } from "./context.ts";
import type { Span } from "../span.ts";
import type { Attributes, SpanContext } from "../types.ts";

/**
 * The active span (local) or a remote parent's span context. Shared by every copy of tracelet:
 * a value set by another copy is read only through its `SpanContext` fields (`traceId`, `spanId`,
 * `traceFlags`, `traceState`), which `.v1` in the key's name stands for.
 */
export const SPAN_KEY: ContextKey<Span | SpanContext> = sharedContextKey(
  "tracelet.context.span.v1",
);

/**
 * Attributes every span started in this context inherits, unless the span sets them itself.
 * The task layer keeps the run id, project and bound session id here, so plain spans started
 * inside a run or a session land in its files; set it with {@linkcode contextWithAttributes}.
 * Shared by every copy of tracelet (the value is a frozen plain record).
 */
export const INHERITED_ATTRIBUTES_KEY: ContextKey<Readonly<Attributes>> = sharedContextKey(
  "tracelet.context.attributes.v1",
);

/**
 * A context whose spans inherit `attributes` on top of what `base` already passes down.
 *
 * @param base The context to extend.
 * @param attributes The attributes to add (later values win).
 * @returns The new context.
 * @example
 * ```ts
 * import { activeContext, contextWithAttributes, getContextManager, Tracer } from "@tracelet/tracelet";
 * const tracer = new Tracer();
 * const context = contextWithAttributes(activeContext(), { "tenant.id": "acme" });
 * getContextManager().with(context, () => tracer.startSpan("query").end()); // has tenant.id
 * ```
 */
export function contextWithAttributes(base: Context, attributes: Readonly<Attributes>): Context {
  let inherited: Attributes;
  try {
    inherited = { ...base.get(INHERITED_ATTRIBUTES_KEY) };
  } catch {
    inherited = {}; // an unreadable record (set through the shared key) passes nothing down
  }
  return base.set(INHERITED_ATTRIBUTES_KEY, Object.freeze({ ...inherited, ...attributes }));
}
