// The input types take `undefined` wherever the runtime does, also for a program compiled with
// `exactOptionalPropertyTypes` (where `?: T` alone refuses an explicit `undefined`): a value read
// from a provider response or an unset environment variable (`string | undefined`) can be passed
// as is, and `@openai/agents-core`'s spans (whose `tracingApiKey` getter is `string | undefined`)
// reach tracelet's agent processors. So do the nested ones (`limits`, `tailSampling`'s
// `handOverChunk`), the events layer's and the task layer's options, and what a custom storage,
// outbox, socket, preset or processor hands back (the README's promise: "every optional input
// also takes `undefined`"). `deno check` cannot test this (the flag is off), so a small
// consumer program is compiled with the repository's TypeScript (`tsc` of package.json) against
// the sources; only its own diagnostics count (the sources are not written for the flag).
// And an explicit `undefined` means what leaving the option out means, also where `configure()`
// fills in a default of its own (`batch.timers`, `tailSampling.handOverChunk`).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { configure, configureWith, MemoryStorage, type Span } from "../mod.ts";
import { portableParts } from "../src/portable.ts";
import { repoRoot } from "./_support/child_module.ts";
import { withTempDir } from "./_support/files.ts";
import { isolated } from "./_support/global_state.ts";
import { isWorkerd } from "./_support/runtime.ts";
import { traceLineCount } from "./_support/trace_lines.ts";

const CONSUMER = `
import {
  type Span, TaskSpan, Tracer, type LinkInput, type SpanContext, type SpanStatus, type TraceInfo,
} from "ROOT/mod.ts";
import {
  AgentSpan, AgentTrace, agentSpan, BatchTraceProcessor, customSpan, functionSpan, generationSpan,
  guardrailSpan, handoffSpan, mcpToolsSpan, responseSpan, speechGroupSpan, speechSpan,
  TraceletAgentsProcessor, transcriptionSpan, type GenerationUsage,
} from "ROOT/src/agents/mod.ts";
import {
  analyzeTraceDir, configure, configureWith, continueTask, emitContinuationDecision,
  emitGuardrailDecision, emitModelRequestObserved, emitModelResponseObserved,
  emitModelSelectionDecision, emitRouterDecision, emitToolInvocationObserved,
  emitToolResultObserved, emitToolSelectionDecision, emitWorkflowStepResult, emptyReport,
  mergeReport, Metric, pushUpdate, RedactionPolicy, resolveTraceBackend, startTask, studySpan,
  type EnqueueResult, type ExportOutbox, type LocalFiles, type Outbox, type RuntimeParts,
  type SpanShape, type TraceCarrier, type TraceDirReader, type TraceView, type WebSocketLike,
} from "ROOT/mod.ts";
import { configure as configureNode } from "ROOT/src/runtime/node.ts";
import {
  type KeyedPage, type R2ObjectLike, type R2ObjectsLike, R2Storage,
} from "ROOT/src/storage/cloudflare_r2.ts";
import type { KVListResultLike } from "ROOT/src/storage/cloudflare_kv.ts";

declare const text: string | undefined;
declare const count: number | undefined;
declare const flag: boolean | undefined;
declare const record: Record<string, unknown> | undefined;

// The span layer's inputs.
const tracer = new Tracer();
const parent: SpanContext = {
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  spanId: "00f067aa0ba902b7",
  traceFlags: 1,
  traceState: text,
  isRemote: flag,
};
const link: LinkInput = { context: parent, attributes: record };
const span = tracer.startSpan("s", { parent, links: [link] });
span.setStatus({ code: "ERROR", message: text });
span.setStatus({ code: 2, message: text });
const status: SpanStatus = { code: "ERROR", message: text };
const trace: TraceInfo = { traceId: parent.traceId, name: "n", groupId: text, metadata: record };
span.end();

// The agent layer's factories, each option given as possibly undefined.
const usage: GenerationUsage = { input_tokens: count, output_tokens: count, details: undefined };
const generation = generationSpan({
  model: text, usage, input: undefined, output: undefined, modelConfig: record,
});
generation.spanData.model = text;
generation.spanData.usage = undefined;
agentSpan("a", { outputType: text, tools: undefined, handoffs: undefined });
functionSpan("f", { input: text, output: text, mcpData: undefined });
responseSpan({ response: { id: text, model: text, usage: undefined }, input: text });
handoffSpan({ fromAgent: text, toAgent: text });
customSpan("c", { data: record });
guardrailSpan("g", { triggered: flag });
transcriptionSpan({ model: text, input: text, inputFormat: text, output: text, modelConfig: record });
speechSpan({
  model: text, input: text, output: text, outputFormat: text, modelConfig: record,
  firstContentAt: text,
});
speechGroupSpan({ input: text });
mcpToolsSpan({ server: text, result: undefined });

// @openai/agents-core's shapes (its Span's getters, its Trace's fields, its processor interface).
declare class SdkSpan {
  type: "trace.span";
  get traceId(): string;
  get spanId(): string;
  get parentId(): string | null;
  get spanData(): { type: "agent"; name: string };
  get error(): { message: string; data?: Record<string, any> } | null;
  get startedAt(): string | null;
  get endedAt(): string | null;
  get tracingApiKey(): string | undefined;
  toJSON(): object | null;
}
declare class SdkTrace {
  type: "trace";
  traceId: string;
  name: string;
  groupId: string | null;
  metadata?: Record<string, any>;
  tracingApiKey?: string;
  toJSON(): object | null;
}
interface SdkTracingProcessor {
  start?(): void;
  onTraceStart(trace: SdkTrace): Promise<void>;
  onTraceEnd(trace: SdkTrace): Promise<void>;
  onSpanStart(span: SdkSpan): Promise<void>;
  onSpanEnd(span: SdkSpan): Promise<void>;
  shutdown(timeout?: number): Promise<void>;
  forceFlush(): Promise<void>;
}
const bridged: SdkTracingProcessor = new TraceletAgentsProcessor();
const batched: SdkTracingProcessor = new BatchTraceProcessor({ export: () => {} });

export { batched, bridged, status, trace };

// configure() and the Tracer: every option, nested ones included (the README trial's program).
const u = undefined;
configureNode({
  serviceName: u, otelScope: u, resourceAttributes: u, project: u, storage: u, storageRoot: u,
  local: u, console: u, traceBackend: u, server: u, apiKey: u, organization: u, processors: u,
  sampler: u, diagnostics: u, env: u,
  otlp: {
    endpoint: u, headers: u, protocol: u, compression: u, timeoutMillis: u,
    retry: { maxAttempts: u }, attemptTimeoutMillis: u, maxConcurrentRequests: u, fetch: u,
    outboxRetry: { initialDelayMillis: u },
  },
  batch: {
    maxQueueSize: u, maxQueueBytes: u, maxExportBatchSize: u, exportTriggerSize: u,
    scheduledDelayMillis: u, exportTimeoutMillis: u, dropPolicy: u, timers: u,
  },
  redaction: { enabled: u, keys: u, extraKeys: u, mode: u, replacement: u, maxStringLength: u },
});
configure({
  limits: {
    attributeCountLimit: count, attributeValueLengthLimit: count, eventCountLimit: count,
    linkCountLimit: count, attributePerEventCountLimit: count,
  },
  tailSampling: { ratio: count, local: flag, handOverChunk: { spans: count, bytes: count } },
});
new Tracer({ limits: { eventCountLimit: count } });
declare const parts: RuntimeParts;
configureWith({ ...parts, files: undefined, compress: undefined, sdkLanguage: text });
declare const files: LocalFiles;
void files.listFiles("dir", { recursive: flag });
resolveTraceBackend(undefined, { server: text, apiKey: text, organization: text });
mergeReport(emptyReport(), { exported: count, retried: count, dropped: undefined });
new RedactionPolicy().redactValue("v", { truncate: flag });
new RedactionPolicy().redactText("t", { truncate: flag });

// The classes' own constructors (the factories build them; a converter may too).
const agentTrace = new AgentTrace({
  name: "t", traceId: "trace_0", tracer: undefined, groupId: text, metadata: record,
  providerName: text, startTime: count, tracingApiKey: text,
});
new AgentSpan({
  data: { type: "custom", name: "c", data: {} }, trace: agentTrace, parent: undefined,
  spanId: "span_0", explicitParent: false, tracer: undefined, toolCallId: text,
  providerName: text, startTime: count,
});
declare const coreSpan: Span;
new TaskSpan({
  span: coreSpan, taskId: "t", runId: "r", project: "p", parent: undefined, storage: undefined,
  files: undefined, arguments: undefined, baggage: text,
});

// The task layer.
void pushUpdate({ waitMs: count });
startTask("t", {}, { remoteParent: undefined, arguments: undefined, baggage: text });
new Metric(1, { step: count, timestamp: undefined, attributes: record });
declare const nullableText: string | null | undefined;
studySpan("s", {
  assessmentId: nullableText, attackName: nullableText, goal: nullableText,
  goalCategory: nullableText, category: nullableText, subCategory: nullableText,
  transforms: undefined, targetModel: nullableText, attackerModel: nullableText,
  evaluatorModel: nullableText, attackDomain: nullableText, distanceNorm: nullableText,
  inputModality: nullableText,
});
const carrier: TraceCarrier = { traceparent: text, tracestate: text, baggage: text };
continueTask({ task_id: "t", task_name: "n", project: "p", trace_context: carrier });

// The events layer.
emitRouterDecision({
  source: "s", alternatives: [], selectedToolName: text, selectedIndex: count, reason: text,
});
emitModelSelectionDecision({
  modelId: "m", provider: "p", rationale: text, policyId: text, catalogSignature: text,
  candidateCount: count,
});
emitToolSelectionDecision({ source: "s", toolName: "t", reason: text });
emitContinuationDecision({ step: 1, shouldContinue: true, reason: text, source: "s" });
emitGuardrailDecision({ guardrail: "g", decision: "d", reason: text });
emitModelRequestObserved({ source: "s", model: text, requestPayload: 1, metadata: record });
emitModelResponseObserved({ source: "s", metadata: record });
emitToolInvocationObserved({
  toolName: "t", sourceId: "s", requestId: "r", toolInput: 1, dependencyKeys: undefined,
  metadata: record,
});
emitToolResultObserved({ toolName: "t", sourceId: "s", ok: flag, metadata: record });
emitWorkflowStepResult({
  stepId: "s", stepType: "t", status: "ok", success: true, metadata: record,
});
const shape: SpanShape = { name: text, kind: undefined, attributes: record, error: text };
void analyzeTraceDir({ traceDir: "traces", reader: undefined });
type ListOptions = NonNullable<Parameters<TraceDirReader["listFiles"]>[1]>;
const listOptions: ListOptions = { recursive: true, onSkip: () => {}, followLink: undefined };

// What custom storage, outboxes, sockets and processors hand back.
declare const outbox: Outbox;
const customOutbox: Outbox = { ...outbox, maxDeliveriesPerDrain: count, volatile: flag };
const enqueued: EnqueueResult = { accepted: true, rejected: undefined, evicted: [], expired: u };
declare const exportOutbox: ExportOutbox;
const customExportOutbox: ExportOutbox = { ...exportOutbox, volatile: flag };
declare const socket: WebSocketLike;
const customSocket: WebSocketLike = { ...socket, bufferedAmount: count };
const view: TraceView = {
  type: "trace", traceId: "t", name: "n", groupId: null, metadata: record, tracingApiKey: text,
  toJSON: () => null,
};
declare const bucket: ConstructorParameters<typeof R2Storage>[0];
new R2Storage(bucket, { prefix: text });
const page: KeyedPage = { entries: [{ key: "k", metadata: undefined }], cursor: text };
const object: R2ObjectLike = { key: "k", customMetadata: undefined };
const objects: R2ObjectsLike = { objects: [object], truncated: false, cursor: text };
const keys: KVListResultLike = { keys: [], list_complete: true, cursor: text };

export {
  customExportOutbox, customOutbox, customSocket, enqueued, keys, listOptions, objects, page,
  shape, view,
};

// The one error expected, which shows the consumer was type-checked.
export const sentinel: number = "sentinel";
`;

describe("input types under exactOptionalPropertyTypes", () => {
  // workerd has no file system and no processes: the compiler runs on the other runtimes.
  const root = isWorkerd ? "" : repoRoot();
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const skip = isWorkerd
    ? "needs a file system and processes"
    : !existsSync(tsc) || spawnSync("node", ["--version"]).status !== 0
    ? "needs node and the repository's TypeScript (npm ci)"
    : false;

  it("take undefined where the runtime does", { skip, timeout: 120_000 }, async () => {
    await withTempDir("tracelet-eopt-", async (dir) => {
      await writeFile(
        join(dir, "consumer.ts"),
        CONSUMER.replaceAll("ROOT", root.replace(/\/$/, "")),
      );
      await writeFile(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "es2022",
            lib: ["es2023", "dom", "esnext.disposable"],
            module: "nodenext",
            moduleResolution: "nodenext",
            strict: true,
            exactOptionalPropertyTypes: true,
            allowImportingTsExtensions: true,
            noEmit: true,
            skipLibCheck: true,
            types: ["node"],
            typeRoots: [join(root, "node_modules", "@types")],
          },
          files: ["consumer.ts"],
        }),
      );
      const result = spawnSync("node", [tsc, "-p", dir, "--pretty", "false"], {
        cwd: dir,
        encoding: "utf8",
        timeout: 110_000,
      });
      const output = `${result.stdout}${result.stderr}`;
      assert.ok(result.status !== null, `tsc did not finish: ${output.slice(0, 2000)}`);
      // Only the consumer's diagnostics count, not those of the sources.
      const own = output.split("\n").filter((line) => line.includes("consumer.ts("));
      assert.equal(own.length, 1, `the consumer compiles but for the sentinel:\n${own.join("\n")}`);
      assert.match(own[0], /error TS2322: Type 'string' is not assignable to type 'number'/);
    });
  });
});

describe("an explicit undefined option is as if left out", () => {
  it("configure({ batch: { timers: undefined } }) keeps the runtime's timers off (Workers)", () =>
    isolated(async () => {
      const storage = new MemoryStorage();
      // The storage as an option: a runtime part's storage factory is not called when an earlier
      // configuration's storage for the same root is reused (as in a run of every test file).
      const parts = { ...portableParts, timers: false };
      const tracing = configureWith(parts, {
        storage,
        env: () => undefined,
        batch: { scheduledDelayMillis: 1, timers: undefined },
      });
      const span = tracing.tracer.startSpan("s", { parent: null });
      span.end();
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Counted in the whole storage, not one log's path (which a context left by another test
      // file in the same process could move).
      assert.equal(storage.stats().lineBytes, 0, "no timer exported the span");
      const report = await tracing.shutdown();
      assert.equal(report.exported, 1, `the flush exported it: ${JSON.stringify(report)}`);
      assert.ok(storage.stats().lineBytes > 0, "and wrote its line");
    }));

  it("configure({ tailSampling: { handOverChunk: undefined } }) hands on in chunks the batch queue holds", () =>
    isolated(async () => {
      // 5 running traces of 100 spans behind a queue of 256: one chunk of 500 would overflow it.
      const storage = new MemoryStorage();
      const tracing = configure({
        storage,
        env: () => undefined,
        batch: { maxQueueSize: 256 },
        tailSampling: { local: true, handOverChunk: undefined },
      });
      const roots: Span[] = [];
      for (let r = 0; r < 5; r++) {
        const root = tracing.tracer.startSpan("request", { parent: null }) as Span; // running
        for (let i = 0; i < 100; i++) tracing.tracer.startSpan("child", { parent: root }).end();
        roots.push(root);
      }
      const report = await tracing.shutdown();
      assert.deepEqual(report.dropped, {});
      assert.equal(await traceLineCount(storage, roots), 500, "every buffered span written");
    }));
});
