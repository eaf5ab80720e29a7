/**
 * Client response bodies still unread when a Workers invocation ends. `instrument()` opens a
 * sweep for its root span's trace; a `tracedFetch()` span of that trace whose 2xx body is still
 * open joins it; at the invocation's flush the sweep ends those spans with the event
 * `http.response.unread`, so they are exported with the invocation's other spans. Without it a
 * body nobody reads would keep its span open for good on workerd (where a garbage collection
 * never ends a traced body: it could cut a body still being delivered short).
 *
 * Only the traces of running invocations are tracked, so the table holds one entry per running
 * invocation and one callback per open body of it: nothing here outlives an invocation, and a
 * `tracedFetch()` outside one (a long-lived stream on Node) is never ended early.
 *
 * @module
 */

/** The open bodies of one trace, and how many running invocations share that trace. */
interface Sweep {
  invocations: number;
  readonly bodies: Set<() => void>;
}

const sweeps = new Map<string, Sweep>();

/** What `trackUnread` gives when nothing is tracked. */
const untracked = (): void => {};

/**
 * Opens a sweep for an invocation's trace.
 *
 * @param traceId The invocation root span's trace id.
 * @returns Ends the spans of that trace whose bodies are still open (each once), unless another
 *   running invocation shares the trace: the last of them sweeps. Call it once.
 */
export function openSweep(traceId: string): () => void {
  let sweep = sweeps.get(traceId);
  if (sweep === undefined) sweeps.set(traceId, sweep = { invocations: 0, bodies: new Set() });
  sweep.invocations++;
  const opened = sweep;
  let swept = false;
  return () => {
    if (swept) return;
    swept = true;
    if (--opened.invocations > 0) return;
    if (sweeps.get(traceId) === opened) sweeps.delete(traceId);
    for (const finish of opened.bodies) {
      try {
        finish();
      } catch {
        // Ending a span never throws; a sweep must finish the others whatever happens.
      }
    }
    opened.bodies.clear();
  };
}

/**
 * Tracks an open client body, if its trace belongs to a running invocation.
 *
 * @param traceId The client span's trace id.
 * @param finish Ends the span as unread (called at most once, by the sweep).
 * @returns Stops tracking it (call when the body ends).
 */
export function trackUnread(traceId: string, finish: () => void): () => void {
  const sweep = sweeps.get(traceId);
  if (sweep === undefined) return untracked;
  const { bodies } = sweep;
  bodies.add(finish);
  return () => void bodies.delete(finish);
}
