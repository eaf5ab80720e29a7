/**
 * Builds the span pipeline of `configure()`: a tracer whose processors are a batch processor per
 * exporter (local JSONL, remote OTLP, console), each behind the redaction policy, the remote ones
 * (and local JSONL when asked) behind one tail-sampling processor when `tailSampling` is set, plus
 * the user's own processors.
 *
 * @module
 */
import { VERSION } from "./version.ts";
import { ConsoleSpanExporter } from "./exporter/console.ts";
import { JsonlSpanExporter } from "./exporter/jsonl.ts";
import type { ExitWriter } from "./runtime/_exit_sync.ts";
import { BatchSpanProcessor, DEFAULT_QUEUE_BYTES, DEFAULT_QUEUE_SIZE } from "./processor/batch.ts";
import { countAtLeastOne } from "./number_option.ts";
import type { BatchSpanProcessorOptions } from "./processor/batch_options.ts";
import { SimpleSpanProcessor } from "./processor/simple.ts";
import { notify, settleAll } from "./processor/fan_out.ts";
import { afterShutdownWatch } from "./processor/after_shutdown.ts";
import { TailSamplingProcessor } from "./processor/tail_sampling.ts";
import type { TailSamplingOptions } from "./processor/tail_sampling.ts";
import type { SpanExporter, SpanProcessor } from "./processor/types.ts";
import type { TraceStorage } from "./storage/types.ts";
import { Tracer, type TracerOptions } from "./tracer.ts";
import { RedactingExporter } from "./redact/redacting_exporter.ts";
import type { RedactionOptions } from "./redact/options.ts";
import { RedactionPolicy } from "./redact/policy.ts";
import { getRedactionPolicy } from "./redact/global.ts";
import type { Attributes } from "./types.ts";
import { samplerFromEnv } from "./sampling.ts";
import type { Sampler } from "./span_types.ts";
import { resolveResourceFromEnv } from "./otlp/resource_env.ts";
import { buildOtlpExporter, resolveTraceBackend } from "./exporter/otlp_factory.ts";
import type { OtlpExporterOptions, TraceBackend } from "./exporter/otlp_factory.ts";
import { envTracesExporters, isSdkDisabled, otlpEnvEndpoint } from "./exporter/_otlp_config.ts";
import { resolveCredentials } from "./exporter/_trace_backend.ts";
import type { FetchLike } from "./exporter/otlp_http_options.ts";
import { envBatchOptions } from "./otel_env_batch.ts";
import { envWarn } from "./env_warn.ts";
import { spanLimitsWithEnv } from "./otel_env_limits.ts";
import { checkEnvPropagators } from "./otel_env_propagators.ts";

/** Pipeline options shared by every preset's `configure()`. */
export interface PipelineOptions {
  /** `service.name`. Env `OTEL_SERVICE_NAME`, else `unknown_service`. */
  serviceName?: string | undefined;
  /** Extra resource attributes (merged over `OTEL_RESOURCE_ATTRIBUTES`). */
  resourceAttributes?: Attributes | undefined;
  /** Write one JSONL line per span into storage. Default true. */
  local?: boolean | undefined;
  /** Print spans readably to the console. Default: on when `OTEL_TRACES_EXPORTER` lists `console`. */
  console?: boolean | undefined;
  /**
   * Batch processor options for every exporter. Options left unset come from `OTEL_BSP_*`
   * (`SCHEDULE_DELAY`, `EXPORT_TIMEOUT`, `MAX_QUEUE_SIZE`, `MAX_EXPORT_BATCH_SIZE`).
   */
  batch?: BatchSpanProcessorOptions | undefined;
  /** Extra processors, called after tracelet's own. */
  processors?: readonly SpanProcessor[] | undefined;
  /**
   * Attribute, event and link limits. Limits left unset come from OpenTelemetry's attribute and
   * span limit variables (`OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, …; see `otel_env_limits.ts`).
   */
  limits?: TracerOptions["limits"] | undefined;
  /**
   * Which spans are sampled (reach the exporters and storage). Default: `OTEL_TRACES_SAMPLER` /
   * `OTEL_TRACES_SAMPLER_ARG`, else follow the parent's sampled flag and sample every root.
   */
  sampler?: Sampler | undefined;
  /**
   * The instrumentation scope name of the configured tracer (dreadnode's `otel_scope`), with
   * tracelet's version. Default `"tracelet"`.
   */
  otelScope?: string | undefined;
  /**
   * The redaction policy applied before every exporter (and to logged task data): a policy,
   * options for one (e.g. `{ extraKeys: ["session_key"] }`), or `false` to turn it off.
   * Default: the built-in key list and 2048-character string truncation.
   */
  redaction?: RedactionPolicy | RedactionOptions | false | undefined;
  /**
   * `"local"` writes only local JSONL; `"remote"` also exports to the dreadnode server and is an
   * error without `server`, `apiKey` and `organization`; unset means remote exactly when all
   * three are known (options, else `DREADNODE_SERVER`, `DREADNODE_API_KEY`,
   * `DREADNODE_ORGANIZATION`).
   */
  traceBackend?: TraceBackend | undefined;
  /** dreadnode server base URL. */
  server?: string | undefined;
  /** dreadnode API key (sent as `X-Api-Key`; never logged or stored). */
  apiKey?: string | undefined;
  /** dreadnode organization key. */
  organization?: string | undefined;
  /**
   * A generic OTLP/HTTP exporter: options, `true` for the `OTEL_EXPORTER_OTLP_*` environment, or
   * `false` to disable. Default: on when `OTEL_TRACES_EXPORTER` lists `otlp` (to
   * `http://localhost:4318/v1/traces` without an endpoint variable); when it is unset, on when
   * `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set; off when it
   * leaves `otlp` out (e.g. `none`).
   */
  otlp?: Omit<OtlpExporterOptions, "storage" | "compress"> | boolean | undefined;
  /**
   * Tail sampling of the OTLP and dreadnode exporters: each trace is held until its local root
   * ends, then kept (when a span failed, the root lasted `slowMillis`, or by `ratio`; or by your
   * `keep` rule) or dropped, whole. `local: true` samples the local JSONL lines too (by default
   * they keep every span); the console and your processors always see every span. Default off.
   */
  tailSampling?: (TailSamplingOptions & { local?: boolean | undefined }) | false | undefined;
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
  /**
   * Lists a writer to run synchronously when the process ends however it ends (the Node and
   * Deno presets; none where no process ends); returns its unlisting.
   */
  readonly writeAtExit?: ((writer: ExitWriter) => () => void) | undefined;
}

/** What {@linkcode buildPipeline} built; nothing of it is installed yet. */
export interface Pipeline {
  /** The tracer with its processors. */
  readonly tracer: Tracer;
  /** The process-wide redaction policy to install (undefined: the default policy). */
  readonly redaction: RedactionPolicy | undefined;
}

type OtlpOptions = Omit<OtlpExporterOptions, "storage" | "compress">;

/**
 * Internal option of {@linkcode buildPipeline} (the web preset's): wraps the `fetch` of every
 * OTLP exporter the pipeline builds (dreadnode, explicit `otlp`, or from the environment); it
 * receives the exporter's `fetch` option (`undefined` for the global one).
 */
export const WRAP_OTLP_FETCH: unique symbol = Symbol("tracelet.wrapOtlpFetch");

/** The options {@linkcode buildPipeline} takes. */
export type BuildOptions = PipelineOptions & {
  project: string;
  [WRAP_OTLP_FETCH]?: (fetch: FetchLike | undefined) => FetchLike;
};

/**
 * Builds the configured tracer without changing any process-wide state, so a configuration
 * error (it throws) leaves the installed pipeline, redaction policy and hook as they were.
 *
 * Two exporters can be built. The dreadnode exporter (`server` + `apiKey` + `organization`,
 * options else `DREADNODE_*`) is configured by those alone; the generic OTLP exporter reads the
 * `OTEL_EXPORTER_OTLP_*` variables. `OTEL_SDK_DISABLED=true` turns both automatic choices off
 * (explicit `otlp` or `traceBackend: "remote"` options still export); local JSONL, the console
 * and your processors stay on. `OTEL_TRACES_EXPORTER` chooses the automatic generic exporters:
 * `otlp` (on even without an endpoint variable: then to localhost:4318), `console`, or `none`;
 * explicit `otlp` and `console` options win. Unknown entries are reported and ignored. The batch
 * options and span limits left unset come from the `OTEL_BSP_*` and limit variables, and
 * `OTEL_PROPAGATORS` is checked (a propagator tracelet lacks is reported). Once the tracer is shut
 * down, tracelet's processors drop the spans that end; the first such span is reported
 * (`after_shutdown`, once per pipeline).
 *
 * While the pipeline is the configured one, its exporters redact with the process-wide policy
 * (which `configure()` sets from `redaction`, and `setRedactionPolicy()` can change). A later
 * `configure()` fixes them to that policy ({@linkcode pinRedaction}) before installing its own,
 * so spans still queued here are never exported under the next configuration's policy.
 *
 * @param options The user's options, with the project resolved.
 * @param parts Runtime facts.
 * @returns The tracer and the redaction policy to install.
 * @throws {TracerError} For invalid exporter options or missing remote credentials.
 */
export function buildPipeline(
  options: BuildOptions,
  parts: PipelineParts,
): Pipeline {
  const processors: SpanProcessor[] = [];
  const tail = options.tailSampling || undefined;
  // The batch processors behind tail sampling, when it is on.
  const sampled: SpanProcessor[] = [];
  const remote = tail === undefined ? processors : sampled;
  const redaction = resolveRedaction(options.redaction);
  let pinned: RedactionPolicy | undefined;
  const policy = () => pinned ?? getRedactionPolicy();
  // Explicit options win field by field over the OTEL_BSP_* variables; `timers: undefined` is the
  // runtime's, as when it is left out (false on Workers).
  const batch: BatchSpanProcessorOptions = {
    ...options.batch,
    ...envBatchOptions(parts.env, options.batch),
  };
  batch.timers ??= parts.timers;
  // The tail sampling in front of the local files (`tailSampling.local`), kept at a crash.
  let sampling: TailSamplingProcessor | undefined;
  const batched = (exporter: SpanExporter) =>
    new BatchSpanProcessor(new RedactingExporter(exporter, policy), batch);
  if (options.local !== false) {
    const jsonl = new JsonlSpanExporter({ storage: parts.storage, project: options.project });
    const local = batched(jsonl);
    // A process ended by an uncaught error or `process.exit()` runs no flush: the batch being
    // appended and the spans queued for the local files are written then, synchronously (with a
    // file storage), until the pipeline shuts down.
    const unlist = parts.writeAtExit?.({
      writeNow(final) {
        // Not where the program may still handle the error and run on (Deno): the append may
        // land after all, and tail sampling would keep traces it should decide.
        if (final !== false) {
          jsonl.exportInFlightSync();
          sampling?.keepBuffered(); // spans a tail-sampled trace holds until its root ends
        }
        local.exportQueuedSync();
      },
    });
    (tail?.local === true ? sampled : processors).push(local, { shutdown: unlist });
  }
  const wrap = options[WRAP_OTLP_FETCH];
  const otlp = ({ fetch, ...extra }: OtlpOptions, env = parts.env) =>
    buildOtlpExporter({
      ...extra,
      // Wrapped only when usable: a bad option or a runtime without fetch is the factory's error.
      fetch: wrap && typeof (fetch ?? globalThis.fetch) === "function" ? wrap(fetch) : fetch,
      storage: parts.storage,
      compress: parts.compress,
    }, env);
  // An exporter only the environment asks for: without fetch here, reported rather than thrown (a
  // variable set for the whole fleet must not make configure() fail; the option still throws).
  const fromEnv = (name: string, given: OtlpOptions) => {
    if (typeof globalThis.fetch === "function") remote.push(batched(otlp(given)));
    else envWarn(name, "this runtime has no fetch", "OTLP export");
  };
  const disabled = isSdkDisabled(parts.env);
  // Read only when something depends on it (one invalid_env report at most).
  const auto = options.otlp === undefined || options.console === undefined
    ? envTracesExporters(parts.env)
    : undefined;
  const backend = options.traceBackend ?? (disabled ? "local" : undefined);
  const credentials = backend === "local" ? {} : resolveCredentials(options, parts.env);
  if (resolveTraceBackend(backend, credentials) === "remote") {
    remote.push(batched(otlp(credentials, () => undefined)));
  }
  if (options.otlp === true) {
    remote.push(batched(otlp({})));
  } else if (typeof options.otlp === "object") {
    remote.push(batched(otlp(options.otlp)));
  } else if (options.otlp === undefined && !disabled && auto?.otlp === true) {
    // Listed in OTEL_TRACES_EXPORTER: on as with `otlp: true` (the endpoint variables' URL, else
    // http://localhost:4318/v1/traces).
    fromEnv("OTEL_TRACES_EXPORTER", {});
  } else if (options.otlp === undefined && !disabled && auto === undefined) {
    // Auto: on only when an endpoint variable holds a usable URL (an unusable one is reported).
    const endpoint = otlpEnvEndpoint(parts.env);
    if (endpoint !== undefined) fromEnv("OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT", { endpoint });
  }
  if (sampled.length > 0) {
    // Shutdown hands buffered spans on in chunks the batch queues behind it can hold.
    // `handOverChunk: undefined` is this default, as when it is left out.
    const tailOptions = { ...tail };
    tailOptions.handOverChunk ??= {
      spans: countAtLeastOne(batch.maxQueueSize, DEFAULT_QUEUE_SIZE),
      bytes: countAtLeastOne(batch.maxQueueBytes, DEFAULT_QUEUE_BYTES),
    };
    const tailSampling = new TailSamplingProcessor(
      sampled.length === 1 ? sampled[0] : fanOut(sampled),
      tailOptions,
    );
    if (tail?.local === true) sampling = tailSampling;
    processors.push(tailSampling);
  }
  if (options.console ?? (!disabled && auto?.console === true)) {
    processors.push(
      new SimpleSpanProcessor(new RedactingExporter(new ConsoleSpanExporter(), policy)),
    );
  }
  // Spans ending once these processors are shut down are dropped: the first is reported.
  if (processors.length > 0) processors.push(afterShutdownWatch());
  if (options.processors) processors.push(...options.processors);
  checkEnvPropagators(parts.env);
  const tracer = new Tracer({
    processors,
    resource: resolveResourceFromEnv(
      {
        serviceName: options.serviceName,
        attributes: options.resourceAttributes,
        sdkLanguage: parts.sdkLanguage,
      },
      parts.env,
    ),
    // Explicit limits win field by field over the environment's.
    limits: spanLimitsWithEnv(parts.env, options.limits),
    sampler: options.sampler ?? samplerFromEnv(parts.env),
    scope: options.otelScope === undefined
      ? undefined
      : { name: options.otelScope, version: VERSION },
  });
  pins.set(tracer, () => void (pinned ??= getRedactionPolicy()));
  return { tracer, redaction };
}

const pins = new WeakMap<Tracer, () => void>();

/**
 * Fixes the redaction policy of a pipeline's exporters to the process-wide policy of this moment
 * (for good). `configure()` calls it on the pipeline it replaces before installing the new
 * configuration's policy. Does nothing for a tracer {@linkcode buildPipeline} did not build.
 *
 * @param tracer The tracer of a built pipeline.
 */
export function pinRedaction(tracer: Tracer): void {
  pins.get(tracer)?.();
}

/** One processor handing kept spans to several (each isolated, as the tracer's are). */
function fanOut(processors: readonly SpanProcessor[]): SpanProcessor {
  return {
    onSpanEnd: (span) => notify(processors, "onSpanEnd", span),
    forceFlush: (deadline?: number) => settleAll(processors, "forceFlush", deadline),
    shutdown: (deadline) => settleAll(processors, "shutdown", deadline),
  };
}

/** The policy a `redaction` option asks for; undefined (unset) means the default policy. */
function resolveRedaction(
  option: RedactionPolicy | RedactionOptions | false | undefined,
): RedactionPolicy | undefined {
  if (option === undefined) return undefined;
  if (option === false) return new RedactionPolicy({ enabled: false });
  try {
    if (option instanceof RedactionPolicy) return option;
  } catch {
    // A revoked proxy: read as (unreadable) options.
  }
  return new RedactionPolicy(option);
}
