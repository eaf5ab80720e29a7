/**
 * Items queued as their exporter will send them. An exporter that cuts what it sends
 * (`BackendSpanExporter` posting to the official endpoint: `input` and `output` at most 100 kB
 * each) registers how to turn an item into its record as sent; a `BatchTraceProcessor` whose
 * queue has no room for a large item (a generation span holding an image) queues that record
 * instead, sized as sent, rather than dropping the item. One table, shared by every copy of
 * tracelet loaded in the process (the processor and the exporter may come from two copies).
 *
 * @internal
 * @module
 */
import type { SpanView, TraceView } from "./processors.ts";

/** An item as its exporter will send it, and its estimated bytes. */
export interface CompactItem {
  /** What to queue in place of the item (only its exporter reads it). */
  readonly item: TraceView | SpanView;
  /** Its estimated bytes in the queue. */
  readonly bytes: number;
}

/**
 * Turns an item into what its exporter will send, given the item's estimated bytes; undefined
 * when that would not be smaller. May throw.
 */
export type Compactor = (item: TraceView | SpanView, bytes: number) => CompactItem | undefined;

const COMPACTORS = Symbol.for("tracelet.agents.compactors");

const shared = globalThis as unknown as Record<symbol, WeakMap<object, Compactor> | undefined>;
/** Each exporter's compactor, shared by every copy of tracelet. */
const compactors = shared[COMPACTORS] ??= new WeakMap();

/**
 * Registers how `exporter` turns an item into what it will send.
 *
 * @param exporter The exporter.
 * @param compact Its compactor.
 * @internal
 */
export function registerCompactor(exporter: object, compact: Compactor): void {
  compactors.set(exporter, compact);
}

/**
 * `item` as `exporter` will send it, when the exporter registered a compactor and that is
 * smaller. Never throws (a compactor that throws gives nothing).
 *
 * @param exporter A processor's exporter.
 * @param item The trace or span to queue.
 * @param bytes Its estimated bytes.
 * @returns What to queue instead, or undefined.
 * @internal
 */
export function compactItem(
  exporter: unknown,
  item: TraceView | SpanView,
  bytes: number,
): CompactItem | undefined {
  try {
    const compact = typeof exporter === "object" && exporter !== null
      ? compactors.get(exporter)?.(item, bytes)
      : undefined;
    return compact !== undefined && compact.bytes < bytes ? compact : undefined;
  } catch {
    return undefined;
  }
}
