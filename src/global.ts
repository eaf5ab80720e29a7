/**
 * The process-wide default tracer, kept behind a `Symbol.for` slot so every copy of tracelet in a
 * process shares it. Presets' `configure()` installs it; until then a tracer with no processors is
 * used (spans are created and discarded).
 *
 * @module
 */
import { Tracer } from "./tracer.ts";

interface TracerSlot {
  tracer: Tracer | undefined;
  /** The processor-less tracer {@linkcode getTracer} created, when it did. */
  created?: Tracer;
}

const SLOT = Symbol.for("tracelet.tracer");
const globals = globalThis as unknown as Record<symbol, TracerSlot | undefined>;

function slot(): TracerSlot {
  return globals[SLOT] ??= { tracer: undefined };
}

/**
 * The default tracer.
 *
 * @returns The installed tracer, or a processor-less one created on first use.
 */
export function getTracer(): Tracer {
  const s = slot();
  return s.tracer ??= s.created = new Tracer();
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
