// tracedFetch() in a real workerd (Miniflare): a response whose status is checked and whose body
// is never read ends its client span as `http.response.cancelled` once the response is
// garbage-collected, with and without a Content-Length. With one, the body went through a
// FixedLengthStream pipe (meant for responses the Worker sends) that kept it alive: the span never
// ended and was never exported.
// Node only: it starts Miniflare and a loopback upstream itself (skipped elsewhere).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { isNode } from "../_support/runtime.ts";
import type { MiniflareWorker } from "../_support/miniflare_worker.ts";
import { pollRecords, recordingWorker, startWorker } from "../_support/miniflare_worker.ts";

const WORKER = recordingWorker({
  imports: `import { invocationSpan, tracedFetch } from "./src/runtime/worker.ts";`,
  handler: `{
    async fetch(request, env, ctx) {
      const path = new URL(request.url).pathname;
      if (path === "/alloc") {
        const garbage = [];
        for (let i = 0; i < 100; i++) garbage.push(new Array(100000).fill(i));
        return new Response(String(garbage.length));
      }
      const response = await tracedFetch({ parent: invocationSpan(ctx) })(env.UPSTREAM + path);
      return new Response(response.ok ? "checked" : "failed"); // the body is left unread
    },
  }`,
  record: `{ kind: s.kind, url: s.attributes["url.full"], events: s.events.map((e) => e.name) }`,
});

interface Recorded {
  kind: string;
  url: string;
  events: string[];
}

describe("tracedFetch() in workerd, a response left unread", () => {
  it(
    "ends the client span as cancelled once collected, with a Content-Length too",
    { skip: !isNode && "starts Miniflare (Node only)" },
    async () => {
      const upstream = http.createServer((req, res) => {
        if (req.url === "/chunked") {
          res.writeHead(200);
          res.write("o");
          res.end("k");
        } else {
          res.writeHead(200, { "content-length": "2" });
          res.end("ok");
        }
      });
      await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
      const port = (upstream.address() as AddressInfo).port;
      let mf: MiniflareWorker | undefined;
      try {
        mf = await startWorker(WORKER, "unread_worker.js", {
          UPSTREAM: `http://127.0.0.1:${port}`,
        });
        const base = await mf.ready;
        const get = async (path: string) =>
          await (await mf!.dispatchFetch(new URL(path, base).href)).text();
        for (let i = 0; i < 3; i++) {
          assert.equal(await get("/length"), "checked");
          assert.equal(await get("/chunked"), "checked");
        }
        const client = (records: Recorded[]) => records.filter((r) => r.kind === "CLIENT");
        let records: Recorded[] = [];
        // Memory pressure until workerd has collected the six responses (at most 60 rounds).
        for (let round = 0; round < 60 && client(records).length < 6; round++) {
          await get("/alloc");
          records = await pollRecords<Recorded>(mf, () => true);
        }
        const ended = client(records);
        assert.equal(ended.filter((r) => r.url.endsWith("/length")).length, 3, "Content-Length");
        assert.equal(ended.filter((r) => r.url.endsWith("/chunked")).length, 3, "chunked");
        for (const span of ended) assert.deepEqual(span.events, ["http.response.cancelled"]);
      } finally {
        await mf?.dispose();
        upstream.closeAllConnections();
        upstream.close();
      }
    },
  );
});
