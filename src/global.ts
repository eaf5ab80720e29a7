/**
 * The process-wide default tracer, kept behind a `Symbol.for` slot so every copy of tracelet in a
 * process shares it. Presets' `configure()` installs it; before that, the default configuration a
 * runtime preset registered at import is built on first use, and without one a tracer with no
 * processors is used (spans are created and discarded).
 *
 * @module
 */
import { Tracer } from "./tracer.ts";

interface TracerSlot {
  tracer: Tracer | undefined;
  /** The processor-less tracer {@linkcode getTracer} created, when it did. */
  created?: Tracer;
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

/**
 * The default tracer.
 *
 * @returns The installed tracer; before one is installed, the tracer of the default
 *   configuration a runtime preset registered (built now, as `run()` builds it), else a
 *   processor-less one created on first use.
 */
export function getTracer(): Tracer {
  const s = slot();
  const build = s.defaults;
  if (s.tracer === undefined && build !== undefined) {
    s.defaults = undefined; // Once, and never again from inside the build.
    build();
  }
  return s.tracer ??= s.created = new Tracer();
}

/**
 * Sets what {@linkcode getTracer} builds before any tracer is installed: the configuration layer
 * registers its default configuration here (a runtime preset's, at import), so the tracer of a
 * program that never calls `configure()` exports as `run()` does.
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
 * @returns It, or undefined while there is none or only the processor-less default.
 * @internal
 */
export function installedTracer(): Tracer | undefined {
  const s = slot();
  return s.tracer === s.created ? undefined : s.tracer;
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
