// configure() given keys no option has (a misspelling, another SDK's name, an OTLP option one
// level too high): one `unknown_option` warning each, naming the path and the option probably
// meant; never silently ignored, never thrown. Valid options, every documented one included, and
// the environment give no such warning. A value outside a choice (`redaction.mode`) throws
// INVALID_CONFIG naming the option and the values allowed, as `batch.dropPolicy` does.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Diagnostic } from "../src/diagnostics.ts";
import { TracerError } from "../src/errors.ts";
import { configure } from "../src/portable.ts";
import { configure as configureWeb } from "../src/runtime/web.ts";
import { RedactionPolicy } from "../src/redact/policy.ts";
import { resetReportedOnce, setDiagnosticsHook } from "../src/diagnostics.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import { hasFileSystem } from "./_support/runtime.ts";
import { isolated } from "./_support/global_state.ts";
import { findUnknownOptions } from "../src/unknown_options.ts";
import { createOtlpExporter } from "../src/exporter/otlp_factory.ts";
import { CONFIGURE_OPTION_SHAPE } from "../src/configure_option_keys.ts";

interface Unknown {
  readonly option: string;
  readonly suggestion: string | undefined;
}

/**
 * Configures tracing (no export leaves the process: no endpoint is ever contacted, as nothing is
 * flushed before shutdown with a past deadline) and returns what `unknown_option` reported.
 */
async function unknownOf(
  options: Record<string, unknown>,
  configureWith: (options: never) => { shutdown(deadline?: number): Promise<unknown> } = configure,
): Promise<{ unknown: Unknown[]; messages: string[] }> {
  const seen: Diagnostic[] = [];
  const tracing = configureWith({
    ...options,
    storage: options.storage ?? new MemoryStorage(),
    local: options.local ?? false,
    diagnostics: (d: Diagnostic) => void seen.push(d),
  } as never);
  await tracing.shutdown(0);
  const reported = seen.filter((d) => d.code === "unknown_option");
  for (const d of reported) assert.equal(d.level, "warn");
  return {
    unknown: reported.map((d) => d.cause as Unknown),
    messages: reported.map((d) => d.message),
  };
}

describe("configure() given unknown options", () => {
  it("warns about a misspelled top-level option and `otlp.url`, suggesting the option meant", () =>
    isolated(async () => {
      const { unknown, messages } = await unknownOf({
        serviceNmae: "x",
        otlp: { url: "http://collector.example:4318/v1/traces" },
      });
      assert.deepEqual(unknown, [
        { option: "serviceNmae", suggestion: "serviceName" },
        { option: "otlp.url", suggestion: "otlp.endpoint" },
      ]);
      assert.match(messages[0], /`serviceNmae`.*did you mean `serviceName`\?/);
      assert.match(messages[1], /`otlp\.url`.*did you mean `otlp\.endpoint`\?/);
      assert.ok(!messages.join().includes("collector.example"), "values are never shown");
    }));

  it("looks into every option object configure() takes", () =>
    isolated(async () => {
      const first = await unknownOf({
        batch: { maxQueSize: 10, scheduledDelayMs: 100, exportTimeout: 5 },
        limits: { attributeCountLimt: 4 },
        tailSampling: { ratoi: 0.1, slowMs: 10, handOverChunk: { span: 5 } },
      });
      assert.deepEqual(first.unknown, [
        { option: "batch.maxQueSize", suggestion: "batch.maxQueueSize" },
        { option: "batch.scheduledDelayMs", suggestion: "batch.scheduledDelayMillis" },
        { option: "batch.exportTimeout", suggestion: "batch.exportTimeoutMillis" },
        { option: "limits.attributeCountLimt", suggestion: "limits.attributeCountLimit" },
        { option: "tailSampling.ratoi", suggestion: "tailSampling.ratio" },
        { option: "tailSampling.slowMs", suggestion: "tailSampling.slowMillis" },
        {
          option: "tailSampling.handOverChunk.span",
          suggestion: "tailSampling.handOverChunk.spans",
        },
      ]);
      const second = await unknownOf({
        redaction: { extraKey: ["session"], mode: "substring" },
        otlp: {
          endpoint: "http://127.0.0.1:9/v1/traces",
          timeout: 100,
          retry: { maxAttempt: 2 },
          outboxRetry: { maxDelayMs: 10 },
        },
      });
      assert.deepEqual(second.unknown, [
        { option: "redaction.extraKey", suggestion: "redaction.extraKeys" },
        { option: "otlp.timeout", suggestion: "otlp.timeoutMillis" },
        { option: "otlp.retry.maxAttempt", suggestion: "otlp.retry.maxAttempts" },
        { option: "otlp.outboxRetry.maxDelayMs", suggestion: "otlp.outboxRetry.maxDelayMillis" },
      ]);
    }));

  it("suggests the OTLP option for one written at the top, and skips far-off names", () =>
    isolated(async () => {
      const { unknown, messages } = await unknownOf({
        endpoint: "http://127.0.0.1:9/v1/traces",
        service_name: "x",
        bogusOption: 1,
        xyz: 2,
      });
      assert.deepEqual(unknown, [
        { option: "endpoint", suggestion: "otlp.endpoint" },
        { option: "service_name", suggestion: "serviceName" },
        { option: "bogusOption", suggestion: undefined },
        { option: "xyz", suggestion: undefined },
      ]);
      assert.doesNotMatch(messages[2], /did you mean/);
    }));

  it("suggests the current name for each name an option had before 0.1.0", () =>
    isolated(async () => {
      const { unknown } = await unknownOf({
        batch: { maxBatchSize: 10, scheduleDelayMs: 10, exportTimeoutMs: 100 },
        otlp: {
          endpoint: "http://127.0.0.1:9/v1/traces",
          outbox: { maxAttempts: 1 },
          outboxRetry: { initialBackoffMillis: 1, maxBackoffMillis: 1 },
        },
      });
      assert.deepEqual(unknown, [
        { option: "batch.maxBatchSize", suggestion: "batch.maxExportBatchSize" },
        { option: "batch.scheduleDelayMs", suggestion: "batch.scheduledDelayMillis" },
        { option: "batch.exportTimeoutMs", suggestion: "batch.exportTimeoutMillis" },
        { option: "otlp.outbox", suggestion: "otlp.outboxRetry" },
        {
          option: "otlp.outboxRetry.initialBackoffMillis",
          suggestion: "otlp.outboxRetry.initialDelayMillis",
        },
        {
          option: "otlp.outboxRetry.maxBackoffMillis",
          suggestion: "otlp.outboxRetry.maxDelayMillis",
        },
      ]);
    }));

  it("warns through the web preset too, once per key", () =>
    isolated(async () => {
      const { unknown } = await unknownOf({ serviceNmae: "x" }, configureWeb);
      assert.deepEqual(unknown, [{ option: "serviceNmae", suggestion: "serviceName" }]);
    }));

  it("reports at most ten keys one by one, the rest in one more warning", () =>
    isolated(async () => {
      const many = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`extra${i}`, i]));
      const { unknown, messages } = await unknownOf(many);
      assert.equal(messages.length, 11);
      assert.equal(unknown[9].option, "extra9");
      assert.match(messages[10], /15 more keys.*extra10, extra11/);
    }));

  it("never shows control characters of a key", () =>
    isolated(async () => {
      const { messages } = await unknownOf({ "\u001b[31mred": 1 });
      assert.ok(!messages[0].includes("\u001b"));
    }));
});

/** The one key no option has that the valid-options tests add, to show the rest pass. */
const STRAY: Unknown = { option: "notAnOption", suggestion: undefined };

describe("configure() given valid options", () => {
  it("reports no unknown option for any option of any option object", () =>
    isolated(async () => {
      const { unknown } = await unknownOf({
        serviceName: "svc",
        otelScope: "scope",
        resourceAttributes: { "anything.goes": 1 },
        project: "p",
        console: false,
        traceBackend: "local",
        processors: [],
        sampler: () => true,
        env: () => undefined,
        limits: { attributeCountLimit: 10, eventCountLimit: 10 },
        batch: {
          maxQueueSize: 100,
          maxQueueBytes: 1 << 20,
          maxExportBatchSize: 10,
          exportTriggerSize: 10,
          scheduledDelayMillis: 10,
          exportTimeoutMillis: 100,
          dropPolicy: "oldest",
          timers: false,
        },
        tailSampling: { ratio: 0.5, slowMillis: 10, local: true, handOverChunk: { spans: 5 } },
        redaction: { keys: ["a"], extraKeys: ["b"], mode: "exact", maxStringLength: 10 },
        otlp: {
          endpoint: "http://127.0.0.1:9/v1/traces",
          headers: { "x-any-header": "v" },
          protocol: "http/json",
          compression: "none",
          timeoutMillis: 100,
          attemptTimeoutMillis: 50,
          maxConcurrentRequests: 1,
          retry: { maxAttempts: 1, initialDelayMillis: 1, maxDelayMillis: 1, multiplier: 1 },
          outboxRetry: {
            maxAttempts: 1,
            initialDelayMillis: 1,
            maxDelayMillis: 1,
            maxDeliveriesPerDrain: 1,
          },
        },
        // The `./auto` entry's options are the Workers preset's: the others ignore this one.
        asyncLocalStorage: undefined,
        notAnOption: 1,
      });
      assert.deepEqual(unknown, [STRAY], "only the stray key is reported");
    }));

  it("does not look into a RedactionPolicy or OTLP `true`, nor read the environment as options", () =>
    isolated(async () => {
      const vars: Record<string, string> = {
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9",
        OTEL_EXPORTER_OTLP_HEADERS: "x-team=a",
        OTEL_SERVICE_NAME: "svc",
        OTEL_TRACES_SAMPLER: "always_on",
        TRACELET_PROJECT: "p",
      };
      const { unknown } = await unknownOf({
        redaction: new RedactionPolicy({ extraKeys: ["x"] }),
        otlp: true,
        tailSampling: false,
        env: (name: string) => vars[name],
        notAnOption: 1,
      });
      assert.deepEqual(unknown, [STRAY]);
      const fromEnv = await unknownOf({ env: (name: string) => vars[name], notAnOption: 1 });
      assert.deepEqual(fromEnv.unknown, [STRAY]);
    }));

  it(
    "knows every option of the README's configuration table",
    { skip: !hasFileSystem },
    () =>
      isolated(async () => {
        const { readFile } = await import("node:fs/promises");
        const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
        const section = readme.slice(
          readme.indexOf("\n## Configuration\n"),
          readme.indexOf("\n## Design\n"),
        );
        const names = [...section.matchAll(/^\| ([^|]*?) +\|/gm)]
          .flatMap(([, cell]) => [...cell.matchAll(/`(\w+)`/g)].map(([, name]) => name));
        assert.ok(names.length >= 20, `read ${names.length} options from the table`);
        const options = Object.fromEntries(names.map((name) => [name, undefined]));
        const { unknown } = await unknownOf({ ...options, notAnOption: 1 });
        assert.deepEqual(unknown, [STRAY]);
      }),
  );
});

describe("createOtlpExporter() given unknown options", () => {
  /** What `unknown_option` reported while making (and shutting down) one exporter. */
  async function exporterUnknownOf(options: Record<string, unknown>): Promise<Diagnostic[]> {
    const seen: Diagnostic[] = [];
    const previous = setDiagnosticsHook((d) => void seen.push(d));
    try {
      await createOtlpExporter(options as never, () => undefined).shutdown();
    } finally {
      setDiagnosticsHook(previous);
    }
    return seen.filter((d) => d.code === "unknown_option");
  }

  it("warns about OpenTelemetry JS's `url`, suggesting `endpoint`, and a misspelled retry key", () =>
    isolated(async () => {
      const reported = await exporterUnknownOf({
        url: "http://127.0.0.1:9/v1/traces",
        retry: { maxAttempt: 2 },
      });
      assert.deepEqual(reported.map((d) => d.cause), [
        { option: "url", suggestion: "endpoint" },
        { option: "retry.maxAttempt", suggestion: "retry.maxAttempts" },
      ]);
      assert.match(reported[0].message, /^createOtlpExporter\(\) has no option `url`/);
    }));

  it("reports nothing for its own options, those configure() fills in included", () =>
    isolated(async () => {
      const reported = await exporterUnknownOf({
        endpoint: "http://127.0.0.1:9/v1/traces",
        headers: { "x-any-header": "v" },
        protocol: "http/json",
        compression: "none",
        timeoutMillis: 100,
        storage: new MemoryStorage(),
        compress: (body: Uint8Array) => Promise.resolve(body),
        outboxRetry: { maxAttempts: 1 },
      });
      assert.deepEqual(reported, []);
    }));

  it("configure() reports an unknown `otlp` key once, under its own name", () =>
    isolated(async () => {
      const { messages } = await unknownOf({ otlp: { url: "http://127.0.0.1:9/v1/traces" } });
      assert.equal(messages.length, 1);
      assert.match(messages[0], /^configure\(\) has no option `otlp\.url`/);
    }));
});

describe("configure() given a value outside a choice", () => {
  it("throws INVALID_CONFIG naming `redaction.mode` and its values", () =>
    isolated(() => {
      assert.throws(
        () => configure({ diagnostics: () => {}, redaction: { mode: "bogus" as "exact" } }),
        (error: unknown) => {
          assert.ok(error instanceof TracerError);
          assert.equal(error.code, "INVALID_CONFIG");
          assert.match(error.message, /`redaction\.mode` must be "exact" or "substring"/);
          return true;
        },
      );
    }));

  it("a RedactionPolicy built with an unknown mode reports it and matches exactly", () =>
    isolated((hook) => {
      const seen: Diagnostic[] = [];
      setDiagnosticsHook((d) => void seen.push(d));
      resetReportedOnce();
      try {
        const policy = new RedactionPolicy({ mode: "bogus" as "exact" });
        assert.equal(policy.mode, "exact");
        assert.deepEqual(seen.map((d) => [d.level, d.code]), [[
          "warn",
          "invalid_redaction_options",
        ]]);
        assert.match(seen[0].message, /`mode` must be "exact" or "substring"/);
      } finally {
        setDiagnosticsHook(hook);
      }
    }));
});

describe("findUnknownOptions", () => {
  it("never throws on options it cannot read, and reports what it could", () => {
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    const noKeys = new Proxy({}, {
      ownKeys() {
        throw new Error("no keys");
      },
    });
    const throwing = {
      serviceNmae: 1,
      get otlp(): unknown {
        throw new Error("no otlp");
      },
    };
    for (const options of [revoked, noKeys, { otlp: revoked }, { batch: noKeys }, throwing]) {
      assert.doesNotThrow(() => findUnknownOptions(options, CONFIGURE_OPTION_SHAPE));
    }
    assert.deepEqual(findUnknownOptions(throwing, CONFIGURE_OPTION_SHAPE), [
      { path: "serviceNmae", suggestion: "serviceName" },
    ]);
  });
});
