/**
 * W3C Trace Context (`traceparent` / `tracestate`, https://www.w3.org/TR/trace-context/) parsing
 * and formatting, strict as the recommendation requires: lower-case hex only, non-zero ids,
 * version `ff` forbidden, tracestate keys and values checked character by character, at most 32
 * list members and no duplicate keys. Parsers return `undefined` for invalid input, and no function
 * here throws, whatever it is given (an unreadable carrier or context is invalid).
 *
 * @module
 */
import { isValidSpanId, isValidTraceId } from "../ids.ts";
import { safeString } from "../safe_string.ts";
import { cutText } from "../cut_text.ts";
import type { SpanContext } from "../types.ts";
import { listMembers } from "./_list_members.ts";

/** The most list members a `tracestate` may carry. */
export const MAX_TRACESTATE_MEMBERS = 32;

const HEX2 = /^[0-9a-f]{2}$/;
const SIMPLE_KEY = /^[a-z][a-z0-9_\-*/]{0,255}$/;
const TENANT_KEY = /^[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13}$/;
// 1–256 printable ASCII characters except `,` and `=`; the last one is not a space.
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/** A parsed `traceparent` header. */
export interface Traceparent {
  /** The header version; `00` for everything this library writes. */
  readonly version: string;
  /** 32 lower-case hex characters, not all zero. */
  readonly traceId: string;
  /** The remote parent span id: 16 lower-case hex characters, not all zero. */
  readonly spanId: string;
  /** Trace flags (bit 0 = sampled). */
  readonly traceFlags: number;
}

/**
 * Parses a `traceparent` header. Version `00` must be exactly 55 characters; a later version
 * (`01`–`fe`) is read as version `00` when its first 55 characters have the version-00 shape and
 * are followed by nothing or by `-` (the recommendation's forward-compatibility rule).
 *
 * @param header The header value.
 * @returns The parsed header, or `undefined` when it is invalid.
 * @example
 * ```ts
 * import { parseTraceparent } from "@tracelet/tracelet";
 * const tp = parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
 * console.log(tp?.traceFlags); // 1
 * ```
 */
export function parseTraceparent(header: unknown): Traceparent | undefined {
  if (typeof header !== "string") return undefined;
  const version = header.slice(0, 2);
  if (!HEX2.test(version) || version === "ff") return undefined;
  if (version === "00" ? header.length !== 55 : header.length < 55) return undefined;
  if (header.length > 55 && header[55] !== "-") return undefined;
  const parts = header.slice(0, 55).split("-");
  if (parts.length !== 4) return undefined;
  const [, traceId, spanId, flags] = parts;
  if (!isValidTraceId(traceId) || !isValidSpanId(spanId) || !HEX2.test(flags)) return undefined;
  return { version, traceId, spanId, traceFlags: parseInt(flags, 16) };
}

/**
 * Formats a version-00 `traceparent` header.
 *
 * @param context The span context (trace id, span id, flags).
 * @returns The header value, or `undefined` when the ids are not valid W3C ids.
 */
export function formatTraceparent(context: SpanContext): string | undefined {
  let traceId: unknown, spanId: unknown, traceFlags: unknown;
  try {
    ({ traceId, spanId, traceFlags } = context);
  } catch {
    return undefined; // Not a readable object.
  }
  if (!isValidTraceId(traceId) || !isValidSpanId(spanId)) return undefined;
  // Only sampled (1) and random (2) are defined; W3C Trace Context says to send the rest as zero.
  const flags = Number.isInteger(traceFlags) ? (traceFlags as number) & 3 : 0;
  return `00-${traceId}-${spanId}-${flags.toString(16).padStart(2, "0")}`;
}

/** One `tracestate` list member. */
export interface TracestateMember {
  /** The vendor key (`vendor` or `tenant@vendor`). */
  readonly key: string;
  /** The opaque value. */
  readonly value: string;
}

/**
 * True for a valid `tracestate` key (simple or multi-tenant form).
 *
 * @param key The candidate key.
 * @returns Whether it is valid.
 */
export function isValidTracestateKey(key: string): boolean {
  return typeof key === "string" && (SIMPLE_KEY.test(key) || TENANT_KEY.test(key));
}

/**
 * True for a valid `tracestate` value.
 *
 * @param value The candidate value.
 * @returns Whether it is valid.
 */
export function isValidTracestateValue(value: string): boolean {
  return typeof value === "string" && VALUE.test(value);
}

/**
 * Parses a `tracestate` header into its list members. Empty members (`a=1,,b=2`) and optional
 * spaces and tabs around members are allowed; any invalid member, a duplicate key or more than
 * 32 members makes the whole header invalid (it must then be discarded).
 *
 * @param header The header value.
 * @returns The members in order, or `undefined` when the header is invalid.
 */
export function parseTracestate(header: unknown): TracestateMember[] | undefined {
  if (typeof header !== "string") return undefined;
  const members: TracestateMember[] = [];
  const seen = new Set<string>();
  const items = listMembers(header, MAX_TRACESTATE_MEMBERS + 1);
  if (items.length > MAX_TRACESTATE_MEMBERS) return undefined;
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq <= 0) return undefined;
    const key = item.slice(0, eq);
    const value = item.slice(eq + 1);
    if (!isValidTracestateKey(key) || !isValidTracestateValue(value) || seen.has(key)) {
      return undefined;
    }
    seen.add(key);
    members.push({ key, value });
  }
  return members;
}

/**
 * Formats `tracestate` members (invalid or duplicate members are left out; at most 32 are kept).
 *
 * @param members The members, most recent vendor first.
 * @returns The header value (empty when no member is valid).
 */
export function formatTracestate(members: readonly TracestateMember[]): string {
  const out: string[] = [];
  const seen = new Set<string>();
  try {
    for (const member of members) {
      if (out.length === MAX_TRACESTATE_MEMBERS) break;
      const { key, value } = readMember(member);
      if (!isValidTracestateKey(key) || !isValidTracestateValue(value) || seen.has(key)) continue;
      seen.add(key);
      out.push(`${key}=${value}`);
    }
  } catch {
    // Not iterable: the members read so far.
  }
  return out.join(",");
}

/** A member's key and value, or empty ones (invalid) when it cannot be read. */
function readMember(member: unknown): TracestateMember {
  try {
    const { key, value } = member as TracestateMember;
    return { key, value };
  } catch {
    return { key: "", value: "" };
  }
}

/** A W3C carrier as sent between processes. */
export interface TraceCarrier {
  /** The `traceparent` header. */
  traceparent?: string | undefined;
  /** The `tracestate` header. */
  tracestate?: string | undefined;
  /** The W3C `baggage` header (carried by task continuation; see `continueTask`). */
  baggage?: string | undefined;
}

/**
 * Builds the carrier of a span context.
 *
 * @param context The span context.
 * @returns `{ traceparent, tracestate? }`, or `undefined` when the context has invalid ids.
 */
export function injectTraceContext(context: SpanContext): TraceCarrier | undefined {
  const traceparent = formatTraceparent(context);
  if (traceparent === undefined) return undefined;
  const state = parseTracestate(readField(context, "traceState"));
  return state === undefined || state.length === 0
    ? { traceparent }
    : { traceparent, tracestate: formatTracestate(state) };
}

/** A field of a carrier or context; undefined when it is not an object or cannot be read. */
function readField(source: unknown, key: string): unknown {
  if (typeof source !== "object" || source === null) return undefined;
  try {
    return (source as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** The result of {@linkcode extractTraceContext}. */
export interface ExtractedTraceContext {
  /** The remote span context, or `undefined` when `traceparent` is missing or invalid. */
  readonly context: SpanContext | undefined;
  /** Problems found (`traceparent` invalid, `tracestate` discarded), for diagnostics. */
  readonly problems: readonly string[];
}

/**
 * Extracts a remote span context from a carrier. An invalid `tracestate` is discarded and the
 * `traceparent` still used, as the recommendation requires.
 *
 * @param carrier The carrier (`traceparent`, optional `tracestate`).
 * @returns The remote context (marked `isRemote`) and any problems.
 */
export function extractTraceContext(carrier: unknown): ExtractedTraceContext {
  const problems: string[] = [];
  const traceparent = readField(carrier, "traceparent");
  const parent = parseTraceparent(traceparent);
  if (parent === undefined) {
    problems.push(`invalid traceparent ${cutText(JSON.stringify(safeString(traceparent)), 80)}`);
    return { context: undefined, problems };
  }
  let traceState: string | undefined;
  const tracestate = readField(carrier, "tracestate");
  if (tracestate !== undefined) {
    const members = parseTracestate(tracestate);
    if (members === undefined) problems.push("invalid tracestate discarded");
    else if (members.length > 0) traceState = formatTracestate(members);
  }
  return {
    context: {
      traceId: parent.traceId,
      spanId: parent.spanId,
      traceFlags: parent.traceFlags,
      traceState,
      isRemote: true,
    },
    problems,
  };
}
