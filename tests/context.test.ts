import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import {
  activeContext,
  AsyncLocalStorageContextManager,
  contextWithAttributes,
  getContextManager,
  INHERITED_ATTRIBUTES_KEY,
  setContextManager,
  SyncContextManager,
  Tracer,
} from "../mod.ts";
import type { ContextManager } from "../mod.ts";
import { CollectingProcessor } from "./_support/collect.ts";

async function withManager<T>(manager: ContextManager, fn: () => T | Promise<T>): Promise<T> {
  const previous = setContextManager(manager);
  try {
    return await fn();
  } finally {
    setContextManager(previous);
  }
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("context", () => {
  it("shares one manager through a Symbol.for global slot", () => {
    const manager = getContextManager();
    const slot =
      (globalThis as Record<symbol, { manager: ContextManager }>)[Symbol.for("tracelet.context")];
    assert.equal(slot.manager, manager);
  });

  it("AsyncLocalStorage keeps the right parent across concurrent async work", async () => {
    await withManager(new AsyncLocalStorageContextManager(AsyncLocalStorage), async () => {
      const collector = new CollectingProcessor();
      const tracer = new Tracer({ processors: [collector] });
      await tracer.withSpan("root", async () => {
        await Promise.all(["a", "b", "c"].map((name, i) =>
          tracer.withSpan(name, async () => {
            await tick(5 * (3 - i));
            await tracer.withSpan(`${name}.child`, async () => {
              await tick(i);
              tracer.withSpan(`${name}.leaf`, () => {});
            });
          })
        ));
      });
      const root = collector.byName("root");
      for (const name of ["a", "b", "c"]) {
        const mid = collector.byName(name);
        const child = collector.byName(`${name}.child`);
        const leaf = collector.byName(`${name}.leaf`);
        assert.equal(mid.parentSpanId, root.spanId, `${name} parent`);
        assert.equal(child.parentSpanId, mid.spanId, `${name}.child parent`);
        assert.equal(leaf.parentSpanId, child.spanId, `${name}.leaf parent`);
        assert.equal(leaf.traceId, root.traceId);
      }
      assert.equal(tracer.activeSpan(), undefined, "nothing active after the root ends");
    });
  });

  it("works with no AsyncLocalStorage at all when parents are passed explicitly", async () => {
    await withManager(new SyncContextManager(), async () => {
      const collector = new CollectingProcessor();
      const tracer = new Tracer({ processors: [collector] });
      const root = tracer.startSpan("root");
      await Promise.all(["x", "y"].map(async (name) => {
        const mid = tracer.startSpan(name, { parent: root });
        await tick(2);
        const leaf = tracer.startSpan(`${name}.leaf`, { parent: mid });
        leaf.end();
        mid.end();
      }));
      root.end();
      for (const name of ["x", "y"]) {
        assert.equal(collector.byName(name).parentSpanId, root.spanId);
        assert.equal(collector.byName(`${name}.leaf`).parentSpanId, collector.byName(name).spanId);
      }
    });
  });

  it("the sync manager nests synchronous callbacks and restores after throws", async () => {
    await withManager(new SyncContextManager(), () => {
      const collector = new CollectingProcessor();
      const tracer = new Tracer({ processors: [collector] });
      tracer.withSpan("outer", () => {
        assert.throws(() =>
          tracer.withSpan("thrower", () => {
            throw new Error("x");
          })
        );
        tracer.withSpan("after", () => {});
      });
      assert.equal(collector.byName("after").parentSpanId, collector.byName("outer").spanId);
      assert.equal(tracer.activeSpan(), undefined);
    });
  });
});

describe("inherited attributes", () => {
  it("are stamped on spans started in the context; a span's own values win", () => {
    const processor = new CollectingProcessor();
    const tracer = new Tracer({ processors: [processor] });
    const outer = contextWithAttributes(activeContext(), {
      "tenant.id": "acme",
      "app.tier": "free",
    });
    const inner = contextWithAttributes(outer, { "app.tier": "pro" });
    getContextManager().with(inner, () => {
      tracer.startSpan("query").end();
      tracer.startSpan("own", { attributes: { "tenant.id": "other" } }).end();
    });
    tracer.startSpan("outside").end();
    const [query, own, outside] = processor.ended;
    assert.equal(query.attributes["tenant.id"], "acme");
    assert.equal(query.attributes["app.tier"], "pro");
    assert.equal(own.attributes["tenant.id"], "other");
    assert.equal(outside.attributes["tenant.id"], undefined);
    assert.ok(Object.isFrozen(inner.get(INHERITED_ATTRIBUTES_KEY)));
    assert.equal(outer.get(INHERITED_ATTRIBUTES_KEY)?.["app.tier"], "free");
  });
});
