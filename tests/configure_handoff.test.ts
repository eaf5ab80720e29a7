// configure() called again while the replaced pipeline still has spans queued: the current
// configuration's shutdown()/forceFlush() (and the exit flush) wait for them, and they are exported
// with the redaction policy of the configuration they ended under. Also OTEL_TRACES_EXPORTER and
// the OTEL_EXPORTER_OTLP_PROTOCOL=grpc report.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setConfig } from "../src/config_state.ts";
import type { DiagnosticsHook } from "../src/diagnostics.ts";
import { configure, getConfig } from "../src/portable.ts";
import { setRedactionPolicy } from "../src/redact/global.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import type { Tracer } from "../src/tracer.ts";
import { isBun, isNode, isWorkerd } from "./_support/runtime.ts";
import { isolated } from "./_support/global_state.ts";
import { runChildSourceIn } from "./_support/child_module.ts";
import { fileLines, withTempDir } from "./_support/files.ts";
import { slowStorage } from "./_support/slow_storage.ts";

const quiet: DiagnosticsHook = () => {};
const RUN = ["projects", "default", "run-1", "spans.jsonl"];

/** Ends `count` spans of run `run-1` (one JSONL file). */
function endSpans(tracer: Tracer, count: number, attributes: Record<string, string> = {}): void {
  for (let i = 0; i < count; i++) {
    tracer.startSpan(`s${i}`, { attributes: { "dreadnode.run.id": "run-1", ...attributes } }).end();
  }
}

describe("configure() again, with spans of the replaced pipeline still queued", () => {
  it("the new configuration's shutdown() waits for them and counts them", () =>
    isolated(async () => {
      const first = slowStorage(100);
      const a = configure({ storage: first, diagnostics: quiet });
      endSpans(a.tracer, 20);
      const b = configure({ storage: new MemoryStorage(), diagnostics: quiet });
      const report = await b.shutdown(Date.now() + 5_000);
      assert.equal((await first.readLines(RUN)).length, 20, "every line of the first pipeline");
      assert.equal(report.exported, 20);
      assert.equal((await a.shutdown()).exported, 20, "the replaced handle reports them too");
    }));

  it("counts a pipeline shut down before it was replaced only in its own report", () =>
    isolated(async () => {
      const a = configure({ storage: new MemoryStorage(), diagnostics: quiet });
      endSpans(a.tracer, 3);
      assert.equal((await a.shutdown()).exported, 3);
      const b = configure({ storage: new MemoryStorage(), diagnostics: quiet });
      b.tracer.startSpan("only span of b").end();
      assert.equal((await b.shutdown()).exported, 1, "b reports its own span, not a's again");
      const c = configure({ storage: new MemoryStorage(), diagnostics: quiet });
      assert.equal((await c.shutdown()).exported, 0);
      assert.equal((await a.shutdown()).exported, 3, "a's handle still gives its report");
    }));

  it("the new configuration's forceFlush() waits for them too", () =>
    isolated(async () => {
      const first = slowStorage(100);
      const a = configure({ storage: first, diagnostics: quiet });
      endSpans(a.tracer, 5);
      const b = configure({ storage: new MemoryStorage(), diagnostics: quiet });
      await b.forceFlush();
      assert.equal((await first.readLines(RUN)).length, 5);
      await b.shutdown();
    }));

  it("also waits for the default configuration a module-level API built before configure()", () =>
    isolated(async () => {
      setConfig(undefined);
      const fallback = getConfig(); // What `run()`, `taskSpan()`, … do before configure().
      // Another test file may have loaded a server preset, whose defaults store files (under
      // TRACELET_HOME): count the lines this test adds. In workerd such a preset's file storage
      // cannot write, so there only the report is checked: every span accounted for.
      const storage = slowStorage(100, fallback.storage as MemoryStorage);
      const before = (await storage.readLines(RUN).catch(() => [])).length;
      endSpans(fallback.tracer, 10);
      const b = configure({ storage: new MemoryStorage(), diagnostics: quiet });
      const report = await b.shutdown(Date.now() + 5_000);
      const dropped = Object.values(report.dropped).reduce((sum, n) => sum + n, 0);
      assert.equal(report.exported + report.failed + report.persisted + dropped, 10);
      if (!isWorkerd) assert.equal((await storage.readLines(RUN)).length - before, 10);
    }));
});

describe("a process that configures twice", { skip: isWorkerd }, () => {
  function runChild(ending: string, env: Record<string, string> = {}) {
    const preset = fileURLToPath(new URL("../src/runtime/node.ts", import.meta.url));
    return withTempDir("tracelet-handoff-", async (dir) => {
      const root = join(dir, "root");
      await mkdir(root);
      const child = await runChildSourceIn(
        dir,
        `import { configure } from ${JSON.stringify(preset)};\n` +
          `const options = { storageRoot: ${JSON.stringify(root)}, diagnostics: () => {} };\n` +
          `const a = configure(options);\n` +
          `for (let i = 0; i < 2000; i++) {\n` +
          `  a.tracer.startSpan("a" + i, { attributes: { "dreadnode.run.id": "r", pad: "x".repeat(200) } }).end();\n` +
          `}\n` +
          `const b = configure(options);\n` +
          `b.tracer.startSpan("b", { attributes: { "dreadnode.run.id": "r" } }).end();\n` +
          `${ending}\n`,
        env,
      );
      let lines = 0;
      for (const project of await readdir(join(root, "projects")).catch(() => [])) {
        lines += (await fileLines(join(root, "projects", project, "r", "spans.jsonl"))).length;
      }
      return { child, lines };
    });
  }

  it("writes every span when it awaits the current shutdown() before process.exit()", async () => {
    const { child, lines } = await runChild("await b.shutdown();\nprocess.exit(0);");
    assert.equal(child.code, 0, child.stderr);
    assert.equal(lines, 2001);
  });

  it(
    "writes every span when SIGTERM ends it (the exit flush)",
    { skip: !(isNode || isBun) },
    async () => {
      const { lines } = await runChild(
        `setInterval(() => {}, 1000);\nprocess.kill(process.pid, "SIGTERM");`,
      );
      assert.equal(lines, 2001);
    },
  );
});

describe("redaction when configure() is called again", () => {
  it("exports spans queued under a configuration with its policy, not the next one's", () =>
    isolated(async () => {
      const saved = globalThis.fetch;
      const bodies: string[] = [];
      globalThis.fetch = (_input: string | URL | Request, init?: RequestInit) => {
        bodies.push(String(init?.body));
        return Promise.resolve(new Response(null, { status: 200 }));
      };
      try {
        const first = new MemoryStorage();
        const otlp = {
          endpoint: "https://collector.example/v1/traces",
          protocol: "http/json" as const,
          compression: "none" as const,
        };
        const a = configure({
          storage: first,
          otlp,
          redaction: { extraKeys: ["ssn"] },
          diagnostics: quiet,
        });
        endSpans(a.tracer, 1, { ssn: "123-45-6789" });
        const b = configure({ storage: new MemoryStorage(), otlp, diagnostics: quiet });
        await b.shutdown(Date.now() + 5_000);
        const lines = await first.readLines(RUN);
        assert.equal(lines.length, 1);
        assert.ok(!lines[0].includes("123-45-6789"), lines[0]);
        assert.equal(bodies.length, 1);
        assert.ok(!bodies[0].includes("123-45-6789"), bodies[0]);
      } finally {
        globalThis.fetch = saved;
      }
    }));

  it("setRedactionPolicy() after configure() still applies to the configured pipeline", () =>
    isolated(async () => {
      const storage = new MemoryStorage();
      const tracing = configure({ storage, diagnostics: quiet });
      setRedactionPolicy({ extraKeys: ["ssn"] });
      endSpans(tracing.tracer, 1, { ssn: "123-45-6789" });
      await tracing.shutdown();
      assert.ok(!(await storage.readLines(RUN))[0].includes("123-45-6789"));
    }));
});

/** Configures with a fake environment and fake fetch: the requests, printed lines, invalid_env. */
async function exportWith(
  vars: Record<string, string>,
  options: Parameters<typeof configure>[0] = {},
): Promise<{ sent: string[]; printed: string[]; diagnostics: string[] }> {
  const saved = { fetch: globalThis.fetch, log: console.log };
  const sent: string[] = [];
  const printed: string[] = [];
  const diagnostics: string[] = [];
  globalThis.fetch = (input: string | URL | Request) => {
    sent.push(String(input));
    return Promise.resolve(new Response(null, { status: 200 }));
  };
  console.log = (line: string) => void printed.push(String(line));
  try {
    const tracing = configure({
      storage: new MemoryStorage(),
      env: (name) => vars[name],
      diagnostics: (d) => void (d.code === "invalid_env" && diagnostics.push(d.message)),
      ...options,
    });
    endSpans(tracing.tracer, 1);
    await tracing.shutdown();
  } finally {
    globalThis.fetch = saved.fetch;
    console.log = saved.log;
  }
  return { sent, printed, diagnostics };
}

const ENDPOINT = { OTEL_EXPORTER_OTLP_ENDPOINT: "https://otlp.example" };

describe("OTEL_TRACES_EXPORTER", () => {
  it("none turns automatic OTLP export off; an explicit otlp option still exports", () =>
    isolated(async () => {
      const off = await exportWith({ ...ENDPOINT, OTEL_TRACES_EXPORTER: "none" });
      assert.deepEqual(off.sent, []);
      assert.deepEqual(off.diagnostics, []);
      const explicit = await exportWith({ ...ENDPOINT, OTEL_TRACES_EXPORTER: "none" }, {
        otlp: true,
      });
      assert.deepEqual(explicit.sent, ["https://otlp.example/v1/traces"]);
    }));

  it("otlp keeps automatic export; console (any case, in a list) prints unless console: false", () =>
    isolated(async () => {
      const otlp = await exportWith({ ...ENDPOINT, OTEL_TRACES_EXPORTER: "otlp" });
      assert.equal(otlp.sent.length, 1);
      assert.deepEqual(otlp.printed, []);
      const both = await exportWith({ ...ENDPOINT, OTEL_TRACES_EXPORTER: " OTLP , console" });
      assert.equal(both.sent.length, 1);
      assert.ok(both.printed.some((line) => line.includes("s0")), both.printed.join("\n"));
      const quietConsole = await exportWith({ OTEL_TRACES_EXPORTER: "console" }, {
        console: false,
      });
      assert.deepEqual(quietConsole.printed, []);
    }));

  it("reports other exporters once and ignores them; none wins over the rest", () =>
    isolated(async () => {
      // The specification: an unknown value is warned about and ignored, here as if unset.
      const zipkin = await exportWith({ ...ENDPOINT, OTEL_TRACES_EXPORTER: "zipkin" });
      assert.deepEqual(zipkin.sent, ["https://otlp.example/v1/traces"]);
      assert.equal(zipkin.diagnostics.length, 1, zipkin.diagnostics.join("\n"));
      assert.match(zipkin.diagnostics[0], /OTEL_TRACES_EXPORTER/);
      const mixed = await exportWith({ ...ENDPOINT, OTEL_TRACES_EXPORTER: "none,otlp" });
      assert.deepEqual(mixed.sent, []);
      assert.equal(mixed.diagnostics.length, 1);
    }));
});

describe("OTEL_EXPORTER_OTLP_PROTOCOL=grpc", () => {
  it("is reported as unsupported, pointing at the OTLP/HTTP port", () =>
    isolated(async () => {
      const { sent, diagnostics } = await exportWith({
        ...ENDPOINT,
        OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      });
      assert.equal(sent.length, 1, "still exports, as http/protobuf");
      assert.equal(diagnostics.length, 1);
      assert.match(diagnostics[0], /gRPC is not supported/);
      assert.match(diagnostics[0], /4318/);
    }));
});
