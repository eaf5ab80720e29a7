// configure() called again, or failing: what stays installed (redaction, diagnostics hook, context
// manager), where spans still open at the switch end up, and the Node preset's exit flush.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { peekConfig } from "../src/config_state.ts";
import type { Diagnostic, DiagnosticsHook } from "../src/diagnostics.ts";
import { configure } from "../src/portable.ts";
import { configure as configureNode } from "../src/runtime/node.ts";
import { hookProcessExit } from "../src/runtime/_exit_hook.ts";
import { FakeProcess } from "./_support/fake_process.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import type { Tracer } from "../src/tracer.ts";
import type { FlushReport } from "../src/types.ts";
import { isBun, isNode, isWorkerd } from "./_support/runtime.ts";
import { isolated } from "./_support/global_state.ts";

/** Ends a span with an API key attribute and returns its JSONL line. */
async function secretLine(
  tracing: { tracer: Tracer; forceFlush(): Promise<FlushReport> },
  storage: MemoryStorage,
): Promise<string> {
  const span = tracing.tracer.startSpan("call", { attributes: { api_key: "sk-live-SECRET" } });
  span.end();
  await tracing.forceFlush();
  const lines = await storage.readLines(["projects", "default", span.traceId, "spans.jsonl"]);
  assert.equal(lines.length, 1);
  return lines[0];
}

const quiet: DiagnosticsHook = () => {};

describe("configure() again", () => {
  it("without `redaction` redacts again after a configuration that turned it off", () =>
    isolated(async () => {
      configure({ storage: new MemoryStorage(), redaction: false, diagnostics: quiet });
      const storage = new MemoryStorage();
      const tracing = configure({ storage, diagnostics: quiet });
      assert.ok(!(await secretLine(tracing, storage)).includes("sk-live-SECRET"));
      await tracing.shutdown();
    }));

  it("that throws changes neither the redaction policy nor the diagnostics hook", () =>
    isolated(async () => {
      const seen: Diagnostic[] = [];
      const storage = new MemoryStorage();
      const installed = configure({ storage, diagnostics: (d) => void seen.push(d) });
      const failing: Record<string, unknown>[] = [
        { redaction: false, traceBackend: "remote" },
        { redaction: false, otlp: { endpoint: "ftp://collector" } },
        { redaction: false, server: "dn.example", apiKey: "k-123456", organization: "acme" },
      ];
      for (const options of failing) {
        assert.throws(() =>
          configure({
            storage: new MemoryStorage(),
            diagnostics: () => assert.fail("a failed configure() installed its hook"),
            ...options,
          })
        );
      }
      assert.equal(peekConfig(), installed);
      assert.ok(!(await secretLine(installed, storage)).includes("sk-live-SECRET"));
      configure({ storage: new MemoryStorage() });
      assert.ok(seen.some((d) => d.code === "reconfigured"), "the first hook is still installed");
    }));

  it("hands spans that end after the switch to the new pipeline", () =>
    isolated(async () => {
      const first = configure({ storage: new MemoryStorage(), diagnostics: quiet });
      const open = first.tracer.startSpan("started before");
      const storage = new MemoryStorage();
      const second = configure({ storage, project: "next", diagnostics: quiet });
      open.end();
      first.tracer.startSpan("started on the old tracer after").end();
      const report = await second.forceFlush();
      assert.equal(report.exported, 2);
      const names = (await storage.readLines(["projects", "next", open.traceId, "spans.jsonl"]))
        .map((line) => JSON.parse(line).name);
      assert.deepEqual(names, ["started before"]);
      assert.deepEqual(await first.shutdown(), await first.forceFlush(), "settled once");
      await second.shutdown();
    }));

  it("keeps processors passed to both configurations running", () =>
    isolated(async () => {
      const ended: string[] = [];
      let shutdowns = 0;
      const mine = {
        onSpanEnd: (span: { name: string }) => void ended.push(span.name),
        shutdown: () => void shutdowns++,
      };
      configure({ storage: new MemoryStorage(), processors: [mine], diagnostics: quiet });
      const second = configure({ storage: new MemoryStorage(), processors: [mine] });
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(shutdowns, 0);
      second.tracer.startSpan("after").end();
      assert.deepEqual(ended, ["after"]);
      await second.shutdown();
      assert.equal(shutdowns, 1);
    }));

  it("inside an active span keeps it the parent of later spans (sync context)", () =>
    isolated(() => {
      const tracing = configure({ storage: new MemoryStorage(), diagnostics: quiet });
      tracing.tracer.withSpan("outer", (outer) => {
        const again = configure({ storage: new MemoryStorage(), diagnostics: quiet });
        const child = again.tracer.startSpan("child");
        assert.equal(child.parentSpanId, outer.spanId);
        child.end();
      });
    }));

  it("inside an active span keeps it the parent across await (AsyncLocalStorage)", {
    skip: isWorkerd,
  }, () =>
    isolated(async () => {
      const tracing = configureNode({ storage: new MemoryStorage(), diagnostics: quiet });
      await tracing.tracer.withSpan("outer", async (outer) => {
        const again = configureNode({ storage: new MemoryStorage(), diagnostics: quiet });
        await null;
        await again.tracer.withSpan("child", (child) => {
          assert.equal(child.parentSpanId, outer.spanId);
        });
      });
      await peekConfig()?.forceFlush();
    }));
});

const EMPTY: FlushReport = { exported: 0, retried: 0, persisted: 0, dropped: {}, failed: 0 };
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the Node preset's exit flush", () => {
  it("on SIGTERM flushes, then raises the signal again without its own listeners", async () => {
    const proc = new FakeProcess();
    let release!: () => void;
    let flushes = 0;
    let given: number | undefined;
    hookProcessExit(proc, (deadline) => {
      flushes++;
      given = deadline;
      return new Promise((resolve) => release = () => resolve({ ...EMPTY, exported: 1 }));
    });
    const signalled = Date.now();
    proc.emit("SIGTERM");
    assert.equal(flushes, 1);
    // A shutdown by a deadline before the 2 s wait is up, to park what is in flight.
    assert.ok(given! >= signalled + 1000 && given! <= Date.now() + 1500, String(given));
    assert.equal(proc.listeners("SIGTERM").length, 0, "a second signal acts at once");
    await tick();
    assert.deepEqual(proc.killed, [], "not before the flush settled");
    release();
    await tick();
    assert.deepEqual(proc.killed, ["SIGTERM"]);
  });

  it("gives up waiting for a flush at the deadline", async () => {
    const proc = new FakeProcess();
    hookProcessExit(proc, () => new Promise(() => {}), 50);
    const started = Date.now();
    proc.emit("SIGINT");
    while (proc.killed.length === 0 && Date.now() - started < 2000) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.deepEqual(proc.killed, ["SIGINT"]);
  });

  it("leaves a signal the program handles itself alone", async () => {
    const proc = new FakeProcess();
    let flushes = 0;
    hookProcessExit(proc, () => (flushes++, Promise.resolve(EMPTY)));
    proc.on("SIGTERM", () => {});
    proc.emit("SIGTERM");
    await tick();
    assert.equal(flushes, 0);
    assert.deepEqual(proc.killed, []);
  });

  it("flushes on beforeExit again only after a flush that did something", async () => {
    const proc = new FakeProcess();
    const reports = [{ ...EMPTY, exported: 2 }, EMPTY];
    let flushes = 0;
    const remove = hookProcessExit(proc, () => Promise.resolve(reports[flushes++] ?? EMPTY));
    proc.emit("beforeExit");
    await tick();
    proc.emit("beforeExit");
    await tick();
    proc.emit("beforeExit");
    await tick();
    assert.equal(flushes, 2);
    remove();
    assert.equal(proc.listeners("SIGTERM").length + proc.listeners("SIGINT").length, 0);
  });
});

describe("a Node process ended by SIGTERM", { skip: !(isNode || isBun) }, () => {
  /** Runs `body` after a span in a child configured with `options` (after `prelude`). */
  async function runChild(body: string, { prelude = "", options = "" } = {}) {
    const preset = fileURLToPath(new URL("../src/runtime/node.ts", import.meta.url));
    const dir = await mkdtemp(join(tmpdir(), "tracelet-exit-"));
    const script = join(dir, "child.mts"); // ESM: top-level await
    await writeFile(
      script,
      `import { configure } from ${JSON.stringify(preset)};\n${prelude}` +
        `const t = configure({ storageRoot: ${
          JSON.stringify(dir)
        }, project: "exit"${options} });\n` +
        `const span = t.tracer.startSpan("before-sigterm");\nspan.end();\n` +
        `console.log(span.traceId);\n${body}\n`,
    );
    const args = isBun ? [script] : ["--import", "tsx", script];
    const child = spawnSync(process.execPath, args, {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      encoding: "utf8",
      timeout: 20_000,
    });
    const traceId = String(child.stdout).trim().split("\n")[0];
    let text = "";
    try {
      text = await readFile(join(dir, "projects", "exit", traceId, "spans.jsonl"), "utf8");
    } catch {
      // Nothing was written.
    }
    const parked = (await readdir(join(dir, "outbox")).catch(() => []))
      .filter((name) => name.endsWith(".bin")).length;
    await rm(dir, { recursive: true, force: true });
    return { child, text, parked };
  }

  it("parks the spans of an export a hung collector holds, before the signal ends it", async () => {
    // The collector takes the connection and never answers. The old signal flush waited 2 s on
    // the export (10 s timeout) and the process ended with the spans neither sent nor parked.
    const { child, text, parked } = await runChild(
      `setInterval(() => {}, 1000);\nprocess.kill(process.pid, "SIGTERM");`,
      {
        prelude: `import net from "node:net";\n` +
          `const server = net.createServer(() => {});\n` +
          `await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));\n` +
          `const endpoint = \`http://127.0.0.1:\${server.address().port}/v1/traces\`;\n`,
        options: ", otlp: { endpoint }",
      },
    );
    assert.equal(child.signal, "SIGTERM", String(child.stderr));
    assert.match(text, /"name": "before-sigterm"/);
    assert.equal(parked, 1, String(child.stderr));
  });

  it("has flushed its spans and still ends by the signal", async () => {
    const { child, text } = await runChild(
      `setInterval(() => {}, 1000);\nprocess.kill(process.pid, "SIGTERM");`,
    );
    assert.equal(child.signal, "SIGTERM", String(child.stderr));
    assert.match(text, /"name": "before-sigterm"/);
  });

  it("with a library that re-raises the signal only when alone (signal-exit), still ends by it", async () => {
    const { child } = await runChild(
      `const onTerm = () => {\n` +
        `  if (process.listeners("SIGTERM").some((l) => l !== onTerm)) return;\n` +
        `  process.off("SIGTERM", onTerm);\n  process.kill(process.pid, "SIGTERM");\n};\n` +
        `process.on("SIGTERM", onTerm);\nsetInterval(() => {}, 1000);\n` +
        `process.kill(process.pid, "SIGTERM");`,
    );
    assert.equal(child.signal, "SIGTERM", `${child.status} ${child.stderr}`);
  });

  it("with its own once() SIGTERM handler lets that handler finish and choose the exit", async () => {
    const { child } = await runChild(
      `process.once("SIGTERM", () => setTimeout(() => process.exit(0), 200));\n` +
        `setInterval(() => {}, 1000);\nprocess.kill(process.pid, "SIGTERM");`,
    );
    assert.equal(child.status, 0, `${child.signal} ${child.stderr}`);
  });

  it("with its own SIGTERM handler exits as that handler says", async () => {
    const { child } = await runChild(
      `process.on("SIGTERM", () => process.exit(7));\nsetInterval(() => {}, 1000);\n` +
        `process.kill(process.pid, "SIGTERM");`,
    );
    assert.equal(child.status, 7, String(child.stderr));
  });
});
