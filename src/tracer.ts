/**
 * The tracer: creates spans, tracks the active span through the context manager, and hands
 * finished spans to its processors.
 *
 * @module
 */
import { spanLimits } from "./attributes.ts";
import type { SpanLimits } from "./attributes.ts";
import type { Context } from "./context/context.ts";
import type { StartSpanOptions, TracerOptions } from "./tracer_options.ts";
import { INHERITED_ATTRIBUTES_KEY, SPAN_KEY } from "./context/keys.ts";
import { getContextManager } from "./context/manager.ts";
import { runInContext } from "./context/run_in_context.ts";
import { isValidSpanId, isValidTraceId, newSpanId } from "./ids.ts";
import { byHook, notify, type ProcessorsByHook, settleAll } from "./processor/fan_out.ts";
import type { SpanProcessor } from "./processor/types.ts";
import { Span } from "./span.ts";
import type { Sampler, SpanPipeline } from "./span_types.ts";
import type { FlushReport, InstrumentationScope, Resource, SpanContext } from "./types.ts";
import { VERSION } from "./version.ts";
import { resolveResource } from "./otlp/resource.ts";
import { isPromiseLike } from "./promise_like.ts";
import { reportOnce } from "./diagnostics.ts";
import { TracerError } from "./errors.ts";
import { isObject } from "./option_rules.ts";
import { safeString } from "./safe_string.ts";

export type { StartSpanOptions, TracerOptions } from "./tracer_options.ts";

/**
 * Creates spans and routes finished spans to processors.
 *
 * @example
 * ```ts
 * import { Tracer } from "@tracelet/tracelet";
 * const tracer = new Tracer({ serviceName: "checkout" });
 * const total = await tracer.withSpan("price", async (span) => {
 *   span.setAttribute("items", 3);
 *   return 42;
 * });
 * await tracer.shutdown();
 * ```
 */
export class Tracer implements SpanPipeline {
  /** Limits applied to every span. */
  readonly limits: SpanLimits;
  /** The resource of every span. */
  readonly resource: Resource;
  /** The instrumentation scope of every span. */
  readonly scope: InstrumentationScope;
  readonly #sampler: Sampler | undefined;
  // Both set by the constructor (through setProcessors).
  #processors!: readonly SpanProcessor[];
  #hooked!: ProcessorsByHook;
  readonly #localRoots = new WeakSet<Span>();
  /** Spans added to `#localRoots` and not yet removed (a never-ended root keeps it above 0). */
  #openRoots = 0;

  /**
   * Creates a tracer.
   * @param options Processors, resource, scope and limits.
   * @throws {TracerError} `INVALID_CONFIG` when `processors` is not an array of processor objects
   *   (`[null]`, a single processor, an exporter not wrapped in a processor), as `configure()`
   *   does, or `sampler` is not a function.
   */
  constructor(options: TracerOptions = {}) {
    this.limits = spanLimits(options.limits);
    this.resource = resolveResource({
      serviceName: options.serviceName,
      attributes: options.resource?.attributes,
    });
    // A given scope's name and version as text: a number or an array would make every batch of
    // this tracer unencodable.
    const { name = "tracelet", version } = options.scope ?? { version: VERSION };
    this.scope = Object.freeze({
      name: safeString(name),
      version: version === undefined ? version : safeString(version),
    });
    this.setProcessors(options.processors ?? []);
    const sampler = options.sampler; // one that throws is reported at the first span, kept
    if (sampler !== undefined && typeof sampler != "function") {
      invalid("`sampler` must be a function: traceIdRatio(0.1), samplerFromEnv(env), …");
    }
    this.#sampler = sampler;
  }

  /** The registered processors. */
  get processors(): readonly SpanProcessor[] {
    return this.#processors;
  }

  /**
   * Appends a processor.
   *
   * @param processor The processor.
   * @throws {TracerError} `INVALID_CONFIG` when `processor` is not an object (nothing is added).
   */
  addProcessor(processor: SpanProcessor): void {
    this.setProcessors([...this.#processors, processor]);
  }

  /**
   * Replaces all processors.
   *
   * @param processors The new processors.
   * @throws {TracerError} `INVALID_CONFIG` when `processors` is not an array of processor objects
   *   or holds an exporter (an `export` method and no hook: it would never be handed a span);
   *   the processors are then left as they were.
   */
  setProcessors(processors: readonly SpanProcessor[]): void {
    // A setup mistake, thrown here (with configure()'s test) rather than at the first span.
    if (!Array.isArray(processors) || !processors.every(isObject)) {
      invalid("`processors` must be an array of processor objects");
    }
    // An exporter (an `export` method and no hook: nothing would ever reach it), not an object
    // that is both (a collector with an `export` of its own).
    const hooked = byHook(processors);
    const hooks = Object.values(hooked).flat();
    if (
      processors.some((p) =>
        typeof (p as { export?: unknown }).export == "function" && !hooks.includes(p)
      )
    ) invalid("`processors` holds an exporter; wrap it in new BatchSpanProcessor(exporter)");
    this.#processors = [...processors];
    this.#hooked = hooked;
  }

  /**
   * Starts a span. It does not become the active span; use {@linkcode Tracer.withSpan} or
   * {@linkcode Tracer.contextWith} for that.
   *
   * @param name The span name.
   * @param options Kind, attributes, parent, type, label, tags, … (options that cannot be read,
   *   such as a throwing getter, are reported and ignored: starting a span never throws).
   * @returns The running span.
   */
  startSpan(name: string, options: StartSpanOptions = {}): Span {
    try {
      return this.#start(name, options);
    } catch (error) {
      reportOnce(
        "start_span",
        "warn",
        "invalid_span_options",
        "Unreadable span options",
        error,
      );
      return this.#start(name, {});
    }
  }

  #start(name: string, options: StartSpanOptions): Span {
    const active = getContextManager().active();
    const { parent: given, traceId, spanId } = options; // null: no parent
    // No parent given (the common case): the span of the active context, read directly.
    const found = given === undefined ? active.get(SPAN_KEY) : given;
    const parent = found === undefined ? found : parentOf(found);
    const span = new Span(
      this,
      safeString(name),
      parent?.traceId ?? (isValidTraceId(traceId) ? traceId : ignored("traceId", traceId)),
      isValidSpanId(spanId) ? spanId : ignored("spanId", spanId) ?? newSpanId(),
      parent,
      options,
    );
    try {
      // An attribute record (an object: a string's characters are no attributes) from the
      // context, or from another copy's context given as the parent.
      const inherited = ((given as Context)?.get ? given as Context : active)
        .get(INHERITED_ATTRIBUTES_KEY);
      if (typeof inherited == "object") {
        for (const key in inherited) {
          if (!Object.hasOwn(span.attributes, key)) span.setAttribute(key, inherited[key]);
        }
      }
    } catch {
      // An unreadable parent or record (set through the shared key): the span keeps what was read.
    }
    const sampler = this.#sampler;
    if (sampler) {
      let sampled = true; // a sampler that throws keeps the span
      try {
        sampled = !!sampler(span.traceId, parent, span.name, span.attributes);
      } catch (error) {
        reportOnce("sampler_failed", "error", "sampler_failed", "The sampler threw", error);
      }
      (span as { traceFlags: number }).traceFlags = span.traceFlags & 254 | +sampled;
    }
    if (!(span.traceFlags & 1)) return span; // not sampled: no processor sees it
    // A trace starts here for the processors unless a span of this tracer's copy is the parent
    // (skipped when no processor wants trace start/end notifications).
    const hooked = this.#hooked;
    if (!(parent instanceof Span) && hooked.onTraceStart.length + hooked.onTraceEnd.length > 0) {
      this.#localRoots.add(span);
      this.#openRoots++;
      notify(hooked.onTraceStart, "onTraceStart", { traceId: span.traceId, name: span.name });
    }
    notify(hooked.onSpanStart, "onSpanStart", span);
    return span;
  }

  /**
   * Runs `fn` inside a new span that is active for `fn` and everything it calls. The span ends
   * when `fn` returns or its promise settles; a thrown error or rejection is recorded on the span
   * and rethrown.
   *
   * @param name The span name.
   * @param fn The function; it receives the span.
   * @returns What `fn` returned (a promise-like result comes back as a native promise of its
   *   value, settled after the span ended).
   */
  withSpan<R>(name: string, fn: (span: Span) => R): R;
  /**
   * Runs `fn` inside a new span started with `options` (see the overload without options).
   *
   * @param name The span name.
   * @param options Start options (attributes, kind, parent, links, start time).
   * @param fn The function; it receives the span.
   * @returns What `fn` returned.
   */
  withSpan<R>(name: string, options: StartSpanOptions, fn: (span: Span) => R): R;
  withSpan<R>(
    name: string,
    optionsOrFn: StartSpanOptions | ((span: Span) => R),
    maybeFn?: (span: Span) => R,
  ): R {
    const fnFirst = typeof optionsOrFn === "function";
    return this.runInSpan(
      this.startSpan(name, fnFirst ? undefined : optionsOrFn),
      fnFirst ? optionsOrFn : maybeFn!,
    );
  }

  /**
   * Runs `fn` with `span` active, ending it when `fn` finishes (see {@linkcode Tracer.withSpan}).
   *
   * @param span A started span.
   * @param fn The function.
   * @returns What `fn` returned.
   */
  runInSpan<R>(span: Span, fn: (span: Span) => R): R {
    try {
      const result = runInContext(this.contextWith(span), () => fn(span));
      if (isPromiseLike(result)) {
        // A promise (runInContext adopted any other thenable inside the span's context).
        return result.then((value) => {
          span.end();
          return value;
        }, (error: unknown) => fail(span, error)) as R;
      }
      span.end(); // never throws
      return result as R;
    } catch (error) {
      return fail(span, error);
    }
  }

  /**
   * A context in which `span` is the active span.
   *
   * @param span The span (or a remote span context).
   * @param base The context to extend; the active one by default.
   * @returns The new context.
   */
  contextWith(span: Span | SpanContext, base: Context = getContextManager().active()): Context {
    return base.set(SPAN_KEY, span);
  }

  /**
   * The span active in the current context.
   * @returns The active span, if it is a span of this copy of tracelet (not a remote parent's
   *   span context, nor a span of another copy loaded in the process, which still parents the
   *   spans started here).
   */
  activeSpan(): Span | undefined {
    const value = parentOf(getContextManager().active());
    return value instanceof Span ? value : undefined;
  }

  /**
   * Called by a span when it ends; hands it to the processors.
   * @param span The span that ended.
   * @internal
   */
  spanEnded(span: Span): void {
    if (!(span.traceFlags & 1)) return;
    notify(this.#hooked.onSpanEnd, "onSpanEnd", span);
    // Skip the WeakSet lookup when no root can be open (no processor wants trace events).
    if (this.#openRoots > 0 && this.#localRoots.delete(span)) {
      this.#openRoots--;
      notify(this.#hooked.onTraceEnd, "onTraceEnd", { traceId: span.traceId, name: span.name });
    }
  }

  /**
   * Flushes every processor.
   *
   * @param deadline Epoch-ms limit (a number below 10^12 is a timeout in ms from now); without
   *   one, each processor's own (a batch processor's `exportTimeoutMillis`).
   * @returns The merged report of every processor's flush; never rejects.
   */
  forceFlush(deadline?: number): Promise<FlushReport> {
    return settleAll(this.#processors, "forceFlush", deadline);
  }

  /**
   * Flushes and shuts down every processor. Idempotent per processor.
   *
   * @param deadline Epoch-ms limit (a number below 10^12 is a timeout in ms from now).
   * @returns The merged final report; never rejects.
   */
  shutdown(deadline?: number): Promise<FlushReport> {
    return settleAll(this.#processors, "shutdown", deadline);
  }
}

/**
 * The parent a span starts under: in a context (of any copy of tracelet: anything with a `get`
 * method), the span under the shared key. A span of this copy as is; anything else (a remote
 * span context, a span of another copy) as a snapshot of its span context, read once. Ids that
 * are malformed (they would make every batch the span lands in unencodable) or unreadable mean no
 * parent: the span starts a new trace, reported once (`invalid_link`). Never throws.
 */
function parentOf(found: unknown): Span | SpanContext | undefined {
  try {
    // A span of this copy (the common case) is no context.
    if (!(found instanceof Span) && (found as Context)?.get) {
      found = (found as Context).get(SPAN_KEY);
    }
    if (found instanceof Span) return found;
    if (!found) return undefined; // no parent
    const { traceId, spanId, traceFlags, traceState, isRemote } = found as SpanContext;
    if (isValidTraceId(traceId) && isValidSpanId(spanId)) {
      // Flags that are no number (a BigInt, an object) would make the span's constructor throw.
      return {
        traceId,
        spanId,
        traceFlags: typeof traceFlags == "number" ? traceFlags : 1,
        traceState,
        isRemote,
      };
    }
  } catch {
    // A revoked proxy or a throwing getter: reported as malformed ids are.
  }
  reportOnce("span_parent", "warn", "invalid_link", "Parent ignored: no valid span context");
  return undefined;
}

/**
 * Reports, once per option, a `traceId` or `spanId` start option given but invalid (the span gets
 * a random id instead: its correlation with what the id came from is lost). Never throws.
 *
 * @returns Undefined.
 */
function ignored(option: string, value: unknown): undefined {
  if (value != null) {
    reportOnce(
      "span_" + option,
      "warn",
      "invalid_span_options",
      `Span option ${option} ignored: not a valid W3C id`,
      value,
    );
  }
  return undefined;
}

/** Throws `INVALID_CONFIG` for a tracer option. */
function invalid(problem: string): never {
  throw new TracerError("INVALID_CONFIG", "Cannot set up the tracer: " + problem);
}

/** Records `error` on `span`, ends it and rethrows. */
function fail(span: Span, error: unknown): never {
  span.recordException(error);
  span.end();
  throw error;
}
