// instrument() in a real workerd (Miniflare) for responses workerd does not send as the handler
// made them: a body already read (workerd answers 500 "Body has already been used"), a value that
// is not a Response (500 "the Promise did not resolve to 'Response'"; a look-alike object too)
// and a HEAD response (no body bytes go out), next to a 5xx and a thrown error, with their
// `error.type`.
// Node only: it starts Miniflare itself (skipped elsewhere, including inside the workerd run).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { isNode } from "../_support/runtime.ts";
import type { MiniflareWorker } from "../_support/miniflare_worker.ts";
import { pollRecords, recordingWorker, startWorker } from "../_support/miniflare_worker.ts";

/** The Worker: one route per case; it records its ended root spans. */
const WORKER = recordingWorker({
  handler: `{
    async fetch(request) {
      const path = new URL(request.url).pathname;
      if (path === "/used") {
        const response = new Response("read already");
        await response.text();
        return response;
      }
      if (path === "/throw") throw new RangeError("boom");
      if (path === "/not-response") return "not a response";
      if (path === "/polyfill") {
        const real = new Response("look-alike");
        return { status: 200, headers: real.headers, body: real.body, bodyUsed: false };
      }
      if (path === "/500") return new Response("err", { status: 500 });
      return new Response("hello", { headers: { "content-length": "5" } });
    },
  }`,
  record: `{
    path: s.attributes["url.path"],
    code: s.attributes["http.response.status_code"],
    size: s.attributes["http.response.body.size"],
    status: s.status.code,
    errorType: s.attributes["error.type"],
    events: s.events.map((e) => e.name),
  }`,
});

/** One request; resolves with the status and body length the client received. */
function request(base: URL, method: string, path: string): Promise<[number, number]> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, base), { method }, (res) => {
      let length = 0;
      res.on("data", (chunk: Uint8Array) => void (length += chunk.byteLength));
      res.on("error", reject);
      res.on("end", () => resolve([res.statusCode ?? 0, length]));
    });
    req.on("error", reject);
    req.end();
  });
}

interface Reported {
  path: string;
  code?: number;
  size?: number;
  status: string;
  errorType?: string;
  events: string[];
}

describe("instrument() in workerd, responses workerd changes", () => {
  it(
    "records a used body and a non-Response as the 500 workerd sends, and no body size for HEAD",
    { skip: !isNode && "starts Miniflare (Node only)" },
    async () => {
      let mf: MiniflareWorker | undefined;
      try {
        mf = await startWorker(WORKER, "response_worker.js", {});
        const base = await mf.ready;
        const cases: [string, string][] = [
          ["GET", "/used"],
          ["HEAD", "/head"],
          ["GET", "/get"],
          ["GET", "/500"],
          ["GET", "/throw"],
          ["GET", "/not-response"],
          ["GET", "/polyfill"],
        ];
        const received = [];
        for (const [method, path] of cases) received.push(await request(base, method, path));
        assert.deepEqual(received.map(([status]) => status), [500, 200, 200, 500, 500, 500, 500]);
        assert.deepEqual(received[1], [200, 0], "HEAD sends no body");

        const spans = await pollRecords<Reported>(mf, (spans) => spans.length >= cases.length);
        const byPath = new Map(spans.map((s) => [s.path, s]));
        assert.deepEqual(byPath.get("/used"), {
          path: "/used",
          code: 500,
          status: "ERROR",
          errorType: "TypeError",
          events: ["exception"],
        });
        assert.deepEqual(byPath.get("/not-response"), {
          path: "/not-response",
          code: 500,
          status: "ERROR",
          errorType: "TypeError",
          events: ["exception"],
        }, "a handler that gives no Response is the 500 workerd sends");
        assert.deepEqual(
          { ...byPath.get("/polyfill"), path: "/not-response" },
          byPath.get("/not-response"),
          "workerd takes only its own Response: a look-alike is that 500 too",
        );
        assert.equal(byPath.get("/head")?.size, undefined);
        assert.equal(byPath.get("/head")?.status, "UNSET");
        assert.equal(byPath.get("/get")?.size, 5);
        assert.deepEqual(
          [byPath.get("/500")?.errorType, byPath.get("/throw")?.errorType],
          ["500", "RangeError"],
        );
      } finally {
        await mf?.dispose();
      }
    },
  );
});
