// A callback form (withSpan, a task, an agent or events scope) that returns a lazy thenable (a
// query builder whose `then` starts the query) times the work `then` starts: that work must run
// inside the span's context, as it would if the callback awaited the thenable itself.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createContextKey, getContextManager, Tracer } from "../mod.ts";
import type { ContextKey } from "../mod.ts";
import { runScoped } from "../src/agents/_scope.ts";
import { getCurrentTask, taskSpan } from "../src/task/mod.ts";
import { CollectingProcessor } from "./_support/collect.ts";
import { withAsyncLocalStorage } from "./_support/flow_managers.ts";
import { withTaskEnv } from "./_support/task_env.ts";

/** A query-builder-like thenable: `then` starts the work, which reads `probe()` and resolves. */
function thenablesLazy<T>(probe: () => unknown, value: T) {
  const seen: unknown[] = [];
  return {
    seen,
    then<R>(resolve: (value: T) => R, _reject?: (error: unknown) => R): void {
      seen.push(probe());
      setTimeout(() => resolve(value), 1); // the work goes on after `then` returned
    },
  };
}

describe("a lazy thenable returned by a callback form", () => {
  it("withSpan: `then` runs with the span active, and the span ends when it resolves", async () => {
    await withAsyncLocalStorage(async () => {
      const collector = new CollectingProcessor();
      const tracer = new Tracer({ processors: [collector] });
      let span: unknown;
      const query = thenablesLazy(() => tracer.activeSpan(), 42);
      const result = tracer.withSpan("query", (s) => {
        span = s;
        return query as unknown as Promise<number>;
      });
      assert.equal(await result, 42);
      assert.deepEqual(query.seen, [span]);
      assert.equal(collector.byName("query").status.code, "UNSET");
      assert.equal(tracer.activeSpan(), undefined);
    });
  });

  it("a task: `then` runs with the task current", async () => {
    await withTaskEnv(async () => {
      const query = thenablesLazy(() => getCurrentTask()?.name, "rows");
      const value = await taskSpan("load", {}, () => query as unknown as Promise<string>);
      assert.equal(value, "rows");
      assert.deepEqual(query.seen, ["load"]);
    });
  });

  it("an agent or events scope: `then` runs in the scope's context, and the scope closes after", async () => {
    await withAsyncLocalStorage(async () => {
      const key: ContextKey<string> = createContextKey("test.scope");
      const context = getContextManager().active().set(key, "inside");
      const query = thenablesLazy(() => getContextManager().active().get(key), 7);
      const closed: boolean[] = [];
      const result = runScoped(
        context,
        () => query as unknown as Promise<number>,
        (_error, failed) => closed.push(failed),
      );
      assert.deepEqual(closed, []);
      assert.equal(await result, 7);
      assert.deepEqual(query.seen, ["inside"]);
      assert.deepEqual(closed, [false]);
    });
  });

  it("a `then` that throws still rejects, and a plain value or a sync throw is unchanged", async () => {
    await withAsyncLocalStorage(async () => {
      const collector = new CollectingProcessor();
      const tracer = new Tracer({ processors: [collector] });
      const broken = {
        then() {
          throw new Error("then failed");
        },
      };
      await assert.rejects(
        tracer.withSpan("broken", () => broken as unknown as Promise<void>),
        /then failed/,
      );
      assert.equal(collector.byName("broken").status.code, "ERROR");
      assert.equal(tracer.withSpan("sync", () => 5), 5);
      assert.notEqual(collector.byName("sync").endTime, 0);
      assert.throws(() =>
        tracer.withSpan("throws", () => {
          throw new Error("sync");
        }), /sync/);
      assert.equal(collector.byName("throws").status.code, "ERROR");
    });
  });
});
