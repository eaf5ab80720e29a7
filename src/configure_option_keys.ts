/**
 * The keys `configure()` takes, nested option objects included, for reporting the ones no option
 * has (`unknown_option`). Each list is typed as a record of every key of its option type, so the
 * type checker fails when an option is added to a type but not to its list. Lists whose type is
 * declared in a file of its own live next to it (`REDACTION_OPTION_KEYS`,
 * `TAIL_SAMPLING_OPTION_KEYS`, `OTLP_CONFIG_OPTION_KEYS`); the others are here.
 *
 * @module
 */
import type { SpanLimits } from "./attributes.ts";
import type { PipelineOptions } from "./pipeline.ts";
import type { OtlpExporterOptions, OutboxRetryOptions } from "./exporter/otlp_factory.ts";
import type { RetryOptions } from "./exporter/_retry.ts";
import { OTLP_CONFIG_OPTION_KEYS } from "./exporter/_otlp_config.ts";
import type { BatchSpanProcessorOptions } from "./processor/batch_options.ts";
import type { TailSamplingOptions } from "./processor/tail_sampling_options.ts";
import { TAIL_SAMPLING_OPTION_KEYS } from "./processor/tail_sampling_options.ts";
import { REDACTION_OPTION_KEYS } from "./redact/options.ts";
import type { WorkerConfigureOptions } from "./runtime/worker.ts";
import type { OptionShape } from "./unknown_options.ts";

type OtlpOptions = Exclude<PipelineOptions["otlp"], boolean | undefined>;
type TailOptions = Exclude<PipelineOptions["tailSampling"], false | undefined>;
type HandOverChunk = NonNullable<TailSamplingOptions["handOverChunk"]>;

const BATCH: OptionShape = {
  keys: {
    maxQueueSize: true,
    maxQueueBytes: true,
    maxExportBatchSize: true,
    exportTriggerSize: true,
    scheduledDelayMillis: true,
    exportTimeoutMillis: true,
    timers: true,
    dropPolicy: true,
  } satisfies Record<keyof BatchSpanProcessorOptions, true>,
  // Its name before 0.1.0 (`scheduleDelayMs` and `exportTimeoutMs` are close enough to theirs).
  aliases: { maxBatchSize: "maxExportBatchSize" },
};

const LIMITS: OptionShape = {
  keys: {
    attributeCountLimit: true,
    attributeValueLengthLimit: true,
    eventCountLimit: true,
    linkCountLimit: true,
    attributePerEventCountLimit: true,
  } satisfies Record<keyof SpanLimits, true>,
};

const RETRY: OptionShape = {
  keys: {
    maxAttempts: true,
    initialDelayMillis: true,
    maxDelayMillis: true,
    multiplier: true,
  } satisfies Record<keyof RetryOptions, true>,
};

const OUTBOX: OptionShape = {
  keys: {
    initialDelayMillis: true,
    maxDelayMillis: true,
    maxAttempts: true,
    maxDeliveriesPerDrain: true,
  } satisfies Record<keyof OutboxRetryOptions, true>,
  // Their names before 0.1.0 (now those of `retry`).
  aliases: { initialBackoffMillis: "initialDelayMillis", maxBackoffMillis: "maxDelayMillis" },
};

const OTLP_KEYS = {
  ...OTLP_CONFIG_OPTION_KEYS,
  fetch: true,
  retry: RETRY,
  attemptTimeoutMillis: true,
  maxConcurrentRequests: true,
  outboxRetry: OUTBOX,
} as const satisfies Record<keyof OtlpOptions, true | OptionShape>;

const OTLP: OptionShape = {
  keys: OTLP_KEYS,
  // `url`: OpenTelemetry JS's name, and the resolved configuration's (`resolveOtlpConfig`).
  // `outbox`: the name `outboxRetry` had before 0.1.0.
  aliases: { url: "endpoint", outbox: "outboxRetry" },
};

/** The keys of `createOtlpExporter()`'s options: `configure()`'s `otlp`, and what presets fill in. */
export const OTLP_EXPORTER_OPTION_SHAPE: OptionShape = {
  keys: { ...OTLP_KEYS, storage: true, compress: true } satisfies Record<
    keyof OtlpExporterOptions,
    true | OptionShape
  >,
  aliases: OTLP.aliases,
};

const TAIL_SAMPLING: OptionShape = {
  keys: {
    ...TAIL_SAMPLING_OPTION_KEYS,
    handOverChunk: {
      keys: { spans: true, bytes: true } satisfies Record<keyof HandOverChunk, true>,
    },
    local: true,
  } satisfies Record<keyof TailOptions, true | OptionShape>,
};

/**
 * The keys of `configure()`'s options in every preset, with the shapes of its option objects
 * (`otlp`, `batch`, `limits`, `tailSampling`, `redaction` and theirs). `asyncLocalStorage` is the
 * Workers preset's; the `./auto` entry passes it to every preset, and the others ignore it.
 */
export const CONFIGURE_OPTION_SHAPE: OptionShape = {
  keys: {
    serviceName: true,
    resourceAttributes: true,
    local: true,
    console: true,
    batch: BATCH,
    processors: true,
    limits: LIMITS,
    sampler: true,
    otelScope: true,
    redaction: { keys: REDACTION_OPTION_KEYS },
    traceBackend: true,
    server: true,
    apiKey: true,
    organization: true,
    otlp: OTLP,
    tailSampling: TAIL_SAMPLING,
    storage: true,
    storageRoot: true,
    project: true,
    diagnostics: true,
    env: true,
    asyncLocalStorage: true,
  } satisfies Record<keyof WorkerConfigureOptions, true | OptionShape>,
  // Options of the OTLP exporter written one level too high, and names of other SDKs.
  aliases: {
    endpoint: "otlp.endpoint",
    url: "otlp.endpoint",
    headers: "otlp.headers",
    service: "serviceName",
    redact: "redaction",
  },
};
