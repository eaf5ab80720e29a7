/**
 * A cheap estimate of the memory a queued agent trace or span holds, for the byte bound of
 * `BatchTraceProcessor` (`maxQueueBytes`). It counts what the core's `estimateSpanBytes` counts
 * (a fixed overhead, and the characters of strings plus a little per value), in a walk that stops
 * at a limit, so one estimate costs O(min(size, limit)) and never a `JSON.stringify`.
 *
 * @module
 */
import { estimateSpanBytes } from "../processor/span_bytes.ts";
import { isInstance } from "../safe_read.ts";
import { Span } from "../span.ts";
import { field } from "./_input.ts";

/** Fixed bytes of an item: the object, its ids and times (the core counts 200 per span). */
const ITEM_BYTES = 200;
/** Bytes of a value or object entry besides its characters (the core counts 16 per attribute). */
const VALUE_BYTES = 16;
/** Most values one walk visits: data wider than this is counted in part (see below). */
const MAX_VALUES = 4096;

/**
 * Estimates the bytes a queued trace or span keeps alive: a fixed overhead; for tracelet's own
 * `AgentSpan` and `AgentTrace`, the tracelet span they hold (its attributes carry the data's JSON,
 * so this part reflects the whole data, however wide, at the cost of a look at each attribute);
 * and a walk of the item's `spanData`, `error` and `metadata` summing string lengths, 16 bytes a
 * value and the keys' lengths, typed arrays by their byte length, each object counted once. The
 * walk stops after 4096 values or once the sum exceeds `limit`. Never throws: a value that
 * cannot be read (a throwing getter, a revoked proxy) ends the walk of its object.
 *
 * @param item A trace or span (tracelet's or another SDK's), or anything.
 * @param limit Bytes beyond which the exact estimate does not matter (the room left).
 * @returns Estimated bytes; above `limit` when the item does not fit.
 * @internal
 */
export function estimateItemBytes(item: unknown, limit: number): number {
  let bytes = ITEM_BYTES;
  const span = field(item, "span");
  if (isInstance(span, Span)) bytes += estimateSpanBytes(span);
  if (bytes > limit) return bytes;
  const roots = [field(item, "spanData"), field(item, "error"), field(item, "metadata")];
  return bytes + valueBytes(roots, limit - bytes);
}

/**
 * Bytes of the values in `stack` and everything they reach, up to the caps; consumes `stack`.
 * Values visited plus values waiting never exceed `MAX_VALUES`, which bounds the work and the
 * stack.
 */
function valueBytes(stack: unknown[], limit: number): number {
  const seen = new Set<object>();
  let bytes = 0;
  let visits = 0;
  while (stack.length > 0 && bytes <= limit && visits < MAX_VALUES) {
    const value = stack.pop();
    visits++;
    if (typeof value === "string") bytes += VALUE_BYTES + value.length;
    else if (typeof value !== "object" || value === null) {
      if (value !== undefined) bytes += VALUE_BYTES;
    } else if (!seen.has(value)) {
      seen.add(value);
      bytes += VALUE_BYTES;
      try {
        if (ArrayBuffer.isView(value)) bytes += value.byteLength;
        else if (Array.isArray(value)) {
          // Only as many items as may still be visited: a sparse array can claim any length.
          const end = Math.min(value.length, MAX_VALUES - visits - stack.length);
          for (let i = 0; i < end; i++) stack.push(value[i]);
        } else {
          for (const key in value) {
            if (visits + stack.length >= MAX_VALUES) break;
            bytes += key.length;
            stack.push((value as Record<string, unknown>)[key]);
          }
        }
      } catch {
        // Unreadable (a throwing getter, a revoked proxy): what was read is counted.
      }
    }
  }
  return bytes;
}
