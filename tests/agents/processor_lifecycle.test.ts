// Flush and shutdown of processors added through the agent layer: bounded waits on a processor
// that never settles, shutdown called once, and only when the processor is really done (the
// program ends, or its tracer is shut down for good), not when setTraceProcessors removes it (as
// in the Python SDK and CAI) nor when the agent layer moves to a new tracer; nothing called on a
// processor after its shutdown, and a processor shut down is not added again. The program's end
// is tested in child processes (Node, Bun, Deno; skipped in workerd, which has no processes).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { MemoryStorage, Tracer } from "../../mod.ts";
import {
  addTraceProcessor,
  agentSpan,
  BatchTraceProcessor,
  flushTraces,
  functionSpan,
  getTraceProcessors,
  setAgentTracer,
  setTraceProcessors,
  trace,
  TracingProcessorBridge,
} from "../../src/agents/mod.ts";
import type { TracingProcessor } from "../../src/agents/mod.ts";
import { configure } from "../../src/portable.ts";
import type { Configured } from "../../src/configure.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { repoRoot, runChildSourceIn } from "../_support/child_module.ts";
import { fileLines, withTempDir } from "../_support/files.ts";
import { isBun, isDeno, isNode, isWorkerd } from "../_support/runtime.ts";
import { agentSetup } from "./_helpers.ts";
import { isolated } from "../_support/global_state.ts";

/**
 * A processor that counts calls; `hang` makes its flush and shutdown never settle until
 * `release()` (called at a test's end, so no flush limit of 30 s is left to report in a later
 * test file: Bun runs them all in one process).
 */
function counting(hang = false) {
  const calls = { spans: 0, flushes: 0, shutdowns: 0 };
  const waiting: (() => void)[] = [];
  const pending = () =>
    hang ? new Promise<void>((resolve) => void waiting.push(resolve)) : Promise.resolve();
  const release = () => {
    hang = false;
    for (const resolve of waiting.splice(0)) resolve();
  };
  const processor: TracingProcessor = {
    onSpanEnd: () => void calls.spans++,
    forceFlush: () => {
      calls.flushes++;
      return pending();
    },
    shutdown: () => {
      calls.shutdowns++;
      return pending();
    },
  };
  return { processor, calls, release };
}

/** Milliseconds `promise` takes to settle. */
async function timed(promise: Promise<unknown>): Promise<number> {
  const start = Date.now();
  await promise;
  return Date.now() - start;
}

describe("a processor that never settles", () => {
  it("does not hold up tracer.shutdown(deadline), and is shut down once", async () => {
    const { tracer, done } = agentSetup();
    const { processor, calls, release } = counting(true);
    try {
      addTraceProcessor(processor);
      trace("wf").run(() => agentSpan("a").run(() => {}));
      const { result: first } = await captureDiagnostics(() =>
        timed(tracer.shutdown(Date.now() + 200))
      );
      assert.ok(first < 2000, `settled after ${first} ms`);
      const second = await timed(tracer.shutdown(Date.now() + 200));
      assert.ok(second < 2000, `settled after ${second} ms`);
      assert.equal(calls.shutdowns, 1);
    } finally {
      release();
      setTraceProcessors([]);
      await done();
    }
  });

  it("does not hold up a flush beyond the bridge's timeout, and is reported", async () => {
    const { processor, calls, release } = counting(true);
    const bridge = new TracingProcessorBridge(processor, { processorTimeoutMillis: 100 });
    const { result: ms, diagnostics } = await captureDiagnostics(() => timed(bridge.forceFlush()));
    release();
    assert.ok(ms < 2000, `settled after ${ms} ms`);
    assert.equal(calls.flushes, 1);
    assert.ok(diagnostics.some((d) => d.code === "agent_processor_timeout"));
  });
});

describe("shutdown of an agent-layer processor", () => {
  it("is a flush when the agent layer moves to another tracer, and the processor keeps receiving spans", async () => {
    const { tracer, done } = agentSetup();
    const next = new Tracer();
    try {
      const { processor, calls } = counting();
      addTraceProcessor(processor);
      trace("before").run(() => agentSpan("a").run(() => {}));
      // configure() shuts the old tracer down, then installs the new one.
      const shutdown = tracer.shutdown(Date.now() + 1000);
      setAgentTracer(next);
      await shutdown;
      assert.equal(calls.shutdowns, 0);
      assert.equal(calls.flushes, 1);
      trace("after").run(() => agentSpan("b").run(() => {}));
      assert.equal(calls.spans, 2);
      await next.shutdown(Date.now() + 1000); // the tracer in use: a real shutdown
      assert.equal(calls.shutdowns, 1);
    } finally {
      setTraceProcessors([]);
      await next.shutdown();
      await done();
    }
  });

  it("is not called when setTraceProcessors removes the processor (it is flushed), nor keeps it", async () => {
    const { done } = agentSetup();
    try {
      const kept = counting();
      const removed = counting();
      setTraceProcessors([kept.processor, removed.processor]);
      setTraceProcessors([kept.processor]);
      await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual([removed.calls.shutdowns, removed.calls.flushes], [0, 1]);
      assert.equal(kept.calls.shutdowns, 0);
      trace("wf").run(() => agentSpan("a").run(() => {}));
      assert.deepEqual([kept.calls.spans, removed.calls.spans], [1, 0]);
    } finally {
      setTraceProcessors([]);
      await done();
    }
  });

  /**
   * A processor added under one configure(), then configure() again and the old pipeline's
   * background shutdown awaited; `fn` gets the processor's call counts and the new pipeline.
   */
  function afterReconfigure(
    fn: (calls: ReturnType<typeof counting>["calls"], tracing: Configured) => Promise<void>,
  ): Promise<void> {
    return isolated(async () => {
      const previous = setAgentTracer(undefined);
      const quiet = () => {};
      try {
        const { processor, calls } = counting();
        configure({ storage: new MemoryStorage(), diagnostics: quiet });
        addTraceProcessor(processor);
        trace("wf1").run(() => agentSpan("a").run(() => {}));
        const tracing = configure({ storage: new MemoryStorage(), diagnostics: quiet });
        await new Promise((r) => setTimeout(r, 50)); // the old pipeline shuts down in the background
        await fn(calls, tracing);
      } finally {
        setTraceProcessors([]);
        setAgentTracer(previous);
      }
    });
  }

  it("is not called when configure() is called again (openai-agents processors keep working)", () =>
    afterReconfigure(async (calls, tracing) => {
      trace("wf2").run(() => agentSpan("b").run(() => {}));
      assert.equal(calls.spans, 2);
      assert.equal(calls.shutdowns, 0);
      await tracing.shutdown();
      assert.equal(calls.shutdowns, 1);
    }));

  it("is called by the new pipeline's shutdown after configure() again, with no agent activity since", () =>
    afterReconfigure(async (calls, tracing) => {
      assert.equal(calls.shutdowns, 0);
      await tracing.shutdown(); // exit: an OpenAI batch processor must stop its timer here
      assert.equal(calls.shutdowns, 1);
      await tracing.shutdown();
      assert.equal(calls.shutdowns, 1);
    }));
});

describe("a trace begun before configure() and continued after it", () => {
  it("gives processors the start of each span started after configure(), before its end", () =>
    isolated(async () => {
      const previous = setAgentTracer(undefined);
      const quiet = () => {};
      const seen: string[] = [];
      const name = (span: { spanData: unknown }) => (span.spanData as { name: string }).name;
      try {
        configure({ storage: new MemoryStorage(), diagnostics: quiet });
        addTraceProcessor({
          onSpanStart: (span) => void seen.push(`start ${name(span)}`),
          onSpanEnd: (span) => void seen.push(`end ${name(span)}`),
        });
        const wf = trace("wf");
        wf.start();
        const agent = agentSpan("before", { parent: wf });
        agent.start();
        const tracing = configure({ storage: new MemoryStorage(), diagnostics: quiet });
        // Started on the trace's tracer, which configure() retired.
        const tool = functionSpan("after", { parent: agent });
        tool.start();
        tool.finish();
        agent.finish();
        wf.finish();
        await tracing.shutdown();
        assert.deepEqual(seen, ["start before", "start after", "end after", "end before"]);
      } finally {
        setTraceProcessors([]);
        setAgentTracer(previous);
      }
    }));

  it("gives the new pipeline's processors the start of a span the replaced tracer starts", () =>
    isolated(async () => {
      const quiet = () => {};
      const seen: string[] = [];
      const first = configure({ storage: new MemoryStorage(), diagnostics: quiet });
      const parent = first.tracer.startSpan("parent");
      const second = configure({
        storage: new MemoryStorage(),
        diagnostics: quiet,
        processors: [{
          onSpanStart: (span) => void seen.push(`start ${span.name}`),
          onSpanEnd: (span) => void seen.push(`end ${span.name}`),
        }],
      });
      first.tracer.startSpan("late", { parent }).end(); // a kept reference to the old tracer
      parent.end(); // started before the new processors existed: only its end reaches them
      await second.shutdown();
      assert.deepEqual(seen, ["start late", "end late", "end parent"]);
    }));
});

describe("a processor removed by setTraceProcessors and added again", () => {
  it("goes on working: a BatchTraceProcessor exports every later item, nothing is shut down", async () => {
    const { done } = agentSetup();
    try {
      const exported: unknown[] = [];
      const batch = new BatchTraceProcessor({ export: (items) => void exported.push(...items) }, {
        timers: false,
      });
      const other = counting();
      addTraceProcessor(batch);
      addTraceProcessor(other.processor);
      await trace("one").run(() => functionSpan("f").run(() => {}));
      setTraceProcessors([]); // silenced for a while: what they hold is flushed
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(exported.length, 2);
      setTraceProcessors([batch, other.processor]);
      const { diagnostics } = await captureDiagnostics(async () => {
        await trace("two").run(() => functionSpan("f").run(() => {}));
        await flushTraces();
      });
      assert.equal(exported.length, 4, "the trace and span recorded after it was added again");
      assert.deepEqual(batch.dropped, {});
      assert.equal(other.calls.shutdowns, 0);
      assert.equal(other.calls.spans, 2);
      assert.deepEqual(diagnostics.map((d) => d.code), []);
    } finally {
      setTraceProcessors([]);
      await done();
    }
  });
});

describe("a processor that was shut down", () => {
  it("is not added again, which is reported at the call; its shutdown is not called again", async () => {
    const { tracer, done } = agentSetup();
    const { processor, calls } = counting();
    try {
      addTraceProcessor(processor);
      await tracer.shutdown();
      assert.equal(calls.shutdowns, 1);
      setTraceProcessors([]);
      for (
        const add of [() => addTraceProcessor(processor), () => setTraceProcessors([processor])]
      ) {
        const { diagnostics } = await captureDiagnostics(add);
        assert.deepEqual(diagnostics.map((d) => d.code), ["agent_processor_shut_down"]);
        assert.match(diagnostics[0].message, /already shut down: it is not added/);
        assert.deepEqual(getTraceProcessors(), []);
      }
      const next = new Tracer();
      setAgentTracer(next);
      trace("wf").run(() => agentSpan("a").run(() => {}));
      await next.shutdown();
      assert.deepEqual([calls.spans, calls.shutdowns], [0, 1]);
    } finally {
      setTraceProcessors([]);
      await done();
    }
  });

  it("by its own shutdown() (a BatchTraceProcessor) is not added either", async () => {
    const { done } = agentSetup();
    try {
      const batch = new BatchTraceProcessor({ export: () => {} }, { timers: false });
      await batch.shutdown();
      const { diagnostics } = await captureDiagnostics(() => addTraceProcessor(batch));
      assert.deepEqual(diagnostics.map((d) => d.code), ["agent_processor_shut_down"]);
      assert.deepEqual(getTraceProcessors(), []);
    } finally {
      await done();
    }
  });

  it("is neither flushed nor shut down again when its tracer is flushed or shut down later", async () => {
    const { tracer, done } = agentSetup();
    try {
      const { processor, calls } = counting();
      addTraceProcessor(processor);
      trace("wf").run(() => agentSpan("a").run(() => {}));
      await tracer.shutdown();
      assert.deepEqual([calls.flushes, calls.shutdowns], [0, 1], "flushes, shutdowns");
      await tracer.forceFlush();
      await flushTraces();
      await tracer.shutdown();
      assert.deepEqual([calls.flushes, calls.shutdowns], [0, 1], "flushes, shutdowns");
    } finally {
      setTraceProcessors([]);
      await done();
    }
  });
});

describe("flushes of an agent-layer processor that run together", () => {
  it("flush it once when nothing reached it since the first started (configure()'s and the agent layer's exit flushes)", async () => {
    const { done } = agentSetup();
    const pending: (() => void)[] = [];
    const release = () => pending.splice(0).forEach((resolve) => resolve());
    try {
      let flushes = 0;
      const settle = () => new Promise((r) => setTimeout(r, 10));
      addTraceProcessor({
        forceFlush: () => (flushes++, new Promise<void>((resolve) => void pending.push(resolve))),
      });
      trace("wf").run(() => agentSpan("a").run(() => {}));
      const both = Promise.all([flushTraces(), flushTraces()]);
      await settle();
      release();
      await both;
      assert.equal(flushes, 1);
      const again = Promise.all([flushTraces(), flushTraces()]);
      await settle();
      trace("wf2").run(() => agentSpan("b").run(() => {})); // reaches it while that flush runs
      const third = flushTraces();
      await settle();
      release();
      await Promise.all([again, third]);
      assert.equal(flushes, 3, "one more for what came during the second flush");
    } finally {
      setTraceProcessors([]); // flushes the processor it removes: released, as every flush
      release();
      await done();
      release(); // none left waiting to report its 30 s limit in a later test (Bun: one process)
    }
  });
});

/** Runs `source` in a child process in a temporary directory; `OUT` in it names a log file. */
function runLogging(
  source: string,
): Promise<
  { code: number | null; signal: string | null; stderr: string; millis: number; lines: string[] }
> {
  return withTempDir("tracelet-agents-end-", async (dir) => {
    const out = join(dir, "log.txt");
    const agents = JSON.stringify(join(repoRoot(), "src", "agents", "mod.ts"));
    const child = await runChildSourceIn(
      dir,
      `import process from "node:process";\n` +
        `import { appendFileSync, writeFileSync } from "node:fs";\n` +
        `import * as A from ${agents};\n` +
        `writeFileSync(${JSON.stringify(out)}, "");\n` +
        `const log = (line: string) => appendFileSync(${JSON.stringify(out)}, line + "\\n");\n` +
        `void process;\n` +
        source,
    );
    return { ...child, lines: await fileLines(out) };
  });
}

describe("the end of a program with agent-layer processors", { skip: isWorkerd }, () => {
  it("that ends normally flushes each processor, then calls its shutdown once", async () => {
    const { code, stderr, lines } = await runLogging(
      `let spans = 0;\n` +
        `A.addTraceProcessor({\n` +
        `  onSpanEnd: () => void spans++,\n` +
        `  forceFlush: () => log("flush"),\n` +
        `  shutdown: async () => {\n` +
        `    await new Promise((resolve) => setTimeout(resolve, 100));\n` +
        `    log("shutdown after " + spans + " spans");\n` +
        `  },\n` +
        `});\n` +
        `A.trace("wf").run(() => A.functionSpan("tool").run(() => {}));\n`,
    );
    assert.equal(code, 0, stderr);
    assert.deepEqual(lines, ["flush", "shutdown after 1 spans"]);
  });

  it("that goes on once its event loop empties is shut down only when it is done", async () => {
    // The program's own handler records more, three times, when the event loop empties: a
    // shutdown at the first empty loop would leave those spans to a processor shut down.
    const { code, stderr, lines } = await runLogging(
      `let spans = 0;\n` +
        `let closed = false;\n` +
        `A.addTraceProcessor({\n` +
        `  onSpanEnd: () => { spans++; if (closed) log("a span after the shutdown"); },\n` +
        `  shutdown: () => { closed = true; log("shutdown after " + spans + " spans"); },\n` +
        `});\n` +
        `A.trace("wf").run(() => A.functionSpan("tool").run(() => {}));\n` +
        `const delays = [10, 10, 10];\n` +
        `const onEmptyLoop = () => {\n` +
        `  const ms = delays.shift();\n` +
        `  if (ms !== undefined) setTimeout(() => A.trace("more").run(() => A.agentSpan("a").run(() => {})), ms);\n` +
        `  return ms !== undefined;\n` +
        `};\n` +
        `if (!("Deno" in globalThis)) process.on("beforeExit", onEmptyLoop);\n` +
        `else addEventListener("beforeunload", (event) => void (onEmptyLoop() && event.preventDefault()));\n`,
    );
    assert.equal(code, 0, stderr);
    assert.deepEqual(lines, ["shutdown after 4 spans"]);
  });

  it(
    "ended by SIGTERM flushes each processor, then shuts it down",
    { skip: !(isNode || isBun) },
    async () => {
      const { signal, stderr, lines } = await runLogging(
        `A.addTraceProcessor({\n` +
          `  forceFlush: async () => {\n` +
          `    await new Promise((resolve) => setTimeout(resolve, 100));\n` +
          `    log("flush");\n` +
          `  },\n` +
          `  shutdown: () => log("shutdown"),\n` +
          `});\n` +
          `A.trace("wf").run(() => A.functionSpan("tool").run(() => {}));\n` +
          `setInterval(() => {}, 1000);\n` +
          `setTimeout(() => process.kill(process.pid, "SIGTERM"), 50);\n`,
      );
      assert.equal(signal, "SIGTERM", stderr);
      assert.deepEqual(lines, ["flush", "shutdown"]);
    },
  );

  it("that shut its pipeline down ends at once, calling nothing more on its processors", async () => {
    // A processor whose flush waits on a connection its shutdown closed: the exit flush used to
    // call it (twice) and wait 30 s.
    const preset = JSON.stringify(
      join(repoRoot(), "src", "runtime", isDeno ? "deno.ts" : "node.ts"),
    );
    const { code, stderr, millis, lines } = await runLogging(
      `const { configure } = await import(${preset});\n` +
        `const tracing = configure({ storageRoot: "./.tracelet", diagnostics: () => {} });\n` +
        `let closed = false;\n` +
        `A.addTraceProcessor({\n` +
        `  forceFlush: () => {\n` +
        `    log(closed ? "flush after the shutdown" : "flush");\n` +
        `    return closed ? new Promise<void>(() => {}) : undefined;\n` +
        `  },\n` +
        `  shutdown: () => { closed = true; log("shutdown"); },\n` +
        `});\n` +
        `A.trace("wf").run(() => A.functionSpan("tool").run(() => {}));\n` +
        `await tracing.shutdown();\n`,
    );
    assert.equal(code, 0, stderr);
    assert.ok(millis < 10_000, `ended after ${millis} ms`);
    assert.deepEqual(lines, ["shutdown"]);
  });
});
