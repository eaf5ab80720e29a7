/**
 * Helpers shared by the OTLP exporter tests: diagnostics capture, arrival checks by span id, and
 * one span exported end to end (JSONL line and OTLP body).
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  configure,
  type ConfigureOptions,
  getTracer,
  MemoryStorage,
  type Span,
} from "../../mod.ts";
import { type Diagnostic, setDiagnosticsHook } from "../../src/diagnostics.ts";
import type { SpanRecord } from "../../src/types.ts";
import {
  type FetchLike,
  type OtlpEncoder,
  OtlpHttpExporter,
} from "../../src/exporter/otlp_http.ts";
import { isolated } from "./global_state.ts";
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

/** An attribute as OTLP/JSON writes it (only the string form is read here). */
export interface OtlpJsonAttribute {
  readonly key: string;
  readonly value: { readonly stringValue?: string };
}

/** One span exported by {@linkcode exportOneSpan}, as the JSONL storage and the OTLP body hold it. */
export interface ExportedSpan {
  /** The span's line in `projects/default/<traceId>/spans.jsonl`. */
  readonly line: string;
  /** Every OTLP request body, joined by newlines (to look for a text anywhere in them). */
  readonly body: string;
  /** The resource of the first OTLP request, as OTLP/JSON. */
  readonly resource: { readonly attributes: readonly OtlpJsonAttribute[] };
  /** The first span of the first OTLP request, as OTLP/JSON. */
  readonly span: {
    readonly attributes: readonly OtlpJsonAttribute[];
    readonly status?: { readonly message?: string };
  };
  /**
   * The string value of the OTLP span's attribute `key`.
   *
   * @param key The attribute's key.
   * @returns Its `stringValue`, or `undefined` when the span has no such attribute.
   */
  stringValue(key: string): string | undefined;
}

/** What {@linkcode exportThroughConfigure} leaves: the storage and the OTLP request bodies. */
export interface CapturedExport {
  /** The memory storage the JSONL lines went to. */
  readonly storage: MemoryStorage;
  /** Each OTLP/JSON request body's text, in the order they were sent. */
  readonly bodies: readonly string[];
}

/**
 * Runs `fn` under `configure()`, isolated from the process-wide state, with memory storage, an
 * uncompressed OTLP/JSON exporter to a {@linkcode capturingOtlp} fetch (no server: runs in workerd
 * too) and silent diagnostics, then shuts tracing down, so that everything `fn` recorded has been
 * written and sent.
 *
 * @param fn Records spans (given the storage, for layers that write to it themselves).
 * @param options Further `configure()` options (`env`, `resourceAttributes`, …).
 * @returns The storage and the request bodies.
 */
export async function exportThroughConfigure(
  fn: (storage: MemoryStorage) => Promise<void> | void,
  options: Omit<ConfigureOptions, "storage" | "otlp"> = {},
): Promise<CapturedExport> {
  const bodies: string[] = [];
  const storage = new MemoryStorage();
  await isolated(async () => {
    const tracing = configure({
      storage,
      diagnostics: () => {},
      ...options,
      otlp: capturingOtlp(bodies),
    });
    await fn(storage);
    await tracing.shutdown();
  });
  return { storage, bodies };
}

/**
 * Exports one span end to end with {@linkcode exportThroughConfigure} and reads back its JSONL
 * line and the OTLP bodies.
 *
 * @example
 * ```ts
 * const { line, stringValue } = await exportOneSpan((span) => span.setAttribute("k", "v"));
 * ```
 *
 * @param fn Records the span's attributes, events and status.
 * @param options Further `configure()` options (`env`, `resourceAttributes`, …).
 * @returns The span as exported.
 */
export async function exportOneSpan(
  fn: (span: Span) => void,
  options: Omit<ConfigureOptions, "storage" | "otlp"> = {},
): Promise<ExportedSpan> {
  let traceId = "";
  const { storage, bodies } = await exportThroughConfigure(() => {
    traceId = getTracer().withSpan("op", (span) => {
      fn(span);
      return span.traceId;
    });
  }, options);
  const [line] = await storage.readLines(["projects", "default", traceId, "spans.jsonl"]);
  const first = JSON.parse(bodies[0]).resourceSpans[0];
  const span: ExportedSpan["span"] = first.scopeSpans[0].spans[0];
  return {
    line,
    body: bodies.join("\n"),
    resource: first.resource,
    span,
    stringValue: (key) => span.attributes.find((a) => a.key === key)?.value.stringValue,
  };
}
