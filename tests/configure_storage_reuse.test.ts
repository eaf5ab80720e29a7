// configure() called again without a `storage` option keeps the default storage of the same root:
// what the replaced pipeline accepted and parked in its outbox is still delivered, and repeated
// calls do not build (and hold) one storage object each.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configure } from "../src/portable.ts";
import type { ConfigureOptions } from "../src/configure.ts";
import { isolated } from "./_support/global_state.ts";

/** A collector that refuses every request (503) until `up` is set, then records span names. */
function collector() {
  const state = { up: false, names: [] as string[] };
  const fetch = (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    if (!state.up) return Promise.resolve(new Response("down", { status: 503 }));
    const body = new TextDecoder().decode(init?.body as Uint8Array);
    for (const name of ["during the outage", "after"]) {
      if (body.includes(`"name":"${name}"`)) state.names.push(name);
    }
    return Promise.resolve(new Response(null, { status: 200 }));
  };
  return { state, fetch };
}

function options(fetch: ConfigureOptions["env"] | unknown): ConfigureOptions {
  return {
    local: false,
    otlp: {
      endpoint: "http://127.0.0.1:9/v1/traces",
      protocol: "http/json",
      compression: "none",
      fetch: fetch as never,
      retry: { maxAttempts: 1 },
      outboxRetry: { initialDelayMillis: 0 },
    },
  } as ConfigureOptions;
}

describe("configure() again with the default storage", () => {
  it("delivers a batch the replaced pipeline parked during an outage", () =>
    isolated(async () => {
      const { state, fetch } = collector();
      const first = configure(options(fetch));
      first.tracer.startSpan("during the outage").end();
      const parked = await first.forceFlush();
      assert.equal(parked.persisted, 1, "parked in the outbox of the default storage");
      // Replaced while the collector is still down: the old pipeline retires without delivering.
      const second = configure(options(fetch));
      await second.forceFlush();
      state.up = true;
      second.tracer.startSpan("after").end();
      await second.forceFlush();
      await second.forceFlush();
      assert.deepEqual(state.names.sort(), ["after", "during the outage"]);
      assert.equal(second.storage, first.storage, "the same storage object");
    }));

  it("an explicit storage, or another root, still gets its own", () =>
    isolated(() => {
      const first = configure({ local: false });
      const root = configure({ local: false, storageRoot: "elsewhere" });
      assert.notEqual(root.storage, first.storage);
      const again = configure({ local: false, storageRoot: "elsewhere" });
      assert.equal(again.storage, root.storage);
      return Promise.resolve();
    }));
});
