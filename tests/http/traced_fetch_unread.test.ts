// tracedFetch() and 2xx bodies nobody reads: once the response is garbage-collected, its
// connection is freed (as fetch frees an unread plain one: Node's only while the body is unlocked,
// and the traced body locks it) and its span ends with `http.response.cancelled`; a response still
// held is never cancelled by a collection. Deno, Node and Bun, with a forced garbage collection
// (workerd has neither a node:http server nor a way to force one).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type FetchFunction, tracedFetch } from "../../src/http/traced_fetch.ts";
import { forcedGc } from "../_support/forced_gc.ts";
import { until, withTracing } from "./_helpers.ts";

/** A body larger than every buffer between the server and the reader. */
const BODY = Buffer.alloc(1_000_000, 97);

const gc = forcedGc();
const skip = gc === undefined && "cannot force a garbage collection here";

/** A loopback server that answers every request with `BODY`, and counts its open connections. */
async function withServer(fn: (url: string, open: () => number) => Promise<void>): Promise<void> {
  const sockets = new Set<Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-length": String(BODY.length) });
    res.end(BODY);
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await fn(`http://127.0.0.1:${port}/`, () => sockets.size);
  } finally {
    const closed = new Promise((resolve) => server.close(resolve));
    for (const socket of sockets) socket.destroy();
    await closed;
  }
}

/** Fetches `url` and drops the response unread (in a function of its own: nothing keeps it). */
async function fetchUnread(fetch: FetchFunction, url: string): Promise<number> {
  const response = await fetch(url);
  return response.status;
}

/** Collects garbage until `predicate` holds (at most 10 s). */
function collectUntil(predicate: () => boolean): Promise<void> {
  return until(() => {
    gc?.();
    return predicate();
  }, 10_000);
}

describe("tracedFetch(): 2xx bodies nobody reads", { skip }, () => {
  it("frees their connections and ends their spans once the responses are collected", () =>
    withServer((url, open) =>
      withTracing(async ({ tracer, collected }) => {
        const fetch = tracedFetch({ tracer });
        const cloned = async () => (await fetch(url)).clone().status;
        for (let i = 0; i < 10; i++) assert.equal(await fetchUnread(fetch, url), 200);
        for (let i = 0; i < 2; i++) assert.equal(await cloned(), 200);
        await collectUntil(() => open() === 0 && collected.ended.length === 12);
        for (const span of collected.ended) {
          assert.equal(span.status.code, "UNSET");
          assert.equal(span.attributes["http.response.status_code"], 200);
          assert.deepEqual(span.events.map((e) => e.name), ["http.response.cancelled"]);
        }
      })
    ));

  it("never cancels a body still held: it reads to its end after collections", () =>
    withServer((url) =>
      withTracing(async ({ tracer, collected }) => {
        const fetch = tracedFetch({ tracer });
        const response = await fetch(url);
        const reader = response.body!.getReader();
        const first = await reader.read();
        for (let i = 0; i < 5; i++) {
          gc?.();
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        let bytes = first.value?.byteLength ?? 0;
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
          bytes += chunk.value.byteLength;
        }
        assert.equal(bytes, BODY.length);
        const kept = await fetch(url);
        for (let i = 0; i < 5; i++) {
          gc?.();
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        assert.equal((await kept.arrayBuffer()).byteLength, BODY.length);
        assert.equal(collected.ended.length, 2);
        for (const span of collected.ended) assert.deepEqual(span.events, []);
      })
    ));
});
