/**
 * `instrument()` for Workers handlers: one root span per `fetch`, `scheduled` and `queue`
 * invocation, ended when the response body has been delivered (not at the headers), and one
 * flush per invocation run through `ctx.waitUntil` after the user's own `waitUntil` promises have
 * settled. No timers. The flush never rejects; its report goes to `onFlush`.
 *
 * @module
 */
import { Context } from "../context/context.ts";
import { getContextManager } from "../context/manager.ts";
import { report } from "../diagnostics.ts";
import type { Span } from "../span.ts";
import { extractTraceContext } from "../task/trace_context.ts";
import type { StartSpanOptions, Tracer } from "../tracer.ts";
import type { Attributes, FlushReport, SpanKind } from "../types.ts";
import { observeResponse } from "./_worker_body.ts";
import {
  type MessageBatchLike,
  queueAttributes,
  requestAttributes,
  scheduledAttributes,
  type ScheduledControllerLike,
} from "./_worker_http.ts";
import { type ExecutionContextLike, WaitUntilTracker } from "./_worker_wait.ts";

/** Per-invocation options of `instrument()`. */
export interface InvocationOptions {
  /** Continue the caller's trace from `traceparent` / `tracestate`. Default true. */
  readonly trustTraceparent?: boolean;
  /** Record `url.query` (it may carry secrets). Default false. */
  readonly recordQuery?: boolean;
  /**
   * End the fetch root span when the response body has been delivered. Default true. The body is
   * then re-wrapped: on workerd a response keeps its length only with an explicit
   * `Content-Length` header, others are sent chunked. `false` ends the span at the headers and
   * returns the handler's response untouched.
   */
  readonly waitForBody?: boolean;
  /** Flush through `ctx.waitUntil` at the end of every invocation. Default true. */
  readonly flush?: boolean;
  /** Receives each invocation's flush report. Must not throw. */
  readonly onFlush?: (report: FlushReport) => void;
}

/** What `instrument()` needs from the preset: the tracer to use for this invocation's `env`. */
export type TracerFor = (env: unknown) => Tracer | undefined;

const invocationSpans = new WeakMap<object, Span>();
let invocations = 0;

/**
 * The root span of the invocation that received `key` (its request, its execution context as
 * passed to the handler, its scheduled controller or its message batch). Use it as the explicit
 * `parent` of spans when AsyncLocalStorage is not available.
 *
 * @param key The request, context, controller or batch.
 * @returns The root span, or undefined when `key` belongs to no instrumented invocation.
 */
export function invocationSpan(key: object): Span | undefined {
  return invocationSpans.get(key);
}

/** The parts of a handler `instrument()` wraps. */
interface Handlers {
  fetch?(request: Request, env: unknown, ctx: ExecutionContextLike): unknown;
  scheduled?(controller: ScheduledControllerLike, env: unknown, ctx: ExecutionContextLike): unknown;
  queue?(batch: MessageBatchLike, env: unknown, ctx: ExecutionContextLike): unknown;
}

interface Invocation {
  readonly span: Span;
  readonly tracker: WaitUntilTracker;
  /** Ends the root span (once) and lets the flush proceed. */
  readonly end: () => void;
}

function start(
  tracer: Tracer,
  ctx: ExecutionContextLike,
  options: InvocationOptions,
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  parent: StartSpanOptions["parent"],
): Invocation {
  attributes["faas.coldstart"] = invocations++ === 0;
  attributes["cloud.provider"] = "cloudflare";
  attributes["cloud.platform"] = "cloudflare.workers";
  const span = tracer.startSpan(name, { kind, attributes, parent });
  const tracker = new WaitUntilTracker(ctx);
  let markEnded!: () => void;
  const ended = new Promise<void>((resolve) => (markEnded = resolve));
  const end = () => {
    span.end();
    markEnded();
  };
  invocationSpans.set(tracker.ctx, span);
  if (options.flush !== false) ctx.waitUntil(flushAfter(tracer, ended, tracker, options));
  return { span, tracker, end };
}

/** Waits for the root span and the user's `waitUntil` work, then flushes. Never rejects. */
async function flushAfter(
  tracer: Tracer,
  ended: Promise<void>,
  tracker: WaitUntilTracker,
  options: InvocationOptions,
): Promise<void> {
  try {
    await ended;
    await tracker.settled();
    const result = await tracer.forceFlush();
    options.onFlush?.(result);
  } catch (error) {
    report("error", "worker_flush_failed", "Cannot flush at the end of the invocation", error);
  }
}

/** Runs the user's handler with the root span active. */
function runActive<R>(tracer: Tracer, span: Span, fn: () => R): R {
  return getContextManager().with(tracer.contextWith(span, Context.ROOT), fn);
}

/** Awaits a handler result; on a throw or rejection records it and ends the span. */
async function settle(invocation: Invocation, run: () => unknown): Promise<unknown> {
  try {
    return await run();
  } catch (error) {
    invocation.span.recordException(error);
    invocation.end();
    throw error;
  }
}

/**
 * Wraps an exported Workers handler object. Handlers other than `fetch`, `scheduled` and `queue`
 * and every other property are passed through unchanged.
 *
 * @param handler The handler object (`export default { fetch, scheduled, queue }`).
 * @param tracerFor Gives the tracer for an invocation's `env` (undefined: run untraced).
 * @param options Invocation options.
 * @returns A handler object of the same shape.
 */
export function instrumentHandler<T extends object>(
  handler: T,
  tracerFor: TracerFor,
  options: InvocationOptions,
): T {
  const h = handler as T & Handlers;
  const wrapped: Handlers = {};
  if (typeof h.fetch === "function") {
    wrapped.fetch = (request, env, ctx) => {
      const tracer = tracerFor(env);
      if (tracer === undefined) return h.fetch!(request, env, ctx);
      const parent = options.trustTraceparent === false ? null : extractTraceContext({
        traceparent: request.headers.get("traceparent") ?? undefined,
        tracestate: request.headers.get("tracestate") ?? undefined,
      }).context ?? null;
      const attributes: Attributes = {
        ...requestAttributes(request, options.recordQuery === true),
        "faas.trigger": "http",
      };
      const name = String(attributes["http.request.method"]);
      const invocation = start(tracer, ctx, options, name, "SERVER", attributes, parent);
      invocationSpans.set(request, invocation.span);
      return settle(
        invocation,
        () =>
          runActive(tracer, invocation.span, () => h.fetch!(request, env, invocation.tracker.ctx)),
      )
        .then((response) => {
          if (!(response instanceof Response)) {
            invocation.end();
            return response;
          }
          invocation.span.setAttribute("http.response.status_code", response.status);
          if (response.status >= 500) invocation.span.setStatus({ code: "ERROR" });
          if (options.waitForBody === false) {
            invocation.end();
            return response;
          }
          return observeResponse(response, (outcome) => {
            invocation.span.setAttribute("http.response.body.size", outcome.bytes);
            if (outcome.state === "error") invocation.span.recordException(outcome.error);
            if (outcome.state === "cancelled") invocation.span.addEvent("http.response.cancelled");
            invocation.end();
          });
        });
    };
  }
  if (typeof h.scheduled === "function") {
    wrapped.scheduled = (controller, env, ctx) => {
      const tracer = tracerFor(env);
      if (tracer === undefined) return h.scheduled!(controller, env, ctx);
      const attributes = scheduledAttributes(controller);
      const name = `scheduled ${controller?.cron ?? ""}`.trim();
      const invocation = start(tracer, ctx, options, name, "INTERNAL", attributes, null);
      if (typeof controller === "object" && controller !== null) {
        invocationSpans.set(controller, invocation.span);
      }
      return settle(
        invocation,
        () =>
          runActive(
            tracer,
            invocation.span,
            () => h.scheduled!(controller, env, invocation.tracker.ctx),
          ),
      )
        .then((value) => {
          invocation.end();
          return value;
        });
    };
  }
  if (typeof h.queue === "function") {
    wrapped.queue = (batch, env, ctx) => {
      const tracer = tracerFor(env);
      if (tracer === undefined) return h.queue!(batch, env, ctx);
      const name = `${batch?.queue ?? "queue"} process`;
      const invocation = start(
        tracer,
        ctx,
        options,
        name,
        "CONSUMER",
        queueAttributes(batch),
        null,
      );
      if (typeof batch === "object" && batch !== null) invocationSpans.set(batch, invocation.span);
      return settle(
        invocation,
        () =>
          runActive(tracer, invocation.span, () => h.queue!(batch, env, invocation.tracker.ctx)),
      )
        .then((value) => {
          invocation.end();
          return value;
        });
    };
  }
  // A copy with the same prototype and property descriptors, the three handlers replaced.
  const copy = Object.create(
    Object.getPrototypeOf(handler),
    Object.getOwnPropertyDescriptors(handler),
  );
  return Object.assign(copy, wrapped) as T;
}
