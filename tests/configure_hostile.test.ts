// configure() given bad options (wrong types, NaN, negative numbers, empty strings) and blank
// environment variables: a clear TracerError INVALID_CONFIG before anything changes, or the
// documented fallback, never a crash, silently dropped spans or a surprise exporter later.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { peekConfig, setConfig } from "../src/config_state.ts";
import { getContextManager, setContextManager } from "../src/context/manager.ts";
import { setDiagnosticsHook } from "../src/diagnostics.ts";
import type { DiagnosticsHook } from "../src/diagnostics.ts";
import { TracerError } from "../src/errors.ts";
import { getTracer, setTracer } from "../src/global.ts";
import { configure } from "../src/portable.ts";
import { configure as configureNode } from "../src/runtime/node.ts";
import { defaultStorageRoot } from "../src/storage/_fs_storage.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import { hasFileSystem } from "./_support/runtime.ts";

/** Runs `fn`, then restores the process-wide tracer, config, context manager and hook. */
async function isolated(fn: (hook: DiagnosticsHook) => Promise<void> | void): Promise<void> {
  const manager = getContextManager();
  const config = peekConfig();
  const tracer = getTracer();
  const hook: DiagnosticsHook = () => {};
  const previous = setDiagnosticsHook(hook);
  try {
    await fn(hook);
  } finally {
    setDiagnosticsHook(previous);
    setContextManager(manager);
    setConfig(config);
    setTracer(tracer);
  }
}

describe("configure() given bad options", () => {
  it("throws INVALID_CONFIG naming the option, and changes nothing", () =>
    isolated(async (hook) => {
      const installed = configure({ storage: new MemoryStorage() });
      const bad: unknown[] = [
        null,
        "options",
        { project: 42 },
        { project: "" },
        { project: null },
        { storageRoot: "" },
        { storageRoot: 42 },
        { serviceName: 42 },
        { env: "TRACELET_PROJECT=x" },
        { diagnostics: "console" },
        { local: "no" },
        { console: 1 },
        { resourceAttributes: "a=b" },
        { resourceAttributes: ["a"] },
        { storage: {} },
        { storage: "memory" },
        { processors: "x" },
        { processors: [null] },
        { redaction: 42 },
        { otlp: "yes" },
        { apiKey: 12345678 },
        { limits: "none" },
        { limits: { attributeCountLimit: NaN } },
        { limits: { eventCountLimit: -1 } },
        { batch: { maxQueueSize: 0.5 } },
        { batch: { maxBatchSize: 0 } },
        { batch: { scheduleDelayMs: NaN } },
        { batch: { exportTimeoutMs: -1 } },
        { batch: { timers: "off" } },
        { batch: { dropPolicy: "random" } },
      ];
      for (const options of bad) {
        const withHook = typeof options === "object" && options !== null
          ? { diagnostics: () => {}, ...options }
          : options;
        const name = typeof options === "object" && options !== null
          ? Object.keys(options)[0]
          : "options";
        assert.throws(() => configure(withHook as never), (error: unknown) => {
          assert.ok(error instanceof TracerError, JSON.stringify(options));
          assert.equal(error.code, "INVALID_CONFIG");
          assert.match(error.message, new RegExp(`\`${name}[.\`]`));
          return true;
        });
      }
      assert.equal(peekConfig(), installed, "the previous configuration stays");
      assert.equal(getTracer(), installed.tracer);
      assert.equal(setDiagnosticsHook(hook), hook, "the diagnostics hook was not replaced");
      await installed.shutdown();
    }));
});

describe("configure() given blank environment variables", () => {
  it("treats them as unset: the default project, and no OTLP exporter from an empty endpoint", () =>
    isolated(async () => {
      const saved = globalThis.fetch;
      let requests = 0;
      globalThis.fetch = () => {
        requests++;
        return Promise.resolve(new Response(null, { status: 200 }));
      };
      try {
        const blank: Record<string, string> = {
          TRACELET_PROJECT: "",
          DREADNODE_PROJECT: "  ",
          OTEL_EXPORTER_OTLP_ENDPOINT: "",
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: " ",
        };
        const storage = new MemoryStorage();
        const tracing = configure({ storage, env: (name) => blank[name] });
        assert.equal(tracing.project, "default");
        const span = tracing.tracer.startSpan("local only");
        span.end();
        const report = await tracing.forceFlush();
        assert.equal(report.exported, 1, "one JSONL line, nothing over OTLP");
        assert.equal(requests, 0);
        const path = ["projects", "default", span.traceId, "spans.jsonl"];
        assert.equal((await storage.readLines(path)).length, 1);
        await tracing.shutdown();
      } finally {
        globalThis.fetch = saved;
      }
    }));

  it("a blank TRACELET_HOME means the default root, never the working directory", {
    skip: !hasFileSystem,
  }, () =>
    isolated(async () => {
      const tracing = configureNode({ env: (name) => (name === "TRACELET_HOME" ? "" : undefined) });
      assert.equal((tracing.storage as unknown as { root: string }).root, defaultStorageRoot());
      await tracing.shutdown();
    }));
});
