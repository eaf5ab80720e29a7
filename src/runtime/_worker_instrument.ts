/**
 * `instrument()` for Workers handlers: one root span per `fetch`, `scheduled` and `queue`
 * invocation, ended when the response body has been delivered (not at the headers) or as
 * cancelled when workerd reports the client's disconnect on `request.signal`, and one flush per
 * invocation run through `ctx.waitUntil` after the handler and the user's own `waitUntil`
 * promises have settled (then `tracedFetch()` spans of the invocation whose bodies nobody read
 * end, as unread); it also waits for the events layer's event-log lines still being written. No timers, but for that bounded wait (only while event-log lines are being written).
 * The flush never rejects; its report goes to `onFlush`, and the spans it counts as dropped are
 * reported each invocation (`worker_spans_dropped`). A class-based entrypoint (`export default
 * class extends WorkerEntrypoint`) is traced by the same code, through a subclass
 * (`_worker_entrypoint.ts`).
 *
 * @module
 */
import { cutText } from "../cut_text.ts";
import { report } from "../diagnostics.ts";
import { printable } from "../printable.ts";
import { findUnknownOptions, type OptionShape } from "../unknown_options.ts";
import { awaitWrites } from "../pending_writes.ts";
import { TracerError } from "../errors.ts";
import { checkRules, isBoolean, isFunction, isObject } from "../option_rules.ts";
import type { Span } from "../span.ts";
import type { StartSpanOptions, Tracer } from "../tracer.ts";
import type { Attributes, FlushReport, SpanKind } from "../types.ts";
import { runTraced, serverSpanStart, serveTraced, type Traced } from "../http/_server_span.ts";
import { endOnce, type ResponsePolicy } from "../http/_span_response.ts";
import { openSweep } from "../http/_unread_bodies.ts";
import {
  cloudflareRequestAttributes,
  type MessageBatchLike,
  queueAttributes,
  scheduledAttributes,
  type ScheduledControllerLike,
} from "./_worker_http.ts";
import { type ExecutionContextLike, WaitUntilTracker } from "./_worker_wait.ts";
import { reportFlushDrops } from "./_worker_flush_drops.ts";
import { definesMethod, instrumentEntrypoint } from "./_worker_entrypoint.ts";

/** Per-invocation options of `instrument()`. */
export interface InvocationOptions {
  /** Continue the caller's trace from `traceparent` / `tracestate`. Default true. */
  readonly trustTraceparent?: boolean | undefined;
  /**
   * Record `url.query` (it may carry secrets; the values of signature parameters such as `sig`
   * are `REDACTED` even then). Default false.
   */
  readonly recordQuery?: boolean | undefined;
  /**
   * End the fetch root span when the response body has been delivered. Default true. The body is
   * then re-wrapped: on workerd only a `fetch()` response passed on as it came, with a
   * `Content-Length` and no `Content-Encoding`, keeps its length; every other response is sent
   * chunked, whole (a `Content-Length` the handler set or copied is not its length: workerd sends
   * such a body whole untraced too). Each chunk then passes through JavaScript, which costs CPU
   * time on bodies of megabytes. `false` ends the span at the headers and returns the handler's
   * response untouched, as HEAD and unsampled requests always get it.
   */
  readonly waitForBody?: boolean | undefined;
  /** Flush through `ctx.waitUntil` at the end of every invocation. Default true. */
  readonly flush?: boolean | undefined;
  /** Receives each invocation's flush report. Must not throw. */
  readonly onFlush?: ((report: FlushReport) => void) | undefined;
}

/** The handler methods `instrument()` traces. */
export type MethodName = "fetch" | "scheduled" | "queue";

const METHODS: readonly MethodName[] = ["fetch", "scheduled", "queue"];

/**
 * Checks what `instrument()` is given, so a mistake fails at module load, not per request.
 *
 * @param handler The handler object, or a `WorkerEntrypoint` class.
 * @param options The invocation options.
 * @throws {TracerError} `INVALID_CONFIG` when the handler is neither an object nor a class whose
 *   prototype has a `fetch`, `scheduled` or `queue` method, a flag is not a boolean or `onFlush` is
 *   not a function.
 */
export function checkInvocationOptions(handler: unknown, options: InvocationOptions): void {
  const context = "Cannot instrument the handler";
  const entrypoint = typeof handler === "function" &&
    METHODS.some((name) => definesMethod(handler, name));
  if (!entrypoint && (typeof handler !== "object" || handler === null)) {
    throw new TracerError(
      "INVALID_CONFIG",
      `${context}: it must be an object or a WorkerEntrypoint class with a \`fetch\`, \`scheduled\` or \`queue\` method`,
    );
  }
  checkRules({ options }, [[["options"], isObject, "an object"]], context);
  checkRules(options, [
    [["trustTraceparent", "recordQuery", "waitForBody", "flush"], isBoolean, "a boolean"],
    [["onFlush"], isFunction, "a function"],
  ], context);
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

/** A handler method of an object handler, as workerd calls it: `(event, env, ctx)`. */
type Method = (event: unknown, env: unknown, ctx: ExecutionContextLike) => unknown;

/**
 * Calls the user's method for one invocation, handing it `ctx`: the tracked view of the
 * invocation's execution context when the invocation is traced, the context itself when not.
 */
export type Invoke = (ctx: ExecutionContextLike) => unknown;

/**
 * Runs one invocation of a handler method traced: `event` is its request, scheduled controller
 * or message batch, `env` and `ctx` the invocation's, and `invoke` calls the user's method.
 * Tracing problems are reported, never thrown; what the user's method throws or returns is
 * passed on.
 */
export type MethodTracer = (
  event: unknown,
  env: unknown,
  ctx: ExecutionContextLike,
  invoke: Invoke,
) => unknown;

/** One {@linkcode MethodTracer} for each method `instrument()` traces. */
export type MethodTracers = Readonly<Record<MethodName, MethodTracer>>;

/** A running invocation; its `end` ends the root span (once) and lets the flush proceed. */
interface Invocation extends Traced {
  readonly tracker: WaitUntilTracker;
  /** Ends the root span as cancelled (the client went away), unless it has ended already. */
  readonly cancel: () => void;
  /**
   * Lets the flush proceed without waiting for the response body, whose end may never be seen
   * (the client went away); a root span still open then is ended as cancelled.
   */
  readonly abort: () => void;
}

/**
 * A fetch invocation fails at a 5xx; its body size is recorded. workerd answers 500 to a handler
 * that gives no `Response`.
 */
const POLICY: ResponsePolicy = {
  errorFrom: 500,
  bodySize: true,
  unobserved: "worker_body_unobserved",
  sent: true,
  notResponseStatus: 500,
};

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
    let abort!: () => void;
    let open = true;
    const ended = new Promise<void>((resolve) => (markEnded = resolve));
    const aborted = new Promise<void>((resolve) => (abort = resolve));
    const end = endOnce(span, () => {
      open = false;
      markEnded();
    });
    const cancel = () => {
      if (!open) return;
      span.addEvent("http.response.cancelled");
      end();
    };
    for (const object of [key, tracker.ctx]) {
      if (typeof object === "object" && object !== null) invocationSpans.set(object, span);
    }
    const sweep = openSweep(span.spanContext().traceId);
    const finished = finishAfter(
      tracer,
      Promise.race([ended, aborted]),
      tracker,
      () => {
        cancel();
        sweep();
      },
      options,
    );
    // Without an execution context (a handler called directly, as in unit tests) the flush
    // still runs, only nothing extends the invocation for it.
    if (options.flush !== false && typeof ctx?.waitUntil === "function") ctx.waitUntil(finished);
    return { tracer, span, tracker, end, cancel, abort };
  } catch (error) {
    report("error", "worker_trace_failed", "Cannot trace an invocation; it runs untraced", error);
    return undefined;
  }
}

/**
 * Waits for the root span (or the client's disconnect), the handler and the user's `waitUntil`
 * work, then ends what is still open (`close`: the root span as cancelled, `tracedFetch()` spans
 * whose bodies nobody read as unread) and, unless `flush` is false, flushes and waits for the
 * event-log lines still being written (at most 30 s; see `awaitWrites`). It reports the spans the
 * flush report counts as dropped (`worker_spans_dropped`). Never rejects.
 */
async function finishAfter(
  tracer: Tracer,
  ended: Promise<void>,
  tracker: WaitUntilTracker,
  close: () => void,
  options: InvocationOptions,
): Promise<void> {
  try {
    await ended;
    await tracker.settled();
    close();
    if (options.flush === false) return;
    // The events layer's JSONL event logs append to storage on their own: wait for them too.
    const [result] = await Promise.all([tracer.forceFlush(), awaitWrites()]);
    // Every drop, each invocation: the processors tell theirs at most once a minute.
    reportFlushDrops(result);
    options.onFlush?.(result);
  } catch (error) {
    report("error", "worker_flush_failed", "Cannot flush at the end of the invocation", error);
  }
}

/**
 * Runs `disconnected` when workerd aborts `request.signal` because the client went away (only
 * with the `enable_request_signal` compatibility flag; without it the signal never fires). After
 * a disconnect workerd may never read nor cancel the body of the response, so the body alone
 * cannot end the span. The listener goes with the request.
 */
function onDisconnect(request: Request, disconnected: () => void): void {
  try {
    const signal = request.signal;
    if (signal?.aborted) disconnected();
    else signal?.addEventListener?.("abort", disconnected, { once: true });
  } catch {
    // A request without a usable signal: the body's end (or cancel) ends the span.
  }
}

/** What `instrument()` traces, as an option shape (to suggest the name a misspelled key meant). */
const TRACED: OptionShape = { keys: { fetch: true, scheduled: true, queue: true } };

/**
 * Reports (`worker_nothing_traced`, a warning) a handler with no `fetch`, `scheduled` or `queue`
 * function: `instrument()` then traces none of its invocations. Not an error: a handler of other
 * events only (`email`, `tail`, …) still runs, untraced. A key close to one of the three
 * (`fetchh`) is named with the one probably meant. Never throws.
 */
function reportNothingTraced(handler: object): void {
  const typo = findUnknownOptions(handler, TRACED).find((found) => found.suggestion);
  report(
    "warn",
    "worker_nothing_traced",
    `instrument(): the handler has no \`fetch\`, \`scheduled\` or \`queue\` function, so no invocation is traced${
      typo
        ? `; did you mean \`${typo.suggestion}\` for \`${printable(cutText(typo.path, 100))}\`?`
        : ""
    }`,
  );
}

/**
 * The invocation logic of `instrument()`, one tracer per traced method, shared by object handlers
 * and `WorkerEntrypoint` classes: each starts the root span, runs the user's method through
 * `invoke` with the tracked execution context, ends the span (a fetch one when the body has been
 * delivered) and schedules the flush.
 *
 * @param tracerFor Gives the tracer for an invocation's `env` (undefined: run untraced).
 * @param options Invocation options.
 * @returns The tracers of `fetch`, `scheduled` and `queue`.
 */
function methodTracers(tracerFor: TracerFor, options: InvocationOptions): MethodTracers {
  /** A scheduled or queue invocation, whose root span ends when the method's promise settles. */
  const untilSettled = (
    invocation: Invocation | undefined,
    ctx: ExecutionContextLike,
    invoke: Invoke,
  ): unknown =>
    invocation === undefined
      ? invoke(ctx)
      : runTraced(invocation, () => invoke(invocation.tracker.ctx)).then((value) => {
        invocation.end();
        return value;
      });
  return {
    fetch: (event, env, ctx, invoke) => {
      const request = event as Request;
      let head = false;
      const invocation = start(tracerFor, env, ctx, options, () => {
        const root = serverSpanStart(request, options);
        head = root.head;
        const attributes: Attributes = {
          ...root.attributes,
          ...cloudflareRequestAttributes(request),
          "faas.trigger": "http",
        };
        return { name: root.name, kind: "SERVER", attributes, parent: root.parent, key: request };
      });
      if (invocation === undefined) return invoke(ctx);
      // A disconnect before the handler returns: workerd throws its response away unread, so
      // the span ends now. After it returns, the body's cancel ends it (with the bytes sent), or
      // the flush does.
      let returned = false;
      onDisconnect(request, () => {
        if (!returned) invocation.cancel();
        invocation.abort();
      });
      const served = serveTraced(
        invocation,
        head,
        options,
        POLICY,
        () => invoke(invocation.tracker.ctx),
      ).finally(() => (returned = true));
      // The flush waits for the handler too: after a disconnect it keeps running (the flush's
      // waitUntil keeps the invocation alive) and the spans it still ends belong in this flush.
      // One that never settles leaves its cancelled root span queued for a later flush.
      invocation.tracker.waitFor(served);
      return served;
    },
    scheduled: (event, env, ctx, invoke) => {
      const controller = event as ScheduledControllerLike;
      const invocation = start(tracerFor, env, ctx, options, () => ({
        name: `scheduled ${controller?.cron ?? ""}`.trim(),
        kind: "INTERNAL",
        attributes: scheduledAttributes(controller),
        parent: null,
        key: controller,
      }));
      return untilSettled(invocation, ctx, invoke);
    },
    queue: (event, env, ctx, invoke) => {
      const batch = event as MessageBatchLike;
      const invocation = start(tracerFor, env, ctx, options, () => ({
        // Messaging semantic conventions: `{operation} {destination}`.
        name: typeof batch?.queue === "string" ? `process ${batch.queue}` : "process",
        kind: "CONSUMER",
        attributes: queueAttributes(batch),
        parent: null,
        key: batch,
      }));
      return untilSettled(invocation, ctx, invoke);
    },
  };
}

/**
 * Wraps an exported Workers handler: an object, or a `WorkerEntrypoint` class (see
 * `instrumentEntrypoint`). Of an object, handlers other than `fetch`, `scheduled` and `queue`
 * and every other property are passed through unchanged: the result is a view of the handler
 * (reads and writes reach the handler), not a copy.
 *
 * @param handler The handler object (`export default { fetch, scheduled, queue }`) or class.
 * @param tracerFor Gives the tracer for an invocation's `env` (undefined: run untraced).
 * @param options Invocation options.
 * @returns A handler object of the same shape, or a subclass of the class.
 */
export function instrumentHandler<T extends object>(
  handler: T,
  tracerFor: TracerFor,
  options: InvocationOptions,
): T {
  const tracers = methodTracers(tracerFor, options);
  if (typeof handler === "function") return instrumentEntrypoint(handler, tracers);
  const h = handler as T & Partial<Record<MethodName, Method>>;
  const wrapped: Partial<Record<MethodName, Method>> = {};
  for (const name of METHODS) {
    if (typeof h[name] === "function") {
      wrapped[name] = (event, env, ctx) =>
        tracers[name](event, env, ctx, (seen) => h[name]!(event, env, seen));
    }
  }
  if (Object.keys(wrapped).length === 0) reportNothingTraced(handler);
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
      Object.hasOwn(wrapped, key) ? wrapped[key as MethodName] : Reflect.get(target, key, receiver),
  });
}
