// A Worker without nodejs_compat (no AsyncLocalStorage: SyncContextManager) in a real workerd
// (Miniflare), serving two concurrent requests whose runs await before they record: a
// runCallable whose callback makes a model call after an await, and an agent trace.run(fn) whose
// fn reads the current trace and runs a span after one. Nothing is current there, so those events
// and spans are not recorded; that was silent (only `sync_context` at info and `agent_no_trace` at
// debug). The README promises a warning once for each layer: `events_context_lost` and
// `agent_context_lost`. A lone event run loses nothing and reports nothing; a lone agent run
// loses the spans it makes after its await all the same (nothing is current there), which is
// reported too (it was silent).
// Node only: it starts Miniflare itself (skipped elsewhere, including inside the workerd run).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isNode } from "../_support/runtime.ts";
import type { MiniflareWorker } from "../_support/miniflare_worker.ts";
import { startWorker } from "../_support/miniflare_worker.ts";

/** The Worker: `/events?who=`, `/agents?who=`, and `/report` with what it recorded. */
const WORKER = `
import {
  EventTracer,
  finishModelCall,
  functionSpan,
  getCurrentTrace,
  instrument,
  MemoryStorage,
  startModelCall,
  trace,
} from "./src/runtime/worker.ts";
const diagnostics = [];
const seen = [];
const spans = [];
const storage = new MemoryStorage();
const events = new EventTracer({ enableConsole: false, storage });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const worker = instrument({
  async fetch(request) {
    const url = new URL(request.url);
    const who = url.searchParams.get("who");
    if (url.pathname === "/events") {
      await events.runCallable({ agentName: "a", requestId: who, inputPayload: {}, fn: async () => {
        await sleep(20);
        const id = startModelCall({ model: "m-" + who, messages: [] });
        finishModelCall(id, { model: "m-" + who, response: { text: "ok" } });
      } });
      return new Response("ok");
    }
    await trace("t-" + who).run(async () => {
      await sleep(20);
      seen.push(who + ": " + (getCurrentTrace()?.name ?? "none"));
      await functionSpan("f-" + who).run(() => {});
    });
    return new Response("ok");
  },
}, {
  configure: {
    local: false,
    processors: [{ onSpanEnd: (s) => void spans.push(s.name) }],
    diagnostics: (d) => void diagnostics.push(d.level + " " + d.code),
  },
});
export default {
  async fetch(request, env, ctx) {
    if (new URL(request.url).pathname !== "/report") return worker.fetch(request, env, ctx);
    const logs = {};
    for (const who of ["A", "B", "C"]) {
      const path = events.resolveLatestTracePath(who);
      const lines = path === undefined ? [] : await storage.readLines(path.split("/"));
      logs[who] = lines.map((line) => JSON.parse(line).event_type);
    }
    return Response.json({ diagnostics, seen, spans, logs });
  },
};`;

interface Report {
  diagnostics: string[];
  seen: string[];
  spans: string[];
  logs: Record<string, string[]>;
}

async function report(mf: MiniflareWorker, base: URL): Promise<Report> {
  return await (await mf.dispatchFetch(new URL("/report", base).href)).json();
}

describe("a Worker without nodejs_compat, with concurrent requests that await in a run", () => {
  it(
    "warns once per layer that what they record after the await is lost",
    { skip: !isNode && "starts Miniflare (Node only)" },
    async () => {
      let mf: MiniflareWorker | undefined;
      try {
        mf = await startWorker(WORKER, "sync_context_lost_worker.js", {});
        const base = await mf.ready;
        const send = (path: string) => mf!.dispatchFetch(new URL(path, base).href);
        // One request alone first: the event run reports nothing; the agent run's span after
        // its await is lost (nothing is current there) and that is reported.
        await (await send("/events?who=C")).text();
        await (await send("/agents?who=C")).text();
        const alone = await report(mf, base);
        assert.deepEqual(alone.diagnostics.filter((d) => d.startsWith("warn")), [
          "warn agent_context_lost",
        ]);
        assert.ok(alone.diagnostics.includes("info sync_context"), alone.diagnostics.join());
        for (const path of ["/events", "/agents"]) {
          await Promise.all(
            ["A", "B"].map(async (who) => (await send(`${path}?who=${who}`)).text()),
          );
        }
        const { diagnostics, seen, spans, logs } = await report(mf, base);
        assert.deepEqual(diagnostics.filter((d) => d.startsWith("warn")), [
          "warn agent_context_lost", // once: reported for the lone request already
          "warn events_context_lost",
        ]);
        assert.deepEqual(seen, ["C: none", "A: none", "B: none"]);
        assert.deepEqual(logs.A, ["RunStarted", "RunFinished"]);
        assert.deepEqual(logs.B, ["RunStarted", "RunFinished"]);
        assert.ok(!spans.some((name) => name.includes("f-")), spans.join());
      } finally {
        await mf?.dispose();
      }
    },
  );
});
