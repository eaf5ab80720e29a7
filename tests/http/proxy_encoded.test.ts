// Proxying a compressed origin (the gateway of the README: a handler that returns a `fetch()`
// response) through traceFetchHandler and tracedFetch, on a real server (Deno.serve, Bun.serve,
// the node:http adapter; not in workerd). The runtimes' fetch decodes a gzip body but keeps its
// `Content-Encoding` and encoded `Content-Length`: on Deno and Node a re-wrapped response must
// not send those with the decoded bytes (Deno's server drops them for a fetch() response it sends
// itself). Bun's fetch can keep the gzip bytes (`decompress: false`), so there a traced response
// keeps its headers and is sent as Bun sends it untraced. The traced fetch still shows the caller
// the headers an untraced fetch shows, and a handler's own precompressed response keeps its
// encoding.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync, gzipSync } from "node:zlib";
import { traceFetchHandler } from "../../src/http/trace_fetch_handler.ts";
import { type FetchFunction, tracedFetch } from "../../src/http/traced_fetch.ts";
import { isBun, isDeno, isNode, isWorkerd } from "../_support/runtime.ts";
import { until, withTracing } from "./_helpers.ts";
import { type Handler, serve } from "./_serve.ts";

const TEXT = "hello world ".repeat(200);
const GZ = gzipSync(TEXT);

/** What a client that asks for gzip and decodes it itself received. */
interface Received {
  readonly headers: http.IncomingHttpHeaders;
  readonly raw: Buffer;
}

/** One GET with `Accept-Encoding: gzip`, the body as sent (a parse error rejects). */
function get(url: string): Promise<Received> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { "accept-encoding": "gzip" } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => resolve({ headers: response.headers, raw: Buffer.concat(chunks) }));
    });
    request.on("error", reject);
  });
}

/** The text a client reads: the body decoded as its headers say, its length checked. */
function decode({ headers, raw }: Received): string {
  if (headers["content-length"] !== undefined) {
    assert.equal(Number(headers["content-length"]), raw.length, "Content-Length matches the body");
  }
  const coding = headers["content-encoding"];
  assert.ok(coding === undefined || coding === "gzip", `unexpected coding ${coding}`);
  return (coding === "gzip" ? gunzipSync(raw) : raw).toString();
}

/** Runs `fn` with a gzip origin (`Content-Encoding: gzip` and the encoded `Content-Length`). */
async function withOrigin(fn: (url: string) => Promise<void>): Promise<void> {
  const origin = http.createServer((_req, res) => {
    res.writeHead(200, {
      "content-type": "text/plain",
      "content-encoding": "gzip",
      "content-length": GZ.length,
    });
    res.end(GZ);
  });
  await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
  try {
    await fn(`http://127.0.0.1:${(origin.address() as AddressInfo).port}/`);
  } finally {
    origin.closeAllConnections();
    await new Promise((resolve) => origin.close(resolve));
  }
}

/** Serves `handler` and gets `/` once. */
async function through(handler: Handler): Promise<Received> {
  const served = await serve(handler);
  try {
    return await get(`${served.origin}/`);
  } finally {
    await served.close();
  }
}

describe("proxying a compressed origin", { skip: isWorkerd && "no server in workerd" }, () => {
  for (const traced of ["the handler", "the handler and its fetch"]) {
    it(
      `sends the decoded body whole, without the stale encoding, when ${traced} is traced`,
      { skip: isBun && "Bun's fetch may keep the encoded body: see the Bun tests below" },
      () =>
        withOrigin((url) =>
          withTracing(async ({ tracer, collected }) => {
            const send: FetchFunction = traced === "the handler"
              ? (input, init) => fetch(input, init)
              : tracedFetch({ tracer });
            const received = await through(traceFetchHandler(() => send(url), { tracer }));
            assert.equal(received.headers["content-encoding"], undefined);
            assert.equal(decode(received), TEXT);
            await until(() => collected.ended.some((span) => span.kind === "SERVER"));
            const server = collected.ended.find((span) => span.kind === "SERVER")!;
            assert.equal(server.attributes["http.response.body.size"], TEXT.length);
          })
        ),
    );

    it(
      `passes Bun's undecoded body on with its encoding when ${traced} is traced`,
      { skip: !isBun && "Bun's fetch option" },
      () =>
        withOrigin((url) =>
          withTracing(async ({ tracer, collected }) => {
            // Bun's documented option: the gzip bytes as the origin sent them.
            const init = { decompress: false } as RequestInit;
            const send: FetchFunction = traced === "the handler"
              ? (input) => fetch(input, init)
              : tracedFetch({ tracer });
            const untraced = await through(() => fetch(url, init));
            const received = await through(traceFetchHandler(() => send(url, init), { tracer }));
            assert.equal(received.headers["content-encoding"], "gzip");
            assert.deepEqual(received.raw, untraced.raw);
            assert.equal(decode(received), TEXT);
            await until(() => collected.ended.some((span) => span.kind === "SERVER"));
            const server = collected.ended.find((span) => span.kind === "SERVER")!;
            assert.equal(server.attributes["http.response.body.size"], GZ.length);
          })
        ),
    );
  }

  it(
    "sends a decoded fetch() response as Bun sends it untraced",
    { skip: !isBun && "Bun's server" },
    () =>
      withOrigin((url) =>
        withTracing(async ({ tracer }) => {
          const untraced = await through(() => fetch(url));
          const traced = await through(traceFetchHandler(() => fetch(url), { tracer }));
          assert.equal(traced.headers["content-encoding"], untraced.headers["content-encoding"]);
          assert.deepEqual(traced.raw, untraced.raw);
        })
      ),
  );

  it(
    "sends a traced fetch's response whole when the server sends it (as Deno sends fetch()'s)",
    {
      skip: (isNode && "the node:http adapter sends fetch()'s stale headers, traced or not") ||
        (isBun && "Bun sends fetch()'s stale headers, traced or not"),
    },
    () =>
      withOrigin((url) =>
        withTracing(async ({ tracer }) => {
          const traced = await through(() => tracedFetch({ tracer })(url));
          assert.equal(traced.headers["content-encoding"], undefined);
          assert.equal(decode(traced), TEXT);
          if (isDeno) {
            const untraced = await through(() => fetch(url));
            assert.equal(untraced.headers["content-encoding"], undefined);
            assert.equal(decode(untraced), TEXT);
          }
        })
      ),
  );

  it("shows the caller the headers an untraced fetch shows", () =>
    withOrigin((url) =>
      withTracing(async ({ tracer, collected }) => {
        const untraced = await fetch(url);
        const traced = await tracedFetch({ tracer })(url);
        assert.deepEqual(
          [...traced.headers].filter(([name]) => name !== "date"),
          [...untraced.headers].filter(([name]) => name !== "date"),
        );
        assert.equal(traced.headers.get("content-encoding"), "gzip");
        assert.equal(await traced.text(), await untraced.text());
        assert.equal(collected.ended.length, 1);
      })
    ));

  it("keeps the encoding of a handler's own precompressed response", () =>
    withTracing(async ({ tracer }) => {
      const handler = traceFetchHandler(
        () => new Response(GZ, { headers: { "content-encoding": "gzip" } }),
        { tracer },
      );
      const received = await through(handler);
      assert.equal(received.headers["content-encoding"], "gzip");
      assert.equal(decode(received), TEXT);
    }));
});
