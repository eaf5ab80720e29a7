/**
 * Builds the span pipeline of `configure()`: a tracer whose processors are a batch processor per
 * exporter (local JSONL, remote OTLP, console), each behind the redaction policy, plus the user's
 * own processors.
 *
 * @module
 */
import type { SpanLimits } from "./attributes.ts";
import { ConsoleSpanExporter } from "./exporter/console.ts";
import { JsonlSpanExporter } from "./exporter/jsonl.ts";
import { BatchSpanProcessor } from "./processor/batch.ts";
import type { BatchSpanProcessorOptions } from "./processor/batch.ts";
import { SimpleSpanProcessor } from "./processor/simple.ts";
import type { SpanExporter, SpanProcessor } from "./processor/types.ts";
import type { TraceStorage } from "./storage/types.ts";
import { Tracer } from "./tracer.ts";
import { RedactingExporter } from "./redact/redacting_exporter.ts";
import { setRedactionPolicy } from "./redact/global.ts";
import type { RedactionOptions } from "./redact/options.ts";
import type { RedactionPolicy } from "./redact/policy.ts";
import type { Attributes } from "./types.ts";
import { resolveResourceFromEnv } from "./otlp/resource_env.ts";
import { createOtlpExporter, resolveTraceBackend } from "./exporter/otlp_factory.ts";
import type { OtlpExporterOptions, TraceBackend } from "./exporter/otlp_factory.ts";

/** Pipeline options shared by every preset's `configure()`. */
export interface PipelineOptions {
  /** `service.name`. Env `OTEL_SERVICE_NAME`, else `unknown_service`. */
  serviceName?: string;
  /** Extra resource attributes (merged over `OTEL_RESOURCE_ATTRIBUTES`). */
  resourceAttributes?: Attributes;
  /** Write one JSONL line per span into storage. Default true. */
  local?: boolean;
  /** Print spans readably to the console. Default false. */
  console?: boolean;
  /** Batch processor options for every exporter. */
  batch?: BatchSpanProcessorOptions;
  /** Extra processors, called after tracelet's own. */
  processors?: readonly SpanProcessor[];
  /** Attribute, event and link limits. */
  limits?: Partial<SpanLimits>;
  /**
   * The redaction policy applied before every exporter (and to logged task data): a policy,
   * options for one (e.g. `{ extraKeys: ["session_key"] }`), or `false` to turn it off.
   * Default: the built-in key list and 2048-character string truncation.
   */
  redaction?: RedactionPolicy | RedactionOptions | false;
  /**
   * `"local"` writes only local JSONL; `"remote"` also exports to the dreadnode server and is an
   * error without `server`, `apiKey` and `organization`; unset means remote exactly when all
   * three are known (options, else `DREADNODE_SERVER`, `DREADNODE_API_KEY`,
   * `DREADNODE_ORGANIZATION`).
   */
  traceBackend?: TraceBackend;
  /** dreadnode server base URL. */
  server?: string;
  /** dreadnode API key (sent as `X-Api-Key`; never logged or stored). */
  apiKey?: string;
  /** dreadnode organization key. */
  organization?: string;
  /**
   * A generic OTLP/HTTP exporter: options, `true` for the `OTEL_EXPORTER_OTLP_*` environment, or
   * `false` to disable. Default: on when `OTEL_EXPORTER_OTLP_ENDPOINT` or
   * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set.
   */
  otlp?: Omit<OtlpExporterOptions, "storage" | "compress"> | boolean;
}

/** Runtime facts the pipeline needs. */
export interface PipelineParts {
  /** The storage adapter (JSONL lines, outbox). */
  readonly storage: TraceStorage;
  /** Reads environment variables. */
  readonly env: (name: string) => string | undefined;
  /** A fast gzip, when the runtime has one. */
  readonly compress?: (bytes: Uint8Array) => Promise<Uint8Array>;
  /** Whether background timers are allowed. */
  readonly timers: boolean;
  /** `telemetry.sdk.language` (`nodejs` on Node, Deno and Bun; `webjs` elsewhere). */
  readonly sdkLanguage?: string;
}

/**
 * Builds the configured tracer.
 *
 * @param options The user's options, with the project resolved.
 * @param parts Runtime facts.
 * @returns The tracer.
 */
export function buildPipeline(
  options: PipelineOptions & { project: string },
  parts: PipelineParts,
): Tracer {
  const processors: SpanProcessor[] = [];
  if (options.redaction !== undefined) {
    setRedactionPolicy(options.redaction === false ? { enabled: false } : options.redaction);
  }
  // Exporters read the process-wide policy at every export, so later changes apply too.
  const batched = (exporter: SpanExporter) =>
    new BatchSpanProcessor(new RedactingExporter(exporter), {
      timers: parts.timers,
      ...options.batch,
    });
  if (options.local !== false) {
    processors.push(
      batched(new JsonlSpanExporter({ storage: parts.storage, project: options.project })),
    );
  }
  const otlp = (extra: Omit<OtlpExporterOptions, "storage" | "compress">) =>
    createOtlpExporter({ ...extra, storage: parts.storage, compress: parts.compress }, parts.env);
  const credentials = {
    server: options.server ?? parts.env("DREADNODE_SERVER"),
    apiKey: options.apiKey ?? parts.env("DREADNODE_API_KEY"),
    organization: options.organization ?? parts.env("DREADNODE_ORGANIZATION"),
  };
  if (resolveTraceBackend(options.traceBackend, credentials) === "remote") {
    processors.push(batched(otlp(credentials)));
  }
  const otlpFromEnv = parts.env("OTEL_EXPORTER_OTLP_ENDPOINT") !== undefined ||
    parts.env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") !== undefined;
  if (options.otlp === true || (options.otlp === undefined && otlpFromEnv)) {
    processors.push(batched(otlp({})));
  } else if (typeof options.otlp === "object") {
    processors.push(batched(otlp(options.otlp)));
  }
  if (options.console === true) {
    processors.push(new SimpleSpanProcessor(new RedactingExporter(new ConsoleSpanExporter())));
  }
  if (options.processors) processors.push(...options.processors);
  return new Tracer({
    processors,
    resource: resolveResourceFromEnv(
      {
        serviceName: options.serviceName,
        attributes: options.resourceAttributes,
        sdkLanguage: parts.sdkLanguage,
      },
      parts.env,
    ),
    limits: options.limits,
  });
}
