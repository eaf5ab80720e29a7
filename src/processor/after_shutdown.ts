/**
 * Telling that a configured pipeline drops spans because it was shut down. After
 * `tracing.shutdown()` (or `tracer.shutdown()`), tracelet's processors drop every span that ends
 * (counted only as `dropped.shutdown` in a later flush report): a harness that shuts down between
 * phases would lose the later phases unnoticed. `buildPipeline` adds this watcher next to its
 * processors; it is not part of a `Tracer` built by hand.
 *
 * @internal
 * @module
 */
import { report } from "../diagnostics.ts";
import { cutText } from "../cut_text.ts";
import type { SpanProcessor } from "./types.ts";

/**
 * A processor that reports, once, the first span ending after it was shut down (`after_shutdown`,
 * a warning naming the span and what to do instead). It exports nothing and never throws.
 * Retiring the tracer (`configure()` called again) removes it with the other processors: spans
 * then go to the new pipeline and nothing is dropped.
 *
 * @returns The processor (one per pipeline).
 * @internal
 */
export function afterShutdownWatch(): SpanProcessor {
  let closed = false;
  let told = false;
  return {
    onSpanEnd(span) {
      if (!closed || told) return;
      told = true;
      report(
        "warn",
        "after_shutdown",
        `Span "${
          cutText(span.name, 100)
        }" ended after shutdown() and was dropped, as are later ones (dropped.shutdown); call forceFlush() between phases, or configure() again`,
      );
    },
    shutdown() {
      closed = true;
    },
  };
}
