// Durable Object storage in a real workerd (Miniflare) across several requests, as a Worker uses
// it: one module-level storage made in the first request and used by every later one. workerd
// forbids using a stub made in another request, so the storage must take a stub per call. Node
// only: it starts Miniflare and a node:http collector itself (skipped elsewhere, including inside
// the workerd test run, where everything happens in one request).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { isNode } from "../_support/runtime.ts";
import { type MiniflareWorker, startWorker } from "../_support/miniflare_worker.ts";

const skip = !isNode && "starts Miniflare (Node only)";
const DO = { durableObjects: { TRACELET_DO: "TraceletDurableObject" } };

/** The Worker: `/op/<n>` uses a storage kept from the first request. */
const STORAGE_WORKER = `
import { cloudflareStorage } from "./src/runtime/worker.ts";
export { TraceletDurableObject } from "./src/storage/durable_object.ts";
let storage;
export default {
  async fetch(request, env) {
    storage ??= cloudflareStorage({ durableObject: env.TRACELET_DO, durableObjectName: "shared" });
    const path = new URL(request.url).pathname;
    try {
      await storage.outbox.enqueue({
        body: new Uint8Array([1, 2, 3]), contentType: "application/json", spanCount: 1,
        reason: "network", createdAt: Date.now(), notBefore: 0, attempts: 0,
      });
      await storage.appendLines(["p", "log.jsonl"], [path]);
      await storage.putBlob(path, new Uint8Array([7]));
      return Response.json({
        bytes: await storage.outbox.bytes(),
        lines: await storage.readLines(["p", "log.jsonl"]),
        blob: [...(await storage.getBlob(path)) ?? []],
      });
    } catch (error) {
      return Response.json({ error: String(error) });
    }
  },
};`;

/** The Worker: instrument() with its outbox on the Durable Object; `/report` reads it back. */
const INSTRUMENT_WORKER = `
import { instrument, cloudflareStorage } from "./src/runtime/worker.ts";
export { TraceletDurableObject } from "./src/storage/durable_object.ts";
const flushes = [];
const worker = instrument({ fetch: () => new Response("ok") }, {
  onFlush: (report) => void flushes.push(report),
  configure: (env) => ({
    local: false,
    storage: cloudflareStorage({ durableObject: env.TRACELET_DO }),
    otlp: { endpoint: env.COLLECTOR + "/v1/traces", protocol: "http/json", compression: "none" },
  }),
});
export default {
  async fetch(request, env, ctx) {
    if (new URL(request.url).pathname !== "/report") return worker.fetch(request, env, ctx);
    const fresh = cloudflareStorage({ durableObject: env.TRACELET_DO });
    return Response.json({ flushes, entries: (await fresh.outbox.peek(100)).length });
  },
};`;

describe("Durable Object storage in workerd, across requests", () => {
  it("serves every request from a storage made in the first one", { skip }, async () => {
    let mf: MiniflareWorker | undefined;
    try {
      mf = await startWorker(STORAGE_WORKER, "do_storage_worker.js", {}, DO);
      for (let i = 1; i <= 3; i++) {
        const answer = await (await mf.dispatchFetch(`http://worker.test/r${i}`)).json();
        assert.deepEqual(answer, {
          bytes: 3 * i,
          lines: Array.from({ length: i }, (_, j) => `/r${j + 1}`),
          blob: [7],
        }, `request ${i}`);
      }
    } finally {
      await mf?.dispose();
    }
  });

  it(
    "keeps every request's spans in the outbox while the collector rejects them",
    { skip },
    async () => {
      const collector = http.createServer((req, res) => {
        req.resume();
        req.on("end", () => {
          res.writeHead(400);
          res.end("rejected");
        });
      });
      await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
      const { port } = collector.address() as AddressInfo;
      let mf: MiniflareWorker | undefined;
      try {
        mf = await startWorker(INSTRUMENT_WORKER, "do_instrument_worker.js", {
          COLLECTOR: `http://127.0.0.1:${port}`,
        }, DO);
        type Report = { flushes: { persisted: number; failed: number }[]; entries: number };
        let report: Report = { flushes: [], entries: 0 };
        for (let i = 1; i <= 3; i++) {
          assert.equal(await (await mf.dispatchFetch(`http://worker.test/r${i}`)).text(), "ok");
          // Each flush runs after its response, through waitUntil: wait for it (bounded).
          for (let waited = 0; report.flushes.length < i && waited < 10_000; waited += 50) {
            await new Promise((resolve) => setTimeout(resolve, 50));
            report = await (await mf.dispatchFetch("http://worker.test/report")).json();
          }
        }
        assert.deepEqual(
          report.flushes.map((f) => [f.persisted, f.failed]),
          [[1, 0], [1, 0], [1, 0]],
          "every request's batch was kept in the Durable Object outbox",
        );
        assert.equal(report.entries, 3);
      } finally {
        await mf?.dispose();
        collector.close();
      }
    },
  );
});
