// configure() from a second copy of tracelet (a dependency bundling its own, or the npm build next
// to the source) while requests wait at an `await`: the AsyncLocalStorage manager the first copy
// installed is kept, so those requests keep their active span. A manager of another kind is
// replaced as before.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import {
  AsyncLocalStorageContextManager,
  type ContextManager,
  getContextManager,
  setContextManager,
  Tracer,
} from "../mod.ts";
import { configureWith } from "../src/configure.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import { CollectingProcessor } from "./_support/collect.ts";
import { limitedStorage } from "./_support/flow_managers.ts";
import { isolated } from "./_support/global_state.ts";
import { hasFileSystem } from "./_support/runtime.ts";
import { loadSecondCopy } from "./_support/second_copy.ts";

/** What the test uses of the second copy. */
interface SecondCopy {
  configureWith: typeof configureWith;
  AsyncLocalStorageContextManager: typeof AsyncLocalStorageContextManager;
  MemoryStorage: typeof MemoryStorage;
}

/** Loads the second copy's modules the test uses. */
async function loadCopy(): Promise<{ copy: SecondCopy; remove(): Promise<void> }> {
  const { modules: [configure, als, memory], remove } = await loadSecondCopy(
    ["configure.ts", "context/als_manager.ts", "storage/memory.ts"],
  );
  assert.notEqual(als.AsyncLocalStorageContextManager, AsyncLocalStorageContextManager);
  return {
    copy: {
      configureWith: configure.configureWith,
      AsyncLocalStorageContextManager: als.AsyncLocalStorageContextManager,
      MemoryStorage: memory.MemoryStorage,
    },
    remove,
  };
}

/** `configure()` of a copy, with a preset whose context manager is `manager()`. */
function configureCopy(copy: SecondCopy, manager: () => ContextManager) {
  return copy.configureWith({
    runtime: "test",
    contextManager: manager,
    storage: () => new copy.MemoryStorage(),
    env: () => undefined,
    timers: false,
  }, { storage: new copy.MemoryStorage(), diagnostics: () => {} });
}

let loaded: ReturnType<typeof loadCopy> | undefined;

/** The second copy, loaded once for the file. */
async function secondCopy(): Promise<SecondCopy> {
  return (await (loaded ??= loadCopy())).copy;
}

describe("configure() from a second copy of tracelet", () => {
  after(async () => {
    await (await loaded)?.remove();
  });

  it("keeps the AsyncLocalStorage manager of the first: a waiting request keeps its span", {
    skip: !hasFileSystem,
  }, async () => {
    const copy = await secondCopy();
    await isolated(async () => {
      const installed = new AsyncLocalStorageContextManager(AsyncLocalStorage);
      setContextManager(installed);
      const collector = new CollectingProcessor();
      const tracer = new Tracer({ processors: [collector] });
      let release!: () => void;
      const reconfigured = new Promise<void>((resolve) => release = resolve);
      const waiting = tracer.withSpan("request A", async (span) => {
        await reconfigured; // another request configures the other copy meanwhile
        const child = tracer.startSpan("db");
        child.end();
        return { span, active: tracer.activeSpan(), child };
      });
      let configured: ReturnType<typeof configureCopy> | undefined;
      await tracer.withSpan("request B", async () => {
        await null;
        configured = configureCopy(
          copy,
          () => new copy.AsyncLocalStorageContextManager(AsyncLocalStorage),
        );
      });
      release();
      const { span, active, child } = await waiting;
      assert.equal(getContextManager(), installed, "the installed manager is kept");
      assert.equal(active, span, "request A's span is still active after the await");
      assert.equal(child.parentSpanId, span.spanId);
      assert.equal(child.traceId, span.traceId);
      await configured?.shutdown();
    });
  });

  it("and the other way round: the first copy keeps the second copy's manager", {
    skip: !hasFileSystem,
  }, async () => {
    const copy = await secondCopy();
    await isolated(async () => {
      const theirs = new copy.AsyncLocalStorageContextManager(AsyncLocalStorage);
      setContextManager(theirs);
      const configured = configureCopy(
        { configureWith, AsyncLocalStorageContextManager, MemoryStorage },
        () => new AsyncLocalStorageContextManager(AsyncLocalStorage),
      );
      assert.equal(getContextManager(), theirs);
      await configured.shutdown();
    });
  });

  it("replaces another copy's manager built on another AsyncLocalStorage class, as its own", {
    skip: !hasFileSystem,
  }, async () => {
    const copy = await secondCopy();
    await isolated(async () => {
      setContextManager(new AsyncLocalStorageContextManager(limitedStorage("throws")));
      const configured = configureCopy(
        copy,
        () => new copy.AsyncLocalStorageContextManager(AsyncLocalStorage),
      );
      const now = getContextManager() as AsyncLocalStorageContextManager;
      assert.ok(now instanceof copy.AsyncLocalStorageContextManager, "the preset's manager");
      assert.equal(now.storageClass, AsyncLocalStorage);
      await configured.shutdown();
    });
  });

  it("replaces a manager of the user's own that only looks like tracelet's", {
    skip: !hasFileSystem,
  }, async () => {
    const copy = await secondCopy();
    await isolated(async () => {
      const own = new AsyncLocalStorageContextManager(AsyncLocalStorage);
      const lookalike: ContextManager = {
        name: own.name,
        isolatesAsync: true,
        storageClass: AsyncLocalStorage,
        active: () => own.active(),
        with: (context, fn) => own.with(context, fn),
      } as ContextManager;
      setContextManager(lookalike);
      const configured = configureCopy(
        copy,
        () => new copy.AsyncLocalStorageContextManager(AsyncLocalStorage),
      );
      assert.ok(getContextManager() instanceof copy.AsyncLocalStorageContextManager);
      await configured.shutdown();
    });
  });
});
