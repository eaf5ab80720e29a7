/**
 * The JSONL exporter: one flat JSON line per finished span, in dreadnode's `span_to_flat_dict`
 * shape, appended to the run's or the session's log in a storage adapter.
 *
 * Routing: a span with a session id goes to `sessions/<id>/chat_<id>.jsonl`; otherwise to
 * `projects/<project>/<run id>/spans.jsonl`, where the run id is `dreadnode.run.id` or, for spans
 * outside any run, the trace id (dreadnode silently drops those; tracelet keeps them).
 *
 * @module
 */
import {
  ATTR_AGENT_SESSION_ID,
  ATTR_PROJECT,
  ATTR_RUN_ID,
  ATTR_SESSION_ID,
} from "../attribute_keys.ts";
import { isoFromNs } from "../clock.ts";
import { report } from "../diagnostics.ts";
import { emptyReport } from "../processor/report.ts";
import type { SpanExporter } from "../processor/types.ts";
import type { StoragePath, TraceStorage } from "../storage/types.ts";
import type { Attributes, FlushReport, SpanRecord } from "../types.ts";

/** One JSONL line, as an object (keys in dreadnode's order). */
export interface FlatSpan {
  /** The W3C trace id (32 lowercase hex). */
  trace_id: string;
  /** The W3C span id (16 lowercase hex). */
  span_id: string;
  /** The parent span id, or null for a root span. */
  parent_id: string | null;
  /** The span name. */
  name: string;
  /** The span kind (`INTERNAL`, `SERVER`, `CLIENT`, `PRODUCER` or `CONSUMER`). */
  kind: string;
  /** The status code (`UNSET`, `OK` or `ERROR`); the description is not written. */
  status: string;
  /** Start time, ISO 8601 in UTC with microseconds (e.g. `2026-01-02T03:04:05.123456+00:00`). */
  start_time: string;
  /** End time, in the same format as `start_time`. */
  end_time: string;
  /** The span's attributes. */
  attributes: Attributes;
  /** The span's events, each with its time in the same format as `start_time`. */
  events: { name: string; timestamp: string; attributes: Attributes }[];
  /** The resource attributes (`service.name`, …). */
  resource: Attributes;
}

/**
 * Converts a finished span to its flat JSONL object.
 *
 * @param span The span.
 * @returns The flat object.
 */
export function toFlatSpan(span: SpanRecord): FlatSpan {
  return {
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_id: span.parentSpanId ?? null,
    name: span.name,
    kind: span.kind,
    status: span.status.code,
    start_time: isoFromNs(span.startTime),
    end_time: isoFromNs(span.endTime),
    attributes: span.attributes,
    events: span.events.map((e) => ({
      name: e.name,
      timestamp: isoFromNs(e.time),
      attributes: e.attributes,
    })),
    resource: span.resource.attributes,
  };
}

function sessionOf(span: SpanRecord): string | undefined {
  const id = span.attributes[ATTR_SESSION_ID] ?? span.attributes[ATTR_AGENT_SESSION_ID];
  return typeof id === "string" && id !== "" ? id : undefined;
}

/**
 * The storage path a span's line is written to.
 *
 * @param span The span.
 * @param project The project used when the span names none.
 * @returns Path segments.
 */
export function spanLogPath(span: SpanRecord, project: string): StoragePath {
  const session = sessionOf(span);
  if (session !== undefined) return ["sessions", session, `chat_${session}.jsonl`];
  const run = span.attributes[ATTR_RUN_ID];
  const spanProject = span.attributes[ATTR_PROJECT];
  return [
    "projects",
    typeof spanProject === "string" && spanProject !== "" ? spanProject : project,
    typeof run === "string" && run !== "" ? run : span.traceId,
    "spans.jsonl",
  ];
}

/** Options of {@linkcode JsonlSpanExporter}. */
export interface JsonlSpanExporterOptions {
  /** Where lines are written. */
  storage: TraceStorage;
  /** Project for spans that name none. Default `default`. */
  project?: string;
}

/**
 * Writes one flat JSON line per span into a storage adapter.
 *
 * @example
 * ```ts
 * import { BatchSpanProcessor, JsonlSpanExporter, MemoryStorage, Tracer } from "@tracelet/tracelet";
 * const storage = new MemoryStorage();
 * const tracer = new Tracer({ processors: [new BatchSpanProcessor(new JsonlSpanExporter({ storage }))] });
 * tracer.startSpan("hello").end();
 * await tracer.shutdown();
 * ```
 */
export class JsonlSpanExporter implements SpanExporter {
  readonly #storage: TraceStorage;
  readonly #project: string;

  /**
   * Creates an exporter writing into `options.storage`.
   *
   * @param options Storage and default project (default `default`).
   */
  constructor(options: JsonlSpanExporterOptions) {
    this.#storage = options.storage;
    this.#project = options.project ?? "default";
  }

  /**
   * Appends the spans' lines, one storage append per log.
   *
   * @param spans The batch.
   * @returns What was written; never rejects.
   */
  async export(spans: readonly SpanRecord[]): Promise<FlushReport> {
    const result = emptyReport();
    const byLog = new Map<string, { path: StoragePath; lines: string[] }>();
    for (const span of spans) {
      const path = spanLogPath(span, this.#project);
      const key = path.join("\u0000");
      let entry = byLog.get(key);
      if (entry === undefined) byLog.set(key, entry = { path, lines: [] });
      try {
        entry.lines.push(JSON.stringify(toFlatSpan(span)));
      } catch (error) {
        result.failed++;
        report(
          "error",
          "jsonl_encode_failed",
          "Cannot write a span line: it is not serializable",
          error,
        );
      }
    }
    await Promise.all([...byLog.values()].map(async ({ path, lines }) => {
      try {
        await this.#storage.appendLines(path, lines);
        result.exported += lines.length;
      } catch (error) {
        result.failed += lines.length;
        report(
          "error",
          "jsonl_write_failed",
          `Cannot append span lines to ${path.join("/")}`,
          error,
        );
      }
    }));
    return result;
  }
}
