// bindSessionId() and TaskSpan.inContext() with a callback that returns a lazy thenable (a query
// builder such as Knex or Prisma, whose `then` starts the work): that work runs inside the scope,
// as it would if the callback awaited the thenable itself. Its spans get the session id, and the
// task is current there.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Span } from "../../mod.ts";
import { bindSessionId, getCurrentTask, run } from "../../src/task/mod.ts";
import type { TaskSpan } from "../../src/task/mod.ts";
import { withTaskEnv } from "../_support/task_env.ts";

/** A lazy thenable: `then` starts the work (`start()`), which resolves with it a tick later. */
function lazy<T>(start: () => T): PromiseLike<T> {
  return {
    then(resolve) {
      const value = start();
      setTimeout(() => resolve?.(value), 1);
      return undefined as never;
    },
  };
}

describe("a lazy thenable returned into a task-layer scope", () => {
  it("bindSessionId: the spans its `then` starts get the session id", async () => {
    await withTaskEnv(async ({ tracer }) => {
      const work = await bindSessionId("session_lazy", () =>
        lazy(() => {
          const span: Span = tracer.startSpan("query");
          span.end();
          return span;
        }));
      assert.equal(work.attributes["dreadnode.session.id"], "session_lazy");
      const after = tracer.startSpan("after");
      after.end();
      assert.equal(after.attributes["dreadnode.session.id"], undefined, "the scope is left");
    });
  });

  it("bindSessionId: a promise comes back as it is, a subclass's own methods included", async () => {
    class Cancellable<T> extends Promise<T> {
      cancelled = false;
      cancel(): void {
        this.cancelled = true;
      }
    }
    const given = new Cancellable<number>((resolve) => resolve(1));
    const back = bindSessionId("session_promise", () => given);
    assert.equal(back, given, "the same object");
    back.cancel(); // typed as the subclass: what was returned is what the types say
    assert.equal(given.cancelled, true);
    assert.equal(await back, 1);
    // A thenable that is no promise comes back as a native promise of its value (typed so).
    const adopted: Promise<number> = bindSessionId("session_lazy", () => lazy(() => 2));
    assert.ok(adopted instanceof Promise);
    assert.equal(await adopted, 2);
  });

  it("TaskSpan.inContext: its `then` runs with the task current, and spans are its children", async () => {
    await withTaskEnv(async ({ tracer }) => {
      const task = run("scoped");
      const { current, span } = await task.inContext(() =>
        lazy(() => {
          const span = tracer.startSpan("query");
          span.end();
          return { current: getCurrentTask() as TaskSpan | undefined, span };
        })
      );
      task.end();
      assert.equal(current, task);
      assert.equal(span.parentSpanId, task.spanId);
      assert.equal(span.traceId, task.traceId);
      assert.equal(getCurrentTask(), undefined);
    });
  });
});
