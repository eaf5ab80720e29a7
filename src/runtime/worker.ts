/**
 * The Cloudflare Workers preset (workerd). It imports nothing from `node:*` and needs no
 * compatibility flag:
 *
 * - **No timers.** Workers cancel timers outside a request, so batching is timer-free and
 *   `instrument()` flushes at the end of every invocation through `ctx.waitUntil`, after the
 *   response body has been delivered and after the promises your handler passed to
 *   `ctx.waitUntil` have settled. The flush never rejects.
 * - **Context.** Pass `asyncLocalStorage` (with `nodejs_compat`:
 *   `import { AsyncLocalStorage } from "node:async_hooks"`) and the active span follows every
 *   `await`. Without it a synchronous stack is used: the root span is active for the synchronous
 *   part of the handler, and after an `await` you pass parents explicitly with
 *   `{ parent: invocationSpan(ctx) }`. Concurrent requests never share a context either way.
 * - **Storage.** In memory by default; pass bindings with `storage: cloudflareStorage({ r2, kv,
 *   durableObject })`.
 * - **Clock.** Inside workerd, `Date.now()` and `performance.now()` only advance across I/O
 *   (a Spectre mitigation): a span around pure CPU work lasts 0 ms, and spans started between the
 *   same two I/O events share a timestamp. Durations are never negative. Miniflare (local
 *   development) does not freeze the clock, so local durations can look longer than deployed
 *   ones.
 * - **Environment.** `OTEL_*` and `TRACELET_*` variables are read from the Worker's `env`
 *   bindings (vars and secrets) when `instrument()` configures tracing. An OTLP endpoint on this
 *   machine (`localhost`: the default without an endpoint binding), which a deployed Worker
 *   cannot reach, is reported once at its first export (`worker_otlp_localhost`).
 *
 * @example
 * ```ts
 * import { instrument, invocationSpan } from "@tracelet/tracelet/worker";
 * import { getTracer } from "@tracelet/tracelet";
 *
 * // In your Worker: `export default worker;`
 * const worker = instrument({
 *   async fetch(request: Request, _env: unknown, ctx: { waitUntil(p: Promise<unknown>): void }) {
 *     const span = getTracer().startSpan("lookup", { parent: invocationSpan(ctx) });
 *     await fetch("https://example.com");
 *     span.end();
 *     return new Response(`hello ${new URL(request.url).pathname}`);
 *   },
 * }, { configure: (env) => ({ serviceName: "hello-worker", env: (name) => (env as Record<string, string>)[name] }) });
 * ```
 *
 * @module
 */
import { AsyncLocalStorageContextManager } from "../context/als_manager.ts";
import type { AsyncLocalStorageClass } from "../context/als_manager.ts";
import { SyncContextManager } from "../context/sync_manager.ts";
import { defaultContextManager } from "../context/default_manager.ts";
import { configureWith, registerDefaultParts } from "../configure.ts";
import { checkConfigureOptions } from "../configure_checks.ts";
import { TracerError } from "../errors.ts";
import { safeString } from "../safe_string.ts";
import type { Configured, ConfigureOptions, RuntimeParts } from "../configure.ts";
import { peekExplicitConfig } from "../config_state.ts";
import { report, reportOnce } from "../diagnostics.ts";
import type { Tracer } from "../tracer.ts";
import { WRAP_OTLP_FETCH } from "../pipeline.ts";
import { checkInvocationOptions, instrumentHandler } from "./_worker_instrument.ts";
import { warnLocalEndpoint } from "./_worker_endpoint.ts";
import type { InvocationOptions } from "./_worker_invocation.ts";
import { workerMemoryStorage } from "./_worker_storage.ts";

/** Options of the Workers preset's `configure()`: the common options plus the context class. */
export interface WorkerConfigureOptions extends ConfigureOptions {
  /**
   * The `AsyncLocalStorage` class (needs `nodejs_compat` or `nodejs_als`). Default:
   * `globalThis.AsyncLocalStorage` when present, else `node:async_hooks`' own where
   * `process.getBuiltinModule` gives it (`nodejs_compat`), else a synchronous context stack.
   */
  asyncLocalStorage?: AsyncLocalStorageClass | undefined;
}

/**
 * Options of {@linkcode instrument}.
 *
 * @typeParam Env The Worker's `env` type, as your `configure` callback declares it.
 */
export interface InstrumentOptions<Env = unknown> extends InvocationOptions {
  /**
   * How to configure tracing on the first invocation, given the Worker's `env`. Without it, an
   * existing `configure()` is used, or defaults with `env` as the environment.
   */
  readonly configure?: WorkerConfigureOptions | ((env: Env) => WorkerConfigureOptions) | undefined;
}

function asyncLocalStorageClass(
  option: AsyncLocalStorageClass | undefined,
): AsyncLocalStorageClass | undefined {
  if (option !== undefined) return option;
  const global = (globalThis as { AsyncLocalStorage?: unknown }).AsyncLocalStorage;
  return typeof global === "function" ? global as AsyncLocalStorageClass : undefined;
}

/**
 * The Workers runtime parts for {@linkcode configureWith}.
 *
 * @param asyncLocalStorage The `AsyncLocalStorage` class, if any.
 * @returns The parts: memory storage, no timers, no file system, CompressionStream gzip.
 */
export function workerParts(asyncLocalStorage?: AsyncLocalStorageClass): RuntimeParts {
  return {
    runtime: "workerd",
    contextManager() {
      const als = asyncLocalStorageClass(asyncLocalStorage);
      if (als !== undefined) return new AsyncLocalStorageContextManager(als);
      // `nodejs_compat` without `nodejs_als`: `node:async_hooks`' own, from getBuiltinModule.
      const manager = defaultContextManager();
      if (!(manager instanceof SyncContextManager)) return manager;
      reportOnce(
        "worker_sync_context",
        "info",
        "sync_context",
        "No AsyncLocalStorage: the active span does not survive `await`; pass { parent: invocationSpan(ctx) }",
      );
      return manager;
    },
    storage: () => workerMemoryStorage(), // 4 MiB each for lines, blobs and the outbox
    env: () => undefined,
    timers: false,
  };
}

registerDefaultParts(workerParts());

/**
 * Configures tracing for Cloudflare Workers (no timers, AsyncLocalStorage when given). An OTLP
 * endpoint on this machine (`localhost`, `127.0.0.1`: the default without an endpoint option or
 * binding) is reported once, at its first export (`worker_otlp_localhost`, a warning).
 *
 * @param options The common `configure()` options, plus `asyncLocalStorage`.
 * @returns The configured pipeline (tracer, storage, flush, shutdown).
 * @throws {TracerError} `INVALID_CONFIG` for malformed options (see `configureWith`), or an
 *   `asyncLocalStorage` that is not a class.
 * @example
 * ```ts
 * import { cloudflareStorage, configure } from "@tracelet/tracelet/worker";
 * const tracing = configure({ serviceName: "api", storage: cloudflareStorage() });
 * tracing.tracer.startSpan("boot").end();
 * await tracing.forceFlush();
 * ```
 */
export function configure(options: WorkerConfigureOptions = {}): Configured {
  checkConfigureOptions(options);
  const { asyncLocalStorage, ...common } = options;
  if (asyncLocalStorage !== undefined && typeof asyncLocalStorage !== "function") {
    throw new TracerError(
      "INVALID_CONFIG",
      "Cannot configure tracing: `asyncLocalStorage` must be the AsyncLocalStorage class",
    );
  }
  // Every OTLP exporter's first request is checked for a local endpoint (the default one when no
  // endpoint binding is set), which a deployed Worker cannot reach: `worker_otlp_localhost`.
  const wrapped = { ...common, [WRAP_OTLP_FETCH]: warnLocalEndpoint() };
  return configureWith(workerParts(asyncLocalStorage), wrapped);
}

/**
 * Reads string bindings of a Worker `env` as environment variables.
 *
 * @param env The Worker's `env`.
 * @returns A reader for `configure({ env })`.
 */
export function envReader(env: unknown): (name: string) => string | undefined {
  return (name) => {
    const value = typeof env === "object" && env !== null
      ? (env as Record<string, unknown>)[name]
      : undefined;
    return typeof value === "string" ? value : undefined;
  };
}

/**
 * Instruments a Workers handler object or `WorkerEntrypoint` class: a root span per `fetch`,
 * `scheduled` and `queue` invocation (HTTP semantic-convention attributes, `traceparent`
 * continued), ended when the response body has been delivered, and a flush through
 * `ctx.waitUntil` once the handler's own `waitUntil` promises have settled. Tracing problems never
 * reach your handler.
 *
 * A class (`export default instrument(class extends WorkerEntrypoint { … })`) gives a subclass
 * whose `fetch(request)`, `scheduled(controller)` and `queue(batch)` (those your class has) are
 * traced with `this.env` as env; inside them `this.ctx` is the tracked execution context, so
 * `this.ctx.waitUntil(…)` work is flushed with the invocation and `invocationSpan(this.ctx)` is its
 * root span. RPC methods and static members are inherited unchanged.
 *
 * @typeParam T The handler's type (returned unchanged).
 * @typeParam Env The Worker's `env` type, inferred from your `configure` callback.
 * @param handler Your `export default` object, or your `WorkerEntrypoint` class.
 * @param options How to configure on first use, and per-invocation options.
 * @returns For an object, a handler object of the same shape: a view of `handler` whose `fetch`,
 *   `scheduled` and `queue` are traced, while every other property read or write reaches
 *   `handler` itself (all methods share one state). For a class, `class extends handler` with
 *   those methods traced.
 * @throws {TracerError} `INVALID_CONFIG` when `handler` is neither an object nor a class with a
 *   `fetch`, `scheduled` or `queue` method, or an option has the wrong type (checked here, at
 *   module load, not on the first request). An object with none of `fetch`, `scheduled` and
 *   `queue` as a function is not an error (it may handle only `email` or `tail` events), but
 *   nothing of it is traced: a `worker_nothing_traced` warning says so.
 * @example
 * ```ts
 * import { instrument } from "@tracelet/tracelet/worker";
 * const worker = instrument({
 *   fetch: () => new Response("ok"),
 * }, { configure: { serviceName: "ok-worker" } });
 * console.log(typeof worker.fetch); // "function"
 * ```
 */
export function instrument<T extends object, Env = unknown>(
  handler: T,
  options: InstrumentOptions<Env> = {},
): T {
  checkInvocationOptions(handler, options);
  const chooser: unknown = options.configure;
  const isObject = typeof chooser === "object" && chooser !== null;
  if (chooser !== undefined && typeof chooser !== "function" && !isObject) {
    throw new TracerError(
      "INVALID_CONFIG",
      "Cannot instrument the handler: `configure` must be options or a function of env",
    );
  }
  let configured: Configured | undefined;
  let failed = false;
  const tracerFor = (env: unknown): Tracer | undefined => {
    if (failed) return undefined;
    try {
      if (options.configure === undefined) {
        // Not the defaults built without `env` (a span at the module's top builds them).
        return (peekExplicitConfig() ?? (configured ??= configure({ env: envReader(env) }))).tracer;
      }
      if (configured === undefined) {
        const chosen = typeof options.configure === "function"
          ? options.configure(env as Env)
          : options.configure;
        configured = configure({ ...chosen, env: chosen.env ?? envReader(env) });
      }
      return configured.tracer;
    } catch (error) {
      failed = true;
      report(
        "error",
        "worker_configure_failed",
        // The reason in the message too: the default console hook prints no cause. A
        // TracerError names the option, never its value; another error is your callback's.
        `${
          error instanceof TracerError
            ? error.message
            : `Cannot configure tracing (${safeString(error)})`
        }; the handler runs untraced`,
        error,
      );
      return undefined;
    }
  };
  return instrumentHandler(handler, tracerFor, options);
}

export { invocationSpan } from "./_worker_invocation.ts";
export type { InvocationOptions } from "./_worker_invocation.ts";
export type { ExecutionContextLike } from "./_worker_wait.ts";
export type { MessageBatchLike, ScheduledControllerLike } from "./_worker_http.ts";
export { cloudflareStorage } from "./_worker_storage.ts";
export type { CloudflareStorageOptions } from "./_worker_storage.ts";
export type {
  R2BucketLike,
  R2ObjectBodyLike,
  R2ObjectLike,
  R2ObjectsLike,
} from "../storage/cloudflare_r2.ts";
export type { KVListKeyLike, KVListResultLike, KVNamespaceLike } from "../storage/cloudflare_kv.ts";
export type {
  DurableObjectNamespaceLike,
  DurableObjectStubLike,
} from "../storage/durable_object.ts";
export * from "../../mod.ts";
export type { Configured, ConfigureOptions } from "../configure.ts";
