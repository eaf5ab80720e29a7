/**
 * The context keys of the core: the active span and the bound session id.
 *
 * @module
 */
import { createContextKey } from "./context.ts";
import type { ContextKey } from "./context.ts";
import type { Span } from "../span.ts";
import type { SpanContext } from "../types.ts";

/** The active span (local) or a remote parent's span context. */
export const SPAN_KEY: ContextKey<Span | SpanContext> = createContextKey("tracelet.span");

/** The session id bound with `bindSessionId`; stamped on spans when they start. */
export const SESSION_KEY: ContextKey<string> = createContextKey("tracelet.session");

/** The run (root task) id of the active run; stamped on spans as `dreadnode.run.id`. */
export const RUN_KEY: ContextKey<string> = createContextKey("tracelet.run");

/** The project of the active run; stamped on spans as `dreadnode.project` (routes JSONL lines). */
export const PROJECT_KEY: ContextKey<string> = createContextKey("tracelet.project");
