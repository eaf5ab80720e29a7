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
import { TracerError } from "../errors.ts";
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
   * `Content-Length` header and no `Content-Encoding` (a proxied compressed response is sent
   * chunked, still compressed), others are sent chunked. A body that does not match the length it
   * keeps fails and is recorded as an error on the span. `false` ends the span at the headers and
   * returns the handler's response untouched.
   */
  readonly waitForBody?: boolean;
  /** Flush through `ctx.waitUntil` at the end of every invocation. Default true. */
  readonly flush?: boolean;
  /** Receives each invocation's flush report. Must not throw. */
  readonly onFlush?: (report: FlushReport) => void;
}

const FLAGS = ["trustTraceparent", "recordQuery", "waitForBody", "flush"] as const;

/**
 * Checks what `instrument()` is given, so a mistake fails at module load, not per request.
 *
 * @param handler The handler object.
 * @param options The invocation options.
 * @throws {TracerError} `INVALID_CONFIG` when the handler is not an object, a flag is not a
 *   boolean or `onFlush` is not a function.
 */
export function checkInvocationOptions(handler: unknown, options: InvocationOptions): void {
  const fail = (what: string): never => {
    throw new TracerError("INVALID_CONFIG", `Cannot instrument the handler: ${what}`);
  };
  if (typeof handler !== "object" || handler === null) fail("it must be an object");
  if (typeof options !== "object" || options === null) fail("the options must be an object");
  for (const flag of FLAGS) {
    const value: unknown = options[flag];
    if (value !== undefined && typeof value !== "boolean") fail(`\`${flag}\` must be a boolean`);
  }
  if (options.onFlush !== undefined && typeof options.onFlush !== "function") {
    fail("`onFlush` must be a function");
  }
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
  readonly tracer: Tracer;
  readonly span: Span;
  readonly tracker: WaitUntilTracker;
  /** Ends the root span (once) and lets the flush proceed. */
  readonly end: () => void;
}

/** The root span's name, kind, attributes and parent. */
interface Root {
  readonly name: string;
  readonly kind: SpanKind;
  readonly attributes: Attributes;
  readonly parent: StartSpanOptions["parent"];
  /** The invocation's own object (request, controller, batch) for `invocationSpan()`. */
  readonly key: unknown;
}

/**
 * Starts an invocation's root span and schedules its flush, or gives undefined when it runs
 * untraced (no tracer, or tracing it failed: that is reported, never thrown at the handler).
 */
function start(
  tracerFor: TracerFor,
  env: unknown,
  ctx: ExecutionContextLike,
  options: InvocationOptions,
  root: () => Root,
): Invocation | undefined {
  try {
    const tracer = tracerFor(env);
    if (tracer === undefined) return undefined;
    const { name, kind, attributes, parent, key } = root();
    attributes["faas.coldstart"] = invocations++ === 0;
    attributes["cloud.provider"] = "cloudflare";
    attributes["cloud.platform"] = "cloudflare.workers";
    const tracker = new WaitUntilTracker(ctx);
    const span = tracer.startSpan(name, { kind, attributes, parent });
    let markEnded!: () => void;
    const ended = new Promise<void>((resolve) => (markEnded = resolve));
    const end = () => {
      span.end();
      markEnded();
    };
    for (const object of [key, tracker.ctx]) {
      if (typeof object === "object" && object !== null) invocationSpans.set(object, span);
    }
    if (options.flush !== false) {
      const flushed = flushAfter(tracer, ended, tracker, options);
      // Without an execution context (a handler called directly, as in unit tests) the flush
      // still runs, only nothing extends the invocation for it.
      if (typeof ctx?.waitUntil === "function") ctx.waitUntil(flushed);
    }
    return { tracer, span, tracker, end };
  } catch (error) {
    report("error", "worker_trace_failed", "Cannot trace an invocation; it runs untraced", error);
    return undefined;
  }
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
function runActive<R>({ tracer, span }: Invocation, fn: () => R): R {
  return getContextManager().with(tracer.contextWith(span, Context.ROOT), fn);
}

/**
 * `error.type` of a thrown value (semantic conventions): its type's name, e.g. `TypeError`, or
 * `_OTHER` when it has none. Never throws.
 */
function errorType(error: unknown): string {
  try {
    const name = typeof error === "object" && error !== null
      ? (error as { name?: unknown }).name
      : undefined;
    if (typeof name === "string" && name !== "") return name;
  } catch {
    // A hostile error object: no type to read.
  }
  return "_OTHER";
}

/**
 * Records a failure on the span: the exception event, status ERROR and `error.type` (unless the
 * response's status is a 5xx, which is then the `error.type`).
 */
function recordFailure(span: Span, error: unknown, status = 0): void {
  span.recordException(error);
  if (status < 500) span.setAttribute("error.type", errorType(error));
}

/**
 * The response with a body that ends the root span when delivered; the response itself, with the
 * span ended now, when its body cannot be observed (for example a locked stream: workerd then
 * sends the headers and fails the body, so that is recorded as an error).
 */
function observed(invocation: Invocation, response: Response, head: boolean): Response {
  const { span } = invocation;
  try {
    return observeResponse(response, (outcome) => {
      // A HEAD response sends no body, whatever the handler's response holds.
      if (!head) span.setAttribute("http.response.body.size", outcome.bytes);
      if (outcome.state === "error") recordFailure(span, outcome.error, response.status);
      if (outcome.state === "cancelled") span.addEvent("http.response.cancelled");
      invocation.end();
    });
  } catch (error) {
    report("warn", "worker_body_unobserved", "Cannot observe the response body", error);
    recordFailure(span, error, response.status);
    invocation.end();
    return response;
  }
}

/** Records the handler's response on the span and gives what to return to the runtime. */
function responded(
  invocation: Invocation,
  response: Response,
  head: boolean,
  options: InvocationOptions,
): Response {
  const { span } = invocation;
  if (response.bodyUsed) {
    // The runtime cannot send a body that was already read: workerd answers 500 instead.
    span.setAttribute("http.response.status_code", 500);
    recordFailure(
      span,
      new TypeError("Cannot send the response: its body has already been used"),
    );
    invocation.end();
    return response;
  }
  span.setAttribute("http.response.status_code", response.status);
  if (response.status >= 500) {
    span.setStatus({ code: "ERROR" });
    span.setAttribute("error.type", String(response.status));
  }
  if (options.waitForBody === false) {
    invocation.end();
    return response;
  }
  return observed(invocation, response, head);
}

/** Awaits a handler result; on a throw or rejection records it and ends the span. */
async function settle(invocation: Invocation, run: () => unknown): Promise<unknown> {
  try {
    return await run();
  } catch (error) {
    recordFailure(invocation.span, error);
    invocation.end();
    throw error;
  }
}

/**
 * Wraps an exported Workers handler object. Handlers other than `fetch`, `scheduled` and `queue`
 * and every other property are passed through unchanged: the result is a view of the handler
 * (reads and writes reach the handler), not a copy.
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
      let head = false;
      const invocation = start(tracerFor, env, ctx, options, () => {
        const parent = options.trustTraceparent === false ? null : extractTraceContext({
          traceparent: request.headers.get("traceparent") ?? undefined,
          tracestate: request.headers.get("tracestate") ?? undefined,
        }).context ?? null;
        const attributes: Attributes = {
          ...requestAttributes(request, options.recordQuery === true),
          "faas.trigger": "http",
        };
        // Semantic conventions: an unknown method (`_OTHER`) names the span `HTTP`.
        const method = attributes["http.request.method"];
        const name = method === "_OTHER" ? "HTTP" : String(method);
        head = method === "HEAD";
        return { name, kind: "SERVER", attributes, parent, key: request };
      });
      if (invocation === undefined) return h.fetch!(request, env, ctx);
      return settle(
        invocation,
        () => runActive(invocation, () => h.fetch!(request, env, invocation.tracker.ctx)),
      )
        .then((response) => {
          if (response instanceof Response) {
            return responded(invocation, response, head, options);
          }
          invocation.end();
          return response;
        });
    };
  }
  if (typeof h.scheduled === "function") {
    wrapped.scheduled = (controller, env, ctx) => {
      const invocation = start(tracerFor, env, ctx, options, () => ({
        name: `scheduled ${controller?.cron ?? ""}`.trim(),
        kind: "INTERNAL",
        attributes: scheduledAttributes(controller),
        parent: null,
        key: controller,
      }));
      if (invocation === undefined) return h.scheduled!(controller, env, ctx);
      return settle(
        invocation,
        () => runActive(invocation, () => h.scheduled!(controller, env, invocation.tracker.ctx)),
      )
        .then((value) => {
          invocation.end();
          return value;
        });
    };
  }
  if (typeof h.queue === "function") {
    wrapped.queue = (batch, env, ctx) => {
      const invocation = start(tracerFor, env, ctx, options, () => ({
        // Messaging semantic conventions: `{operation} {destination}`.
        name: typeof batch?.queue === "string" ? `process ${batch.queue}` : "process",
        kind: "CONSUMER",
        attributes: queueAttributes(batch),
        parent: null,
        key: batch,
      }));
      if (invocation === undefined) return h.queue!(batch, env, ctx);
      return settle(
        invocation,
        () => runActive(invocation, () => h.queue!(batch, env, invocation.tracker.ctx)),
      )
        .then((value) => {
          invocation.end();
          return value;
        });
    };
  }
  // A view of the handler with the three methods replaced: every other read and every write goes
  // to the handler itself, so all its methods share one state, whichever are wrapped. A proxy may
  // not report another value for a read-only, non-configurable property (a frozen handler); then
  // the view is of an object that inherits from the handler.
  const readOnly = Object.keys(wrapped).some((key) => {
    const descriptor = Object.getOwnPropertyDescriptor(handler, key);
    return descriptor?.configurable === false && descriptor.writable === false;
  });
  return new Proxy(readOnly ? Object.create(handler) : handler, {
    get: (target, key, receiver) =>
      Object.hasOwn(wrapped, key)
        ? wrapped[key as keyof Handlers]
        : Reflect.get(target, key, receiver),
  });
}
