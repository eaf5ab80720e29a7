// The current agent trace / span of the imperative form (start(true) / finish(true)): isolated
// per async flow where AsyncLocalStorage has a working enterWith, one slot per context manager
// elsewhere (workerd, whose enterWith throws even with nodejs_compat), and never a finished trace
// or span, on every runtime.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { AsyncLocalStorageContextManager } from "../../mod.ts";
import type { ContextManager } from "../../mod.ts";
import {
  addTraceProcessor,
  agentSpan,
  functionSpan,
  getCurrentSpan,
  getCurrentTrace,
  NoOpSpan,
  trace,
} from "../../src/agents/mod.ts";
import type { AgentSpan } from "../../src/agents/mod.ts";
import {
  allSettled,
  NO_ENTER_WITH,
  SLOT_MANAGERS,
  withManager,
} from "../_support/flow_managers.ts";
import { agentSetup } from "./_helpers.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The ended agent spans as `name → {trace id, parent id}`. */
function recordEnds(): Map<string, { traceId: string; parentId: string | null }> {
  const ends = new Map<string, { traceId: string; parentId: string | null }>();
  addTraceProcessor({
    onSpanEnd: (span) => {
      const data = span.spanData as { name?: string };
      ends.set(data.name ?? "?", { traceId: span.traceId, parentId: span.parentId });
    },
  });
  return ends;
}

/** Throws if what is current has finished (checked at every step of the tests below). */
function assertNothingFinishedCurrent(): void {
  assert.notEqual(getCurrentTrace()?.finished, true, "a finished trace is current");
  assert.notEqual(getCurrentSpan()?.finished, true, "a finished span is current");
}

/**
 * Two requests that start and finish their trace and span with start(true) / finish(true),
 * interleaved. Where enterWith works each sees only its own; with a slot they see each other's,
 * but never anything finished. Once both end nothing is current.
 */
async function concurrentRequests(): Promise<void> {
  const request = async (name: string, delay: number) => {
    const t = trace(`req-${name}`).start(true);
    await sleep(delay);
    assertNothingFinishedCurrent();
    const s = agentSpan(`agent-${name}`).start(true);
    await sleep(20 - delay);
    assertNothingFinishedCurrent();
    s.finish(true);
    assertNothingFinishedCurrent();
    await sleep(delay);
    t.finish(true);
    assertNothingFinishedCurrent();
  };
  await allSettled([request("A", 0), request("B", 10)]);
  assert.equal(getCurrentTrace(), null);
  assert.equal(getCurrentSpan(), null);
  assert.ok(agentSpan("later-unrelated") instanceof NoOpSpan);
}

/** A span started with start(true) inside run() and never finished is not current outside. */
async function spanLeftOpenInScope(): Promise<void> {
  const outer = trace("outer").start(true);
  await trace("inner").run(async () => {
    agentSpan("never finished").start(true);
    await sleep(1);
  });
  assert.equal(getCurrentTrace(), outer);
  assert.equal(getCurrentSpan(), null);
  outer.finish(true);
  assert.equal(getCurrentTrace(), null);
}

/** A trace a failed request never finished is not current once another manager is installed. */
async function unfinishedForgottenWithManager(make: () => ContextManager): Promise<void> {
  await withManager(make(), async () => {
    trace("abandoned").start(true);
    agentSpan("abandoned span").start(true);
    await sleep(1); // … and the request failed here
  });
  await withManager(make(), async () => {
    await sleep(1);
    assert.equal(getCurrentTrace(), null);
    assert.equal(getCurrentSpan(), null);
    assert.ok(agentSpan("fresh") instanceof NoOpSpan);
  });
}

describe("start(true) outside any scope, with AsyncLocalStorage", () => {
  it("keeps concurrent requests in their own traces, and leaves nothing finished current", {
    skip: NO_ENTER_WITH,
  }, async () => {
    const { collector, done } = agentSetup();
    try {
      const ends = recordEnds();
      const ids: Record<string, { trace: string; agent: string }> = {};
      const request = async (name: string, delay: number) => {
        const t = trace(`req-${name}`).start(true);
        await sleep(delay);
        assert.equal(getCurrentTrace(), t);
        const s = agentSpan(`agent-${name}`).start(true);
        await sleep(20);
        assert.equal(getCurrentTrace(), t);
        assert.equal(getCurrentSpan(), s);
        const f = functionSpan(`tool-${name}`);
        f.start();
        f.finish();
        s.finish(true);
        assert.equal(getCurrentSpan(), null);
        t.finish(true);
        ids[name] = { trace: t.traceId, agent: s.spanId };
      };
      await allSettled([request("A", 0), request("B", 10)]);

      for (const name of ["A", "B"]) {
        assert.deepEqual(ends.get(`agent-${name}`), { traceId: ids[name].trace, parentId: null });
        assert.deepEqual(ends.get(`tool-${name}`), {
          traceId: ids[name].trace,
          parentId: ids[name].agent,
        });
      }
      // Both requests ended: no trace is current, so an unrelated span is not recorded.
      assert.equal(getCurrentTrace(), null);
      assert.equal(getCurrentSpan(), null);
      const later = agentSpan("later-unrelated");
      assert.ok(later instanceof NoOpSpan);
      later.run(() => {});
      assert.equal(ends.has("later-unrelated"), false);
      assert.equal(collector.ended.filter((s) => s.name.includes("later")).length, 0);
    } finally {
      await done();
    }
  });

  it("keeps sibling tasks inside one run() apart", { skip: NO_ENTER_WITH }, async () => {
    const { done } = agentSetup();
    try {
      const ends = recordEnds();
      const spans: AgentSpan[] = [];
      await trace("scoped").run(async () => {
        await allSettled([1, 2].map(async (i) => {
          await sleep(i);
          const s = agentSpan(`agent-${i}`).start(true);
          spans.push(s);
          await sleep(15);
          const f = functionSpan(`tool-${i}`);
          f.start();
          f.finish();
          s.finish(true);
        }));
        assert.equal(getCurrentSpan(), null);
      });
      for (const s of spans) {
        const i = (s.spanData as { name: string }).name.slice(-1);
        assert.equal(ends.get(`tool-${i}`)?.parentId, s.spanId);
      }
    } finally {
      await done();
    }
  });

  it("never makes a finished trace or span current in concurrent requests (every runtime)", async () => {
    const { done } = agentSetup();
    try {
      await concurrentRequests();
    } finally {
      await done();
    }
  });

  it("does not let a span left open inside run() escape the scope", async () => {
    const { done } = agentSetup();
    try {
      await spanLeftOpenInScope();
    } finally {
      await done();
    }
  });

  it("forgets what a request left unfinished once the context manager is replaced", async () => {
    const { done } = agentSetup();
    try {
      await unfinishedForgottenWithManager(() =>
        new AsyncLocalStorageContextManager(AsyncLocalStorage)
      );
    } finally {
      await done();
    }
  });
});

describe("start(true) without an async context store (one slot)", () => {
  for (const [label, make] of SLOT_MANAGERS) {
    it(`${label}: finish only restores while the slot holds it, and nothing finished stays current`, async () => {
      const { done } = agentSetup();
      try {
        await withManager(make(), async () => {
          const a = trace("A").start(true);
          const b = trace("B").start(true);
          a.finish(true); // out of order: B stays current
          assert.equal(getCurrentTrace(), b);
          b.finish(true); // restores to A, which has finished: nothing is current
          assert.equal(getCurrentTrace(), null);
          assert.ok(agentSpan("after") instanceof NoOpSpan);

          const t = trace("T").start(true);
          const s = agentSpan("S").start(true);
          await sleep(1);
          assert.equal(getCurrentSpan(), s);
          t.finish(true); // before its span: the span's frame is not current either
          assert.equal(getCurrentTrace(), null);
          assert.equal(getCurrentSpan(), null);
          s.finish(true);
          assert.equal(getCurrentSpan(), null);
        });
      } finally {
        await done();
      }
    });

    it(`${label}: concurrent requests share the slot, but nothing finished stays current`, async () => {
      const { done } = agentSetup();
      try {
        await withManager(make(), concurrentRequests);
      } finally {
        await done();
      }
    });

    it(`${label}: a span left open inside run() does not escape the scope`, async () => {
      const { done } = agentSetup();
      try {
        await withManager(make(), spanLeftOpenInScope);
      } finally {
        await done();
      }
    });

    it(`${label}: what a request left unfinished is not current under the next manager`, async () => {
      const { done } = agentSetup();
      try {
        await unfinishedForgottenWithManager(make);
      } finally {
        await done();
      }
    });
  }
});

describe("finish() without resetCurrent", () => {
  it("never leaves a finished span or trace current", async () => {
    const { done } = agentSetup();
    try {
      const t = trace("t").start(true);
      const s = agentSpan("s").start(true);
      s.finish();
      assert.equal(getCurrentSpan(), null);
      assert.equal(getCurrentTrace(), t);
      t.finish();
      assert.equal(getCurrentTrace(), null);
    } finally {
      await done();
    }
  });
});
