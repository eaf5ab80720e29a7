// instrument() in a real workerd (Miniflare) serving a Worker that proxies a loopback origin with
// `return fetch(origin)`. The origin gzips with a Content-Length, as most origins do for Workers
// subrequests (they send Accept-Encoding): GET must return the whole body and HEAD must not fail.
// An origin without an encoding keeps its Content-Length; a body the Worker made from it with the
// origin's headers (a stale Content-Length) is sent whole. Node only: it starts Miniflare and a
// node:http origin itself (skipped elsewhere, including inside the workerd test run).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync, gzipSync } from "node:zlib";
import { isNode } from "../_support/runtime.ts";
import type { MiniflareWorker } from "../_support/miniflare_worker.ts";
import { pollRecords, recordingWorker, startWorker } from "../_support/miniflare_worker.ts";

const TEXT = "abcdefghij".repeat(2000);

/** The Worker: proxies `/gzip` and `/plain` to the origin, and records its ended root spans. */
const WORKER = recordingWorker({
  handler: `{
    async fetch(request, env) {
      const path = new URL(request.url).pathname;
      if (path !== "/edited") return fetch(env.ORIGIN + path);
      // A common edit: a new body with the origin's headers, its Content-Length now stale.
      const origin = await fetch(env.ORIGIN + "/plain");
      return new Response((await origin.text()) + " and more", origin);
    },
  }`,
  record: `{
    method: s.attributes["http.request.method"],
    path: s.attributes["url.path"],
    size: s.attributes["http.response.body.size"],
    events: s.events.map((e) => e.name),
  }`,
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One request without Accept-Encoding; a gzip answer is decoded here. */
function request(base: URL, method: string, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, base), { method }, (res) => {
      const chunks: Uint8Array[] = [];
      res.on("data", (chunk: Uint8Array) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        let body = Buffer.concat(chunks);
        if (res.headers["content-encoding"] === "gzip" && body.length > 0) body = gunzipSync(body);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: body.toString() });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

describe("instrument() in workerd, proxying an origin", () => {
  it(
    "returns a gzip origin's whole body to GET, answers HEAD, and keeps a plain length",
    { skip: !isNode && "starts Miniflare and a node:http origin (Node only)" },
    async () => {
      const gz = gzipSync(TEXT);
      const origin = http.createServer((req, res) => {
        if (req.url === "/gzip") {
          res.writeHead(200, { "content-encoding": "gzip", "content-length": gz.length });
          res.end(gz);
        } else {
          res.writeHead(200, { "content-length": 5 });
          res.end("plain");
        }
      });
      await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
      const { port } = origin.address() as AddressInfo;
      let mf: MiniflareWorker | undefined;
      try {
        mf = await startWorker(WORKER, "proxy_worker.js", { ORIGIN: `http://127.0.0.1:${port}` });
        const base = await mf.ready;

        const get = await request(base, "GET", "/gzip");
        assert.equal(get.status, 200);
        assert.equal(get.text, TEXT, "the whole decoded body arrives");
        const head = await request(base, "HEAD", "/gzip");
        assert.equal(head.status, 200);
        const plain = await request(base, "GET", "/plain");
        assert.equal(plain.text, "plain");
        assert.equal(plain.headers["content-length"], "5", "an unencoded length is kept");
        // Held to the stale length, the client got "plain" and the span an error.
        const edited = await request(base, "GET", "/edited");
        assert.equal(edited.text, "plain and more");

        type Reported = { method: string; path: string; size: number; events: string[] };
        const spans = await pollRecords<Reported>(mf, (spans) => spans.length >= 4);
        assert.deepEqual(spans.map((s) => [s.method, s.path, s.events]), [
          ["GET", "/gzip", []],
          ["HEAD", "/gzip", []],
          ["GET", "/plain", []],
          ["GET", "/edited", []],
        ], "no span records a cancelled body or an error");
        assert.deepEqual([spans[0].size, spans[2].size, spans[3].size], [TEXT.length, 5, 14]);
      } finally {
        await mf?.dispose();
        origin.close();
      }
    },
  );
});
