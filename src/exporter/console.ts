/**
 * A readable console exporter for development: one line per finished span with its duration,
 * status, ids and attributes.
 *
 * @module
 */
import { TracerError } from "../errors.ts";
import { printable } from "../printable.ts";
import { emptyReport } from "../processor/report.ts";
import type { SpanExporter } from "../processor/types.ts";
import type { FlushReport, SpanRecord } from "../types.ts";

/** Options of {@linkcode ConsoleSpanExporter}. */
export interface ConsoleSpanExporterOptions {
  /** Where lines go. Default `console.log`. */
  write?: ((line: string) => void) | undefined;
  /** Maximum characters shown per attribute value (a number >= 0). Default 80. */
  maxValueLength?: number | undefined;
}

function preview(value: unknown, max: number): string {
  const text = typeof value === "string"
    ? JSON.stringify(value)
    : JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

/**
 * Formats one span as a readable line. Control characters anywhere in it (a newline or a terminal
 * escape sequence in a span name, an attribute key or value) and bidi overrides are escaped as
 * `\uXXXX`, so a span is always one line and never styles or clears the terminal.
 *
 * @param span The span.
 * @param maxValueLength Maximum characters per attribute value.
 * @returns e.g. `12:00:01.250 ✓ fetch-user 12.3ms trace=4bf9… span=00f0… user.id=42`.
 */
export function formatSpanLine(span: SpanRecord, maxValueLength: number = 80): string {
  const time = new Date(span.startTime / 1e6).toISOString().slice(11, 23);
  const mark = span.status.code === "ERROR" ? "✗" : "✓";
  const ms = ((span.endTime - span.startTime) / 1e6).toFixed(1);
  const parts = [
    `${time} ${mark} ${span.name} ${ms}ms`,
    `trace=${span.traceId.slice(0, 8)}… span=${span.spanId.slice(0, 8)}…`,
  ];
  if (span.parentSpanId !== undefined) parts.push(`parent=${span.parentSpanId.slice(0, 8)}…`);
  if (span.status.code === "ERROR" && span.status.message) {
    parts.push(`error=${preview(span.status.message, maxValueLength)}`);
  }
  for (const key in span.attributes) {
    parts.push(`${key}=${preview(span.attributes[key], maxValueLength)}`);
  }
  for (const event of span.events) parts.push(`event:${event.name}`);
  return printable(parts.join(" "));
}

/**
 * Prints each finished span as one readable line.
 *
 * @example
 * ```ts
 * import { ConsoleSpanExporter, SimpleSpanProcessor, Tracer } from "@tracelet/tracelet";
 * const tracer = new Tracer({ processors: [new SimpleSpanProcessor(new ConsoleSpanExporter())] });
 * tracer.startSpan("hello").end();
 * await tracer.shutdown();
 * ```
 */
export class ConsoleSpanExporter implements SpanExporter {
  readonly #write: (line: string) => void;
  readonly #max: number;

  /**
   * Creates an exporter; by default it prints with `console.log` and shows at most 80
   * characters per attribute value.
   *
   * @param options Output function and preview length.
   * @throws {TracerError} `INVALID_CONFIG` when `write` is not a function or `maxValueLength`
   *   is not a number >= 0.
   */
  constructor(options: ConsoleSpanExporterOptions = {}) {
    const { write = (line: string) => console.log(line), maxValueLength = 80 } = options;
    if (typeof write !== "function") {
      throw new TracerError(
        "INVALID_CONFIG",
        "Cannot create the console exporter: `write` must be a function",
      );
    }
    if (typeof maxValueLength !== "number" || !(maxValueLength >= 0)) {
      throw new TracerError(
        "INVALID_CONFIG",
        "Cannot create the console exporter: `maxValueLength` must be a number >= 0",
      );
    }
    this.#write = write;
    this.#max = maxValueLength;
  }

  /**
   * Prints the spans.
   *
   * @param spans The batch.
   * @returns Every span counted as exported.
   */
  export(spans: readonly SpanRecord[]): Promise<FlushReport> {
    const result = emptyReport();
    for (const span of spans) {
      try {
        this.#write(formatSpanLine(span, this.#max));
        result.exported++;
      } catch {
        result.failed++;
      }
    }
    return Promise.resolve(result);
  }
}
