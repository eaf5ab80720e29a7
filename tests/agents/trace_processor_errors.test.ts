// A trace processor (agent layer) that throws or rejects is reported once per failure, naming the
// TracingProcessor method that failed ("A trace processor failed in onTraceStart"), not the
// tracelet span-processor method of its bridge (onSpanStart / onSpanEnd), and never reaches the
// host program or the other processors.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  addTraceProcessor,
  customSpan,
  flushTraces,
  trace,
  TracingProcessorBridge,
} from "../../src/agents/mod.ts";
import type { TracingProcessor } from "../../src/agents/mod.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { hostile } from "../_support/hostile.ts";
import { agentSetup } from "./_helpers.ts";

const HOOKS = ["onTraceStart", "onSpanStart", "onSpanEnd", "onTraceEnd"] as const;

/** A processor whose four notifications all fail with `fail`, recording that they were called. */
function failing(calls: string[], fail: (hook: string) => Promise<void> | void): TracingProcessor {
  return Object.fromEntries(HOOKS.map((hook) => [hook, () => {
    calls.push(hook);
    return fail(hook);
  }]));
}

/** The messages of the `processor_failed` diagnostics, sorted. */
function failures(diagnostics: readonly { code: string; message: string }[]): string[] {
  return diagnostics.filter((d) => d.code === "processor_failed").map((d) => d.message).sort();
}

/** Runs one agent trace with one span, and lets the rejections be reported. */
async function runTrace(): Promise<void> {
  assert.equal(trace("wf").run(() => customSpan("work").run(() => "ok")), "ok");
  await new Promise((resolve) => setTimeout(resolve, 0));
}

const EXPECTED = HOOKS.map((hook) => `A trace processor failed in ${hook}`).sort();

describe("a trace processor that fails", () => {
  it("is reported once per failure, naming the method that threw", async () => {
    const { done } = agentSetup();
    try {
      const calls: string[] = [];
      addTraceProcessor(failing(calls, (hook) => {
        throw new Error(hook);
      }));
      const { diagnostics } = await captureDiagnostics(runTrace);
      assert.deepEqual(calls, ["onTraceStart", "onSpanStart", "onSpanEnd", "onTraceEnd"]);
      assert.deepEqual(failures(diagnostics), EXPECTED, "no double report, no onSpanStart for all");
      const traceStart = diagnostics.find((d) => d.message.endsWith("onTraceStart"))!;
      assert.equal(traceStart.level, "error");
      assert.equal((traceStart.cause as Error).message, "onTraceStart");
    } finally {
      await done();
    }
  });

  it("is reported the same way when its promise rejects", async () => {
    const { done } = agentSetup();
    try {
      const calls: string[] = [];
      addTraceProcessor(failing(calls, (hook) => Promise.reject(new Error(hook))));
      const { diagnostics } = await captureDiagnostics(runTrace);
      assert.equal(calls.length, 4);
      assert.deepEqual(failures(diagnostics), EXPECTED);
    } finally {
      await done();
    }
  });

  it("is reported naming the method when reading it throws (a getter, a revoked proxy)", async () => {
    const { done } = agentSetup();
    try {
      const getters = Object.defineProperties(
        {},
        Object.fromEntries(HOOKS.map((hook) => [hook, {
          get() {
            throw new Error(hook);
          },
        }])),
      ) as TracingProcessor;
      addTraceProcessor(getters);
      const { diagnostics } = await captureDiagnostics(runTrace);
      assert.deepEqual(failures(diagnostics), EXPECTED);
    } finally {
      await done();
    }
    const second = agentSetup();
    try {
      addTraceProcessor(hostile().revoked);
      const { diagnostics } = await captureDiagnostics(runTrace);
      assert.deepEqual(failures(diagnostics), EXPECTED);
    } finally {
      await captureDiagnostics(second.done); // its shutdown fails too
    }
  });

  it("affects neither the other processors nor the tracelet spans", async () => {
    const { collector, done } = agentSetup();
    try {
      addTraceProcessor(failing([], () => {
        throw new Error("boom");
      }));
      const seen: string[] = [];
      addTraceProcessor({
        onTraceStart: () => void seen.push("onTraceStart"),
        onSpanStart: () => void seen.push("onSpanStart"),
        onSpanEnd: () => void seen.push("onSpanEnd"),
        onTraceEnd: () => void seen.push("onTraceEnd"),
      });
      await captureDiagnostics(runTrace);
      assert.deepEqual(seen, ["onTraceStart", "onSpanStart", "onSpanEnd", "onTraceEnd"]);
      assert.equal(collector.ended.length, 2);
    } finally {
      await done();
    }
  });

  it("in forceFlush or shutdown is reported once, as a trace processor's", async () => {
    const { done } = agentSetup();
    try {
      addTraceProcessor({
        forceFlush: () => {
          throw new Error("flush");
        },
      });
      const flushed = await captureDiagnostics(() => flushTraces());
      assert.deepEqual(failures(flushed.diagnostics), ["A trace processor failed in forceFlush"]);
      const bridge = new TracingProcessorBridge({
        shutdown: () => Promise.reject(new Error("shutdown")),
      });
      const shut = await captureDiagnostics(() => bridge.shutdown());
      assert.deepEqual(failures(shut.diagnostics), ["A trace processor failed in shutdown"]);
    } finally {
      await done();
    }
  });

  it("never makes the bridge's notifications throw or return a promise", async () => {
    const { tracer, done } = agentSetup();
    try {
      const bridge = new TracingProcessorBridge(hostile().revoked);
      const returned: unknown[] = [];
      const call = (notification: () => unknown) => {
        try {
          returned.push(notification());
        } catch (error) {
          returned.push(error);
        }
      };
      tracer.addProcessor({
        onSpanStart: (span) => call(() => bridge.onSpanStart(span)),
        onSpanEnd: (span) => call(() => bridge.onSpanEnd(span)),
      });
      const { diagnostics } = await captureDiagnostics(runTrace);
      assert.deepEqual(returned, [undefined, undefined, undefined, undefined]);
      assert.deepEqual(failures(diagnostics), EXPECTED);
    } finally {
      await done();
    }
  });
});
