// `crypto.randomUUID` is missing where `crypto.getRandomValues` is not: browsers offer it to secure
// contexts only (a page served over `http://` from a LAN address has no `randomUUID`). Task and run
// ids, event-log names and the outbox's lease owner came from it, so `run()` and `taskSpan()` threw
// before the program's own function ran (a locked-down runtime trial). Ids come from the random
// pool there.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { newUuid } from "../mod.ts";
import { configure, run, taskSpan } from "../src/runtime/web.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import { CollectingProcessor } from "./_support/collect.ts";
import { isolated } from "./_support/global_state.ts";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Runs `fn` with `crypto.randomUUID` shadowed by `undefined`, as on an insecure page. */
async function withoutRandomUuid<T>(fn: () => Promise<T> | T): Promise<T> {
  const webCrypto = globalThis.crypto as unknown as Record<string, unknown>;
  Object.defineProperty(webCrypto, "randomUUID", { value: undefined, configurable: true });
  try {
    assert.equal(typeof webCrypto.randomUUID, "undefined");
    return await fn();
  } finally {
    delete webCrypto.randomUUID; // the prototype's again
  }
}

describe("without crypto.randomUUID", () => {
  it("task ids are still distinct dashed v4 UUIDs", async () => {
    const ids = await withoutRandomUuid(() => Array.from({ length: 2000 }, () => newUuid()));
    for (const id of ids) assert.match(id, UUID_V4);
    assert.equal(new Set(ids).size, ids.length);
    // Every variant digit occurs: the variant is random, not fixed.
    assert.deepEqual(new Set(ids.map((id) => id[19])), new Set(["8", "9", "a", "b"]));
  });

  it("run() and taskSpan() run the program's function and record it", () =>
    isolated(async () => {
      const collector = new CollectingProcessor();
      const tracing = configure({
        storage: new MemoryStorage(),
        processors: [collector],
        diagnostics: () => {},
      });
      const ran: string[] = [];
      await withoutRandomUuid(() =>
        run("session", {}, async () => {
          ran.push("run");
          await taskSpan("step", () => void ran.push("task"));
        })
      );
      await tracing.shutdown();
      assert.deepEqual(ran, ["run", "task"]);
      assert.deepEqual(collector.ended.map((s) => s.name).sort(), ["session", "step"]);
    }));
});
