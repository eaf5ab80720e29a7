/**
 * One Workers invocation traced by `instrument()`, from start to flush: its root span (with the
 * cold-start and Cloudflare attributes), found by `invocationSpan()` from the invocation's own
 * objects, is ended once: by whoever ends it (for `fetch`, once the response body has been
 * delivered, with {@linkcode WORKER_RESPONSE_POLICY}) or as cancelled when workerd reports the
 * client's disconnect on `request.signal`. One flush per invocation then runs through
 * `ctx.waitUntil` after the handler and the user's own `waitUntil` promises have settled (then
 * `tracedFetch()` spans of the invocation whose bodies nobody read end, as unread); it also waits
 * for the events layer's event-log lines still being written. No timers, but for that bounded
 * wait (only while event-log lines are being written). The flush never rejects; its report goes
 * to `onFlush`, and the spans it counts as dropped are reported each invocation
 * (`worker_spans_dropped`).
 *
 * @module
 */
import { report } from "../diagnostics.ts";
import { awaitWrites } from "../pending_writes.ts";
import type { Span } from "../span.ts";
import type { StartSpanOptions, Tracer } from "../tracer.ts";
import type { Attributes, FlushReport, SpanKind } from "../types.ts";
import type { Traced } from "../http/_server_span.ts";
import { endOnce, type ResponsePolicy } from "../http/_span_response.ts";
import { openSweep } from "../http/_unread_bodies.ts";
import { type ExecutionContextLike, WaitUntilTracker } from "./_worker_wait.ts";
import { reportFlushDrops } from "./_worker_flush_drops.ts";

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

/** A running invocation; its `end` ends the root span (once) and lets the flush proceed. */
export interface Invocation extends Traced {
  /** The invocation's execution context, tracking the user's `waitUntil` promises. */
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
 * How a fetch invocation's root span ends with its response: it fails at a 5xx; its body size is
 * recorded. workerd answers 500 to a handler that gives no `Response`.
 */
export const WORKER_RESPONSE_POLICY: ResponsePolicy = {
  errorFrom: 500,
  bodySize: true,
  unobserved: "worker_body_unobserved",
  sent: true,
  notResponseStatus: 500,
};

/** An invocation's root span: its name, kind, attributes and parent. */
export interface InvocationRoot {
  /** The span's name. */
  readonly name: string;
  /** The span's kind. */
  readonly kind: SpanKind;
  /** The span's attributes; the cold-start and Cloudflare ones are added to this object. */
  readonly attributes: Attributes;
  /** The span's parent (`null`: a new trace). */
  readonly parent: StartSpanOptions["parent"];
  /** The invocation's own object (request, controller, batch) for `invocationSpan()`. */
  readonly key: unknown;
}

/**
 * Starts an invocation's root span and schedules its flush, or gives undefined when it runs
 * untraced (no tracer, or tracing it failed: that is reported, never thrown at the handler).
 *
 * @param tracerFor Gives the tracer for the invocation's `env` (undefined: run untraced).
 * @param env The invocation's `env`.
 * @param ctx The invocation's execution context (`waitUntil` extends the invocation for the flush).
 * @param options Invocation options.
 * @param root Describes the root span; called only when the invocation is traced.
 * @returns The running invocation, or undefined when it runs untraced.
 */
export function startInvocation(
  tracerFor: TracerFor,
  env: unknown,
  ctx: ExecutionContextLike,
  options: InvocationOptions,
  root: () => InvocationRoot,
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
 * cannot end the span. The listener goes with the request. Never throws.
 *
 * @param request The fetch invocation's request.
 * @param disconnected Called once when the client has gone away (at once if it already has).
 */
export function onDisconnect(request: Request, disconnected: () => void): void {
  try {
    const signal = request.signal;
    if (signal?.aborted) disconnected();
    else signal?.addEventListener?.("abort", disconnected, { once: true });
  } catch {
    // A request without a usable signal: the body's end (or cancel) ends the span.
  }
}
