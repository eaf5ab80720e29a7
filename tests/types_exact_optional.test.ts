// The input types take `undefined` wherever the runtime does, also for a program compiled with
// `exactOptionalPropertyTypes` (where `?: T` alone refuses an explicit `undefined`): a value read
// from a provider response or an unset environment variable (`string | undefined`) can be passed
// as is, and `@openai/agents-core`'s spans (whose `tracingApiKey` getter is `string | undefined`)
// reach tracelet's agent processors. `deno check` cannot test this (the flag is off), so a small
// consumer program is compiled with the repository's TypeScript (`tsc` of package.json) against
// the sources; only its own diagnostics count (the sources are not written for the flag).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "./_support/child_module.ts";
import { withTempDir } from "./_support/files.ts";
import { isWorkerd } from "./_support/runtime.ts";

const CONSUMER = `
import { Tracer, type LinkInput, type SpanContext, type SpanStatus, type TraceInfo } from "ROOT/mod.ts";
import {
  agentSpan, BatchTraceProcessor, customSpan, functionSpan, generationSpan,
  guardrailSpan, handoffSpan, mcpToolsSpan, responseSpan, speechGroupSpan, speechSpan,
  TraceletAgentsProcessor, transcriptionSpan, type GenerationUsage,
} from "ROOT/src/agents/mod.ts";

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
