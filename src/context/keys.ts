/**
 * The context keys of the core: the active span, and the attributes every span started in a
 * context inherits.
 *
 * @module
 */
import { createContextKey } from "./context.ts";
import type { Context, ContextKey } from "./context.ts";
import type { Span } from "../span.ts";
import type { Attributes, SpanContext } from "../types.ts";

/** The active span (local) or a remote parent's span context. */
export const SPAN_KEY: ContextKey<Span | SpanContext> = createContextKey("tracelet.span");

/**
 * Attributes every span started in this context inherits, unless the span sets them itself.
 * The task layer keeps the run id, project and bound session id here, so plain spans started
 * inside a run or a session land in its files; set it with {@linkcode contextWithAttributes}.
 */
export const INHERITED_ATTRIBUTES_KEY: ContextKey<Readonly<Attributes>> = createContextKey(
  "tracelet.attributes",
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
  return base.set(
    INHERITED_ATTRIBUTES_KEY,
    Object.freeze({ ...base.get(INHERITED_ATTRIBUTES_KEY), ...attributes }),
  );
}
