/**
 * `instrument()` for Workers handlers: wraps an exported handler object, or a `WorkerEntrypoint`
 * class through a subclass (`_worker_entrypoint.ts`), so that each `fetch`, `scheduled` and
 * `queue` invocation runs traced by the same code. Its `fetch` root span ends when the response
 * body has been delivered (not at the headers) or as cancelled at the client's disconnect; a
 * `scheduled` or `queue` one when the method's promise settles. Each invocation's lifecycle, its
 * root span and its flush are in `_worker_invocation.ts`.
 *
 * @module
 */
import { cutText } from "../cut_text.ts";
import { report } from "../diagnostics.ts";
import { printable } from "../printable.ts";
import { findUnknownOptions, type OptionShape } from "../unknown_options.ts";
import { TracerError } from "../errors.ts";
import { checkRules, isBoolean, isFunction, isObject } from "../option_rules.ts";
import type { Attributes } from "../types.ts";
import { runTraced, serverSpanStart, serveTraced } from "../http/_server_span.ts";
import {
  cloudflareRequestAttributes,
  type MessageBatchLike,
  queueAttributes,
  scheduledAttributes,
  type ScheduledControllerLike,
} from "./_worker_http.ts";
import type { ExecutionContextLike } from "./_worker_wait.ts";
import {
  type Invocation,
  type InvocationOptions,
  onDisconnect,
  startInvocation,
  type TracerFor,
  WORKER_RESPONSE_POLICY,
} from "./_worker_invocation.ts";
import { definesMethod, instrumentEntrypoint } from "./_worker_entrypoint.ts";

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
      const invocation = startInvocation(tracerFor, env, ctx, options, () => {
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
        WORKER_RESPONSE_POLICY,
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
      const invocation = startInvocation(tracerFor, env, ctx, options, () => ({
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
      const invocation = startInvocation(tracerFor, env, ctx, options, () => ({
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
