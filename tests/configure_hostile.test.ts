// configure() given bad options (wrong types, NaN, negative numbers, empty strings) and blank
// environment variables: a clear TracerError INVALID_CONFIG before anything changes, or the
// documented fallback, never a crash, silently dropped spans or a surprise exporter later.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { peekConfig } from "../src/config_state.ts";
import { setDiagnosticsHook } from "../src/diagnostics.ts";
import { TracerError } from "../src/errors.ts";
import { getTracer } from "../src/global.ts";
import { configure } from "../src/portable.ts";
import { configure as configureNode } from "../src/runtime/node.ts";
import process from "node:process";
import { MemoryStorage } from "../src/storage/memory.ts";
import { hasFileSystem } from "./_support/runtime.ts";
import { isolated } from "./_support/global_state.ts";

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
        { batch: { maxExportBatchSize: 0 } },
        { batch: { scheduledDelayMillis: NaN } },
        { batch: { scheduledDelayMillis: 0.5 } }, // below 1 ms the processor would use its default
        { batch: { exportTimeoutMillis: -1 } },
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
      // The env reader's blank TRACELET_HOME is unset: `.tracelet` in the working directory (the
      // process's own TRACELET_HOME is not consulted behind the reader's back).
      assert.equal(
        (tracing.storage as unknown as { root: string }).root,
        `${process.cwd()}/.tracelet`,
      );
      await tracing.shutdown();
    }));
});

interface Sent {
  readonly url: string;
  readonly headers: Record<string, string>;
}

/** Runs `fn` with a fake `fetch` that records every request and answers 200. */
async function withFakeFetch(fn: (sent: Sent[]) => Promise<void>): Promise<void> {
  const saved = globalThis.fetch;
  const sent: Sent[] = [];
  globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => headers[key] = value);
    sent.push({ url: String(input), headers });
    return Promise.resolve(new Response(null, { status: 200 }));
  };
  try {
    await fn(sent);
  } finally {
    globalThis.fetch = saved;
  }
}

/** configure() from the portable preset with a fake environment and collected diagnostics. */
function configureWithEnv(vars: Record<string, string>, diagnostics: string[] = []) {
  const storage = new MemoryStorage();
  const tracing = configure({
    storage,
    env: (name) => vars[name],
    diagnostics: (d) => void diagnostics.push(`${d.code}: ${d.message}`),
  });
  return { tracing, storage };
}

async function endOneSpan(tracing: ReturnType<typeof configure>, storage: MemoryStorage) {
  const span = tracing.tracer.startSpan("work");
  span.end();
  await tracing.forceFlush();
  return (await storage.readLines(["projects", "default", span.traceId, "spans.jsonl"])).length;
}

const DREADNODE_ENV = {
  DREADNODE_SERVER: "https://dn.example",
  DREADNODE_API_KEY: "dn_live_key_123",
  DREADNODE_ORGANIZATION: "acme",
};

describe("configure() with the environment", () => {
  it("never sends the generic collector's OTEL_EXPORTER_OTLP_HEADERS to the dreadnode server", () =>
    isolated(() =>
      withFakeFetch(async (sent) => {
        const { tracing, storage } = configureWithEnv({
          ...DREADNODE_ENV,
          OTEL_EXPORTER_OTLP_ENDPOINT: "https://otlp.example",
          OTEL_EXPORTER_OTLP_HEADERS: "x-team=COLLECTOR_SECRET,authorization=Bearer%20TOKEN",
          OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-traces=TRACES_SECRET",
        });
        assert.equal(await endOneSpan(tracing, storage), 1);
        const dreadnode = sent.find((r) => r.url.startsWith("https://dn.example/"));
        const collector = sent.find((r) => r.url.startsWith("https://otlp.example/"));
        assert.equal(dreadnode?.url, "https://dn.example/api/v1/org/acme/otel/traces");
        assert.equal(dreadnode.headers["x-api-key"], "dn_live_key_123");
        assert.ok(
          !JSON.stringify(dreadnode.headers).includes("SECRET"),
          "collector headers leaked",
        );
        assert.ok(!("authorization" in dreadnode.headers));
        assert.equal(collector?.headers["x-team"], "COLLECTOR_SECRET");
        assert.ok(!("x-api-key" in collector.headers));
        await tracing.shutdown();
      })
    ));

  it("reports an unusable DREADNODE_* variable and stays local instead of throwing", () =>
    isolated(() =>
      withFakeFetch(async (sent) => {
        const cases = [
          { DREADNODE_SERVER: "dn.example", name: "DREADNODE_SERVER" },
          { DREADNODE_SERVER: "https://user:pw-secret@dn.example", name: "DREADNODE_SERVER" },
          { DREADNODE_API_KEY: "dn_key\r\nsecret", name: "DREADNODE_API_KEY" },
          { DREADNODE_ORGANIZATION: "..", name: "DREADNODE_ORGANIZATION" },
        ];
        for (const { name, ...bad } of cases) {
          const diagnostics: string[] = [];
          const { tracing, storage } = configureWithEnv({ ...DREADNODE_ENV, ...bad }, diagnostics);
          assert.equal(await endOneSpan(tracing, storage), 1, "JSONL is still written");
          const warning = diagnostics.find((d) => d.startsWith("invalid_env"));
          assert.ok(warning?.includes(name), `${name}: ${diagnostics}`);
          assert.ok(!diagnostics.join().includes("secret"));
          await tracing.shutdown();
        }
        assert.equal(sent.length, 0, "nothing goes to a half-configured server");
        assert.throws(
          () => configure({ server: "dn.example", apiKey: "k-123456", organization: "acme" }),
          (error: unknown) => error instanceof TracerError && error.code === "INVALID_CONFIG",
        );
      })
    ));

  it("creates no OTLP exporter from an endpoint variable it reports as unusable", () =>
    isolated(() =>
      withFakeFetch(async (sent) => {
        for (const endpoint of ["collector:4318", "http://otel:pw-secret@collector:4318"]) {
          const diagnostics: string[] = [];
          const { tracing, storage } = configureWithEnv(
            { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
            diagnostics,
          );
          assert.equal(await endOneSpan(tracing, storage), 1);
          assert.ok(diagnostics.some((d) => d.includes("OTEL_EXPORTER_OTLP_ENDPOINT")));
          assert.ok(!diagnostics.join().includes("pw-secret"));
          await tracing.shutdown();
        }
        assert.deepEqual(sent, [], "no request to a default localhost collector");
      })
    ));

  it("refuses an explicit endpoint with a password, without echoing it", () =>
    isolated(() => {
      assert.throws(
        () => configure({ otlp: { endpoint: "https://otel:pw-secret@collector.example" } }),
        (error: unknown) =>
          error instanceof TracerError && error.code === "INVALID_CONFIG" &&
          !error.message.includes("pw-secret"),
      );
    }));

  it("OTEL_SDK_DISABLED=true turns automatic OTLP export off; explicit options still export", () =>
    isolated(() =>
      withFakeFetch(async (sent) => {
        const env = {
          ...DREADNODE_ENV,
          OTEL_SDK_DISABLED: "TRUE",
          OTEL_EXPORTER_OTLP_ENDPOINT: "https://otlp.example",
        };
        const off = configureWithEnv(env);
        assert.equal(await endOneSpan(off.tracing, off.storage), 1, "local JSONL stays on");
        assert.equal(sent.length, 0);
        await off.tracing.shutdown();
        const storage = new MemoryStorage();
        const explicit = configure({
          storage,
          env: (name) => (env as Record<string, string>)[name],
          otlp: { endpoint: "https://explicit.example/v1/traces" },
          diagnostics: () => {},
        });
        assert.equal(await endOneSpan(explicit, storage), 1);
        assert.deepEqual(sent.map((r) => r.url), ["https://explicit.example/v1/traces"]);
        await explicit.shutdown();
        const diagnostics: string[] = [];
        const unknown = configureWithEnv({ ...env, OTEL_SDK_DISABLED: "yes" }, diagnostics);
        assert.ok(diagnostics.some((d) => d.includes("OTEL_SDK_DISABLED")));
        await endOneSpan(unknown.tracing, unknown.storage);
        assert.equal(sent.length, 3, "any other value means enabled: both exporters send");
        await unknown.tracing.shutdown();
      })
    ));
});
