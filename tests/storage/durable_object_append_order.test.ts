// DurableObjectStubStorage keeps concurrent calls on one log in call order, in a real workerd
// (Miniflare), on both Durable Object backends (key-value and SQLite), given the namespace or a
// stub: appends of very different sizes made at once read back in call order, and a read made
// right after them sees them all. Each call reaches the object as its own request, and the object
// used to serve a small request (its body read first) before a large one: 12 appends alternating
// 2 MB and 10 B read back as [1,3,5,7,9,11,0,2,4,6,8,10]. Both sides are tested: the storage
// sends a log's calls one after another, and the object serves requests in arrival order (raw
// requests sent at once). Node only: it starts Miniflare (skipped elsewhere, including inside the
// workerd test run).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { isNode } from "../_support/runtime.ts";
import { type MiniflareWorker, startWorker } from "../_support/miniflare_worker.ts";

const skip = !isNode && "starts Miniflare (Node only)";

/** Above the ~1 MiB from which a large body was overtaken by small ones. */
const BIG = 2_000_000;

/**
 * The Worker: `/?do=<binding>&target=namespace|stub|raw` makes 12 appends at once, alternating
 * BIG and 10 bytes of padding, and a read right after them, through the storage (given the
 * namespace or a stub) or as raw requests to the object through one stub; it answers the order
 * of the lines the early read and a later read got.
 */
const ORDER_WORKER = `
import { DurableObjectStubStorage, TraceletDurableObject } from "./src/storage/durable_object.ts";
import { decodeFrame, encodeFrame, RPC_URL } from "./src/storage/_durable_object_protocol.ts";
export { TraceletDurableObject };
export class SqliteTraceletDurableObject extends TraceletDurableObject {}
const line = (i, size) => JSON.stringify({ i, pad: "p".repeat(size) });
/** The object's own calls, each a request of its own through one stub. */
function rawStorage(stub) {
  const call = async (op, args) => {
    const body = encodeFrame({ op, args });
    return decodeFrame(new Uint8Array(await (await stub.fetch(RPC_URL, { method: "POST", body })).arrayBuffer())).header;
  };
  return {
    appendLines: (path, lines) => call("appendLines", [path, lines]),
    readLines: async (path) => (await call("readLines", [path])).result,
  };
}
let shared; // one storage for every request, as instrument() keeps it
const sharedLog = ["shared", "spans.jsonl"];
const calls = []; // the order of the appendLines calls
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/shared") {
      shared ??= new DurableObjectStubStorage(env.KV_DO, { name: "shared" });
      const i = Number(url.searchParams.get("i"));
      if (!url.searchParams.has("i")) {
        return Response.json({ calls, lines: (await shared.readLines(sharedLog)).map((l) => JSON.parse(l).i) });
      }
      calls.push(i);
      await shared.appendLines(sharedLog, [line(i, i % 2 === 0 ? ${BIG} : 10)]);
      return new Response("ok");
    }
    const namespace = env[url.searchParams.get("do")];
    const target = url.searchParams.get("target");
    const stub = namespace.get(namespace.idFromName("order"));
    const storage = target === "raw"
      ? rawStorage(stub)
      : new DurableObjectStubStorage(target === "stub" ? stub : namespace, { name: "order" });
    const log = ["runs", crypto.randomUUID(), "spans.jsonl"];
    const sizes = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? ${BIG} : 10));
    const appends = sizes.map((size, i) => storage.appendLines(log, [line(i, size)]));
    const early = storage.readLines(log);
    await Promise.all(appends);
    const order = (lines) => lines.map((l) => JSON.parse(l).i);
    return Response.json({ early: order(await early), later: order(await storage.readLines(log)) });
  },
};`;

const CALL_ORDER = Array.from({ length: 12 }, (_, i) => i);

describe("Durable Object storage: concurrent calls on one log, in workerd", { skip }, () => {
  let mf: MiniflareWorker | undefined;
  before(async () => {
    if (skip) return;
    mf = await startWorker(ORDER_WORKER, "do_append_order_worker.js", {}, {
      durableObjects: {
        KV_DO: { className: "TraceletDurableObject", useSQLite: false },
        SQL_DO: { className: "SqliteTraceletDurableObject", useSQLite: true },
      },
    });
  });
  after(() => mf?.dispose());

  const order = async (backend: string, target: string) =>
    await (await mf!.dispatchFetch(`http://worker.test/?do=${backend}&target=${target}`)).json();

  for (const backend of ["KV_DO", "SQL_DO"]) {
    for (const target of ["namespace", "stub"]) {
      it(`DurableObjectStubStorage reads appends of 2 MB and 10 B back in call order (${backend}, given a ${target})`, async () => {
        assert.deepEqual(await order(backend, target), { early: CALL_ORDER, later: CALL_ORDER });
      });
    }

    it(`TraceletDurableObject serves requests of 2 MB and 10 B in arrival order (${backend})`, async () => {
      assert.deepEqual(await order(backend, "raw"), { early: CALL_ORDER, later: CALL_ORDER });
    });
  }

  it("keeps call order across concurrent requests that share one storage", async () => {
    const answers = await Promise.all(
      CALL_ORDER.map(async (i) =>
        await (await mf!.dispatchFetch(`http://worker.test/shared?i=${i}`)).text()
      ),
    );
    assert.deepEqual(answers, CALL_ORDER.map(() => "ok"));
    const { calls, lines } = await (await mf!.dispatchFetch("http://worker.test/shared")).json();
    assert.deepEqual([...calls].sort((a, b) => a - b), CALL_ORDER);
    assert.deepEqual(lines, calls);
  });
});
