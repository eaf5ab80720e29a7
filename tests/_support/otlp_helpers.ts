/**
 * Helpers shared by the OTLP exporter tests: diagnostics capture and arrival checks by span id.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type Diagnostic, setDiagnosticsHook } from "../../src/diagnostics.ts";
import type { SpanRecord } from "../../src/types.ts";
import {
  type FetchLike,
  type OtlpEncoder,
  OtlpHttpExporter,
} from "../../src/exporter/otlp_http.ts";
import type { OtlpReceiver } from "./otlp_receiver.ts";

/** Captured diagnostics; call `restore()` when done. */
export interface DiagnosticsCapture {
  readonly list: Diagnostic[];
  restore(): void;
}

/**
 * Routes diagnostics into a list until `restore()`.
 *
 * @returns The capture.
 */
export function captureDiagnostics(): DiagnosticsCapture {
  const list: Diagnostic[] = [];
  const previous = setDiagnosticsHook((d) => void list.push(d));
  return { list, restore: () => void setDiagnosticsHook(previous) };
}

/**
 * Runs `fn` with diagnostics routed into the list it is given, restoring the hook after.
 *
 * @param fn The test body.
 */
export async function withDiagnostics(fn: (list: Diagnostic[]) => Promise<void>): Promise<void> {
  const capture = captureDiagnostics();
  try {
    await fn(capture.list);
  } finally {
    capture.restore();
  }
}

/**
 * Asserts that every span arrived at the receiver (was accepted at least once) and that exactly
 * `twice` of them arrived more than once.
 *
 * @param receiver The receiver.
 * @param spans The spans that must have arrived.
 * @param twice How many of them are expected to have arrived twice (or more).
 */
export function assertArrived(
  receiver: OtlpReceiver,
  spans: readonly SpanRecord[],
  twice: number,
): void {
  const counts = receiver.acceptedCounts();
  const missing = spans.filter((s) => !counts.has(s.spanId));
  assert.deepEqual(missing.map((s) => s.name), [], "every span must arrive");
  const duplicated = spans.filter((s) => (counts.get(s.spanId) ?? 0) > 1).length;
  assert.equal(duplicated, twice, `spans that arrived twice: ${duplicated}`);
}

/**
 * Waits `ms` milliseconds.
 *
 * @param ms The delay.
 * @returns Resolves after it.
 */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * `otlp` options for `configure()` that send uncompressed OTLP/JSON through a fetch that answers
 * 200 and keeps each request body's text in `bodies` (no server needed: runs in workerd too).
 */
export function capturingOtlp(bodies: string[]): {
  endpoint: string;
  protocol: "http/json";
  compression: "none";
  fetch: (url: string | URL | Request, init?: RequestInit) => Promise<Response>;
} {
  return {
    endpoint: "http://127.0.0.1:9/v1/traces",
    protocol: "http/json",
    compression: "none",
    fetch: (_url, init) => {
      bodies.push(new TextDecoder().decode(init?.body as Uint8Array));
      return Promise.resolve(new Response("{}", { status: 200 }));
    },
  };
}

/**
 * An OTLP/HTTP exporter to `https://c.example/v1/traces` through `fetch`, with `encoder`,
 * uncompressed (so a test can read and split its bodies), retrying at once.
 *
 * @param fetch The fetch the exporter calls.
 * @param encoder The body encoding.
 * @returns The exporter.
 */
export function uncompressedExporter(fetch: FetchLike, encoder: OtlpEncoder): OtlpHttpExporter {
  return new OtlpHttpExporter({
    endpoint: "https://c.example/v1/traces",
    fetch,
    encoder,
    compression: "none",
    retry: { initialDelayMillis: 1, maxDelayMillis: 1 },
  });
}
