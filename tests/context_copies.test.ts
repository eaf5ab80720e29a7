// Two copies of tracelet in one process (an app and a library that depends on another version)
// share the context manager, and through the shared context keys the active span and the
// inherited attributes: a span one copy starts inside the other's span is its child. What another
// copy, or anyone, leaves under a shared key is untrusted input: starting a span never throws.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  activeContext,
  Context,
  contextWithAttributes,
  getContextManager,
  newSpanId,
  newTraceId,
  Tracer,
} from "../mod.ts";
import type { ContextKey } from "../mod.ts";
import { INHERITED_ATTRIBUTES_KEY, SPAN_KEY } from "../src/context/keys.ts";
import { type getCurrentTask, taskSpan } from "../src/task/mod.ts";
import { captureDiagnostics, CollectingProcessor } from "./_support/collect.ts";
import { hostile } from "./_support/hostile.ts";
import { withAsyncLocalStorage } from "./_support/flow_managers.ts";
import { hasFileSystem } from "./_support/runtime.ts";
import { loadSecondCopy } from "./_support/second_copy.ts";
import { withTaskEnv } from "./_support/task_env.ts";

/** The modules of a second copy of tracelet that the tests use. */
interface CopiesSecondCopy {
  Tracer: typeof Tracer;
  Context: typeof Context;
  getCurrentTask: typeof getCurrentTask;
}

/** Loads the second copy's modules the tests use. */
async function copiesLoadSecond(): Promise<{ copy: CopiesSecondCopy; remove(): Promise<void> }> {
  const { modules: [tracer, task, context], remove } = await loadSecondCopy(
    ["tracer.ts", "task/task_context.ts", "context/context.ts"],
  );
  assert.notEqual(tracer.Tracer, Tracer, "a second copy");
  return {
    copy: { Tracer: tracer.Tracer, Context: context.Context, getCurrentTask: task.getCurrentTask },
    remove,
  };
}

/** The keys every copy of tracelet finds the active span and the inherited attributes under. */
const COPIES_SPAN_KEY: ContextKey<unknown> = { symbol: Symbol.for("tracelet.context.span.v1") };
const COPIES_ATTRIBUTES_KEY: ContextKey<unknown> = {
  symbol: Symbol.for("tracelet.context.attributes.v1"),
};

function copiesInContext<T>(key: ContextKey<unknown>, value: unknown, fn: () => T): T {
  const context: Context = activeContext().set(key, value);
  return getContextManager().with(context, fn);
}

describe("two copies of tracelet in one process", () => {
  it("parent each other's spans and pass inherited attributes down, both ways", {
    skip: !hasFileSystem,
  }, async () => {
    const { copy, remove } = await copiesLoadSecond();
    try {
      await withAsyncLocalStorage(async () => {
        const appSpans = new CollectingProcessor();
        const librarySpans = new CollectingProcessor();
        const app = new Tracer({ processors: [appSpans] });
        const library = new copy.Tracer({ processors: [librarySpans] });
        const tenant = contextWithAttributes(activeContext(), { "tenant.id": "acme" });
        await getContextManager().with(tenant, () =>
          app.withSpan("request", async () => {
            await library.withSpan("library call", async () => {
              await new Promise((resolve) => setTimeout(resolve, 1));
              app.startSpan("callback").end();
            });
          }));
        const request = appSpans.byName("request");
        const call = librarySpans.byName("library call");
        const callback = appSpans.byName("callback");
        assert.equal(call.traceId, request.traceId);
        assert.equal(call.parentSpanId, request.spanId);
        assert.equal(callback.traceId, request.traceId);
        assert.equal(callback.parentSpanId, call.spanId);
        assert.equal(call.attributes["tenant.id"], "acme");
        assert.equal(callback.attributes["tenant.id"], "acme");
      });
    } finally {
      await remove();
    }
  });

  it("keep their tasks apart, while the other copy's spans join the task's trace and run", {
    skip: !hasFileSystem,
  }, async () => {
    const { copy, remove } = await copiesLoadSecond();
    try {
      await withTaskEnv(async () => {
        const librarySpans = new CollectingProcessor();
        const library = new copy.Tracer({ processors: [librarySpans] });
        let seen: unknown = "not read";
        const task = await taskSpan("work", {}, async (t) => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          seen = copy.getCurrentTask(); // the task's class is private to its copy
          library.startSpan("library call").end();
          return t;
        });
        assert.equal(seen, undefined);
        const call = librarySpans.byName("library call");
        assert.equal(call.parentSpanId, task.spanId);
        assert.equal(call.traceId, task.traceId);
        assert.equal(call.attributes["dreadnode.run.id"], task.runId);
      });
    } finally {
      await remove();
    }
  });

  it("what another copy leaves under the shared keys is the parent and the inherited attributes", () => {
    const collector = new CollectingProcessor();
    const tracer = new Tracer({ processors: [collector] });
    const other = { traceId: newTraceId(), spanId: newSpanId(), traceFlags: 1, name: "other" };
    const attributes = Object.freeze({ "tenant.id": "acme" });
    copiesInContext(
      COPIES_SPAN_KEY,
      other,
      () =>
        copiesInContext(COPIES_ATTRIBUTES_KEY, attributes, () => tracer.startSpan("child").end()),
    );
    const child = collector.byName("child");
    assert.equal(child.traceId, other.traceId);
    assert.equal(child.parentSpanId, other.spanId);
    assert.equal(child.attributes["tenant.id"], "acme");
  });

  it("starting a span never throws on what is found under the span and attributes keys", () => {
    const collector = new CollectingProcessor();
    const tracer = new Tracer({ processors: [collector] });
    const h = hostile();
    const traceId = newTraceId();
    let reads = 0;
    const readOnce = { // a getter that works once: the ids must be read once
      get traceId() {
        if (reads++ > 0) throw new Error("read twice");
        return traceId;
      },
      spanId: newSpanId(),
      traceFlags: 1,
    };
    const throwingFlags = {
      traceId,
      spanId: newSpanId(),
      get traceFlags(): number {
        throw new Error("flags");
      },
    };
    for (const bad of [h.revoked, h.throwingKeys, null, 42, "span", throwingFlags]) {
      copiesInContext(SPAN_KEY, bad, () => {
        const span = tracer.startSpan("span");
        assert.equal(span.parentSpanId, undefined, "a new trace");
        span.end();
        assert.equal(tracer.activeSpan(), undefined);
      });
      copiesInContext(INHERITED_ATTRIBUTES_KEY, bad, () => {
        tracer.startSpan("attributes").end();
        assert.doesNotThrow(() => contextWithAttributes(activeContext(), { a: 1 }));
      });
    }
    copiesInContext(SPAN_KEY, readOnce, () => tracer.startSpan("read once").end());
    assert.equal(collector.byName("read once").traceId, traceId);
    assert.equal(collector.ended.length, 13);
  });
  it("take another copy's context as the parent option: its span and inherited attributes", {
    skip: !hasFileSystem,
  }, async () => {
    const { copy, remove } = await copiesLoadSecond();
    try {
      const appSpans = new CollectingProcessor();
      const librarySpans = new CollectingProcessor();
      const app = new Tracer({ processors: [appSpans] });
      const library = new copy.Tracer({ processors: [librarySpans] });
      const request = app.startSpan("request");
      const appContext = contextWithAttributes(app.contextWith(request, Context.ROOT), {
        "tenant.id": "acme",
      });
      library.startSpan("library call", { parent: appContext }).end();
      const call = librarySpans.byName("library call");
      assert.equal(call.traceId, request.traceId);
      assert.equal(call.parentSpanId, request.spanId);
      assert.equal(call.attributes["tenant.id"], "acme");

      const libraryContext = copy.Context.ROOT.set(COPIES_SPAN_KEY, call);
      assert.ok(!(libraryContext instanceof Context), "the other copy's class");
      app.startSpan("callback", { parent: libraryContext }).end();
      const callback = appSpans.byName("callback");
      assert.equal(callback.traceId, request.traceId);
      assert.equal(callback.parentSpanId, call.spanId);
      request.end();
    } finally {
      await remove();
    }
  });

  it("a context-like parent option (with `get`) is read through it; an unreadable one starts a new trace and keeps the other options", async () => {
    const collector = new CollectingProcessor();
    const tracer = new Tracer({ processors: [collector] });
    const other = { traceId: newTraceId(), spanId: newSpanId(), traceFlags: 1 };
    const values = new Map<symbol, unknown>([
      [COPIES_SPAN_KEY.symbol, other],
      [COPIES_ATTRIBUTES_KEY.symbol, Object.freeze({ "tenant.id": "acme" })],
    ]);
    const foreign = { get: (key: ContextKey<unknown>) => values.get(key.symbol) } as never;
    tracer.startSpan("child", { parent: foreign }).end();
    const child = collector.byName("child");
    assert.equal(child.traceId, other.traceId);
    assert.equal(child.parentSpanId, other.spanId);
    assert.equal(child.attributes["tenant.id"], "acme");

    const throwing = {
      get() {
        throw new Error("get");
      },
    } as never;
    const { diagnostics } = await captureDiagnostics(() => {
      for (const parent of [hostile().revoked, throwing]) {
        const span = tracer.startSpan("unreadable", { parent, attributes: { kept: true } });
        assert.equal(span.parentSpanId, undefined, "a new trace");
        assert.equal(span.attributes.kept, true, "the other options are kept");
        span.end();
      }
    });
    assert.deepEqual(diagnostics.filter((d) => d.code === "invalid_span_options"), []);
  });

  it("trace flags that are no number (a BigInt, a symbol, an object) keep the parent and the other options", async () => {
    const collector = new CollectingProcessor();
    const tracer = new Tracer({ processors: [collector] });
    const flags: unknown[] = [1n, Symbol("flags"), {
      valueOf() {
        throw new Error("flags");
      },
    }, "1"];
    const { diagnostics } = await captureDiagnostics(() => {
      for (const traceFlags of flags) {
        const remote = { traceId: newTraceId(), spanId: newSpanId(), traceFlags };
        const parents = [remote, { get: () => remote }] as never[];
        for (const parent of parents) {
          const span = tracer.startSpan("child", {
            parent,
            attributes: { kept: true },
            kind: "SERVER",
          });
          assert.equal(span.traceId, remote.traceId);
          assert.equal(span.parentSpanId, remote.spanId);
          assert.equal(span.attributes.kept, true);
          assert.equal(span.kind, "SERVER");
          assert.equal(span.traceFlags, 1, "sampled, as a parent without flags");
          span.end();
        }
        copiesInContext(SPAN_KEY, remote, () => {
          const span = tracer.startSpan("active", { attributes: { kept: true } });
          assert.equal(span.parentSpanId, remote.spanId);
          assert.equal(span.attributes.kept, true);
          span.end();
        });
      }
    });
    assert.deepEqual(diagnostics.filter((d) => d.code === "invalid_span_options"), []);
  });

  it("inherited attributes that are no object (a string) add no attributes", () => {
    const tracer = new Tracer();
    copiesInContext(INHERITED_ATTRIBUTES_KEY, "acme", () => {
      assert.deepEqual(tracer.startSpan("span").attributes, {});
    });
    const foreign = { get: (key: ContextKey<unknown>) => key === SPAN_KEY ? undefined : "acme" };
    assert.deepEqual(tracer.startSpan("span", { parent: foreign as never }).attributes, {});
  });
});
