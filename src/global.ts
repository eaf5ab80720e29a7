/**
 * The process-wide default tracer, kept behind a `Symbol.for` slot so every copy of tracelet in a
 * process shares it. Presets' `configure()` installs it. Before that, {@linkcode getTracer} gives
 * a stand-in that forwards every call to the tracer in place at the time of the call, as
 * OpenTelemetry's proxy tracer does: the installed one once there is one, else the tracer of the
 * default configuration a runtime preset registered at import (built on first use), else one with
 * no processors (spans are created and discarded). So a tracer taken at a module's top, before
 * `configure()` runs, still exports through what `configure()` sets up.
 *
 * @module
 */
import { Tracer } from "./tracer.ts";

interface TracerSlot {
  tracer: Tracer | undefined;
  /** The processor-less tracer used while nothing is installed and no defaults are registered. */
  created?: Tracer;
  /** The stand-in {@linkcode getTracer} gives while nothing is installed. */
  standIn?: Tracer;
  /**
   * Builds the default configuration a runtime preset registered at import, which installs its
   * tracer (see {@linkcode setDefaultsBuilder}).
   */
  defaults?: () => unknown;
}

const SLOT = Symbol.for("tracelet.tracer");
const globals = globalThis as unknown as Record<symbol, TracerSlot | undefined>;

function slot(): TracerSlot {
  return globals[SLOT] ??= { tracer: undefined };
}

/** The installed tracer: not the stand-in (which a caller may have handed back to setTracer). */
function installed(s: TracerSlot): Tracer | undefined {
  return s.tracer === s.standIn ? undefined : s.tracer;
}

/**
 * The tracer a stand-in call goes to: the installed one; else the registered defaults' (built
 * now, once, never from inside their own build); else the processor-less one.
 */
function current(): Tracer {
  const s = slot();
  const build = s.defaults;
  if (installed(s) === undefined && build !== undefined) {
    s.defaults = undefined;
    build();
  }
  return installed(s) ?? (s.created ??= new Tracer());
}

/**
 * A `Tracer` whose every property read and method call goes to {@linkcode current}. Methods are
 * bound once per tracer they go to (a stand-in kept after `configure()` is on the span path).
 */
function standIn(): Tracer {
  let boundTo: Tracer | undefined;
  // Key → the function read and its bound form (rebound when the tracer's function changes).
  const bound = new Map<PropertyKey, readonly [unknown, unknown]>();
  return new Proxy(Object.create(Tracer.prototype) as Tracer, {
    get(_target, key) {
      const tracer = current();
      const value: unknown = Reflect.get(tracer, key, tracer);
      if (typeof value !== "function") return value;
      if (tracer !== boundTo) {
        boundTo = tracer;
        bound.clear();
      }
      const cached = bound.get(key);
      if (cached?.[0] === value) return cached[1];
      const method = value.bind(tracer);
      bound.set(key, [value, method]);
      return method;
    },
  });
}

/**
 * The default tracer.
 *
 * @returns The installed tracer; before one is installed, a stand-in that forwards each call to
 *   the tracer in place at that time (see the module's description).
 * @example
 * ```ts
 * import { getTracer } from "@tracelet/tracelet";
 * const tracer = getTracer(); // at a module's top: later calls reach what configure() installs
 * tracer.startSpan("work").end();
 * ```
 */
export function getTracer(): Tracer {
  const s = slot();
  return installed(s) ?? (s.standIn ??= standIn());
}

/**
 * Sets what the default tracer builds when first used before any tracer is installed: the
 * configuration layer registers its default configuration here (a runtime preset's, at import),
 * so spans of a program that never calls `configure()` are exported as `run()`'s are.
 *
 * @param build Builds the default configuration (installing its tracer); must not throw.
 */
export function setDefaultsBuilder(build: (() => unknown) | undefined): void {
  slot().defaults = build;
}

/**
 * The tracer installed with {@linkcode setTracer} (by a user or by `configure()`), without
 * creating one.
 *
 * @returns It, or undefined while there is none.
 * @internal
 */
export function installedTracer(): Tracer | undefined {
  return installed(slot());
}

/**
 * Installs the default tracer.
 *
 * @param tracer The tracer to use from now on.
 * @returns The previous tracer, if any.
 */
export function setTracer(tracer: Tracer): Tracer | undefined {
  const s = slot();
  const previous = s.tracer;
  s.tracer = tracer;
  return previous;
}
