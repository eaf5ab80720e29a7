/**
 * The one mapping from tracelet's {@linkcode SpanRecord} to the OTLP trace data model, shared by
 * the protobuf and the JSON encoder: grouping into `ResourceSpans` → `ScopeSpans`, enum codes,
 * attribute value types, span flags and the exact split of epoch-nanosecond times.
 *
 * Field-omission rule (both encoders): a field holding its proto3 default (empty string, zero,
 * empty list, `UNSET` status without a message) is not written.
 *
 * @module
 */
import type { InstrumentationScope, Resource, SpanKind, SpanRecord, StatusCode } from "../types.ts";

/** OTLP `Span.SpanKind` names in enum order (`INTERNAL` = 1 … `CONSUMER` = 5). */
const KINDS: readonly string[] = ["INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"];

/**
 * The OTLP kind code of a span kind (`INTERNAL` = 1 … `CONSUMER` = 5; an unknown string maps to
 * 0, `SPAN_KIND_UNSPECIFIED`).
 *
 * @param kind The span kind.
 * @returns The enum number.
 */
export function spanKindCode(kind: SpanKind): number {
  return KINDS.indexOf(kind) + 1;
}

/**
 * The OTLP status code of a status code name (unknown names map to 0, `UNSET`).
 *
 * @param code The status code name.
 * @returns The enum number.
 */
export function statusCodeOf(code: StatusCode): number {
  return code === "OK" ? 1 : code === "ERROR" ? 2 : 0;
}

/**
 * The OTLP `Span.flags` (and `Link.flags`) value: the W3C trace flags in the low 8 bits, bit 8
 * (`CONTEXT_HAS_IS_REMOTE`) always set, and bit 9 (`CONTEXT_IS_REMOTE`) when the parent (for a
 * link: the linked context) came from another process, as the OTLP proto defines them since 1.1.
 * Backends use the pair to find a service's entry spans without assembling the trace.
 *
 * @param traceFlags W3C trace flags.
 * @param isRemote Whether the parent (or linked) span context is remote.
 * @returns The flags value.
 */
export function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | (isRemote ? 0x300 : 0x100);
}

/** The OTLP `AnyValue` variant a JavaScript attribute value is written as. */
export const VALUE_STRING = 1;
/** `bool_value`. */
export const VALUE_BOOL = 2;
/** `int_value` (an integer within the signed 64-bit range). */
export const VALUE_INT = 3;
/** `double_value` (any other number, including NaN and infinities). */
export const VALUE_DOUBLE = 4;
/** `array_value`. */
export const VALUE_ARRAY = 5;
/** Not representable (undefined, null, objects): the attribute is skipped. */
export const VALUE_SKIP = 0;

const TWO_POW_63 = 9223372036854775808;

/**
 * Tells whether a number is written as OTLP `int_value` (an integer of magnitude below 2^63)
 * rather than `double_value`.
 *
 * @param value The number.
 * @returns True for an int64.
 */
export function isInt64(value: number): boolean {
  return Number.isInteger(value) && value < TWO_POW_63 && value >= -TWO_POW_63;
}

/**
 * Classifies an attribute value into its OTLP `AnyValue` variant.
 *
 * @param value The value.
 * @returns One of the `VALUE_*` constants.
 */
export function valueKind(value: unknown): number {
  switch (typeof value) {
    case "string":
      return VALUE_STRING;
    case "boolean":
      return VALUE_BOOL;
    case "number":
      return isInt64(value) ? VALUE_INT : VALUE_DOUBLE;
    default:
      return Array.isArray(value) ? VALUE_ARRAY : VALUE_SKIP;
  }
}

const TWO_POW_32 = 4294967296;

/**
 * Splits a non-negative integer-valued double (such as an epoch-nanosecond time up to ~1.8e19)
 * into its exact high and low 32-bit halves. Both operations are exact for integer doubles:
 * division by a power of two and the subtraction of a representable product. Negative, NaN or
 * fractional inputs are clamped/truncated to a valid value first.
 *
 * @param value The value.
 * @param out A two-element array receiving `[high, low]` (avoids an allocation per call).
 * @returns `out`.
 */
export function splitUint64(value: number, out: number[]): number[] {
  const v = value > 0 ? Math.floor(value) : 0;
  const hi = Math.floor(v / TWO_POW_32);
  out[0] = hi >>> 0;
  out[1] = (v - hi * TWO_POW_32) >>> 0;
  return out;
}

/**
 * The decimal string of a non-negative integer-valued double, exact even above 2^53 (where
 * `String(n)` would print rounded digits). Used for OTLP/JSON timestamps.
 *
 * @param value Epoch nanoseconds (or any non-negative integer).
 * @returns The exact decimal digits; `"0"` for negative or non-finite input.
 */
export function uint64Decimal(value: number): string {
  if (!(value > 0) || value === Infinity) return "0";
  const v = Math.floor(value);
  return v <= Number.MAX_SAFE_INTEGER ? String(v) : BigInt(v).toString();
}

/**
 * The exact decimal string of an integer in the signed 64-bit range (OTLP/JSON `intValue`).
 *
 * @param value An integer-valued number.
 * @returns Its decimal digits.
 */
export function int64Decimal(value: number): string {
  return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
}

/** Spans of one instrumentation scope within one resource. */
export interface ScopeGroup {
  /** The scope. */
  readonly scope: InstrumentationScope;
  /** Its spans, in input order. */
  readonly spans: SpanRecord[];
}

/** Spans of one resource, grouped by scope. */
export interface ResourceGroup {
  /** The resource. */
  readonly resource: Resource;
  /** Its scopes, in first-seen order. */
  readonly scopes: ScopeGroup[];
}

function sameScope(a: InstrumentationScope, b: InstrumentationScope): boolean {
  return a === b || (a.name === b.name && (a.version ?? "") === (b.version ?? ""));
}

/**
 * Groups spans by resource (object identity) and, within a resource, by instrumentation scope
 * (identity, or equal name and version), keeping first-seen order. Consecutive spans sharing the
 * same objects (the common case) take a fast path without any lookup.
 *
 * @param spans The batch.
 * @returns One group per resource.
 */
export function groupSpans(spans: readonly SpanRecord[]): ResourceGroup[] {
  const groups: ResourceGroup[] = [];
  let group: ResourceGroup | undefined;
  let scopeGroup: ScopeGroup | undefined;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i];
    if (span.resource !== group?.resource) {
      group = groups.find((g) => g.resource === span.resource);
      if (group === undefined) groups.push(group = { resource: span.resource, scopes: [] });
      scopeGroup = undefined;
    }
    if (span.scope !== scopeGroup?.scope) {
      scopeGroup = group.scopes.find((s) => sameScope(s.scope, span.scope));
      if (scopeGroup === undefined) {
        group.scopes.push(scopeGroup = { scope: span.scope, spans: [] });
      }
    }
    scopeGroup.spans.push(span);
  }
  return groups;
}
