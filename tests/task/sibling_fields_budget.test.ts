// A value the task layer stores on a span (a param, an input's or output's inline copy, metric and
// reference attributes) is serialized within a 1 MiB budget and then redacted, which cuts strings
// to 2048 code points. A huge string was charged to that budget at its full size before the cut,
// so the fields after it were replaced by `<truncated>` (`logParam("p", {page: 2 MB, status,
// summary})` kept only `page`), and its marker counted UTF-16 units (an emoji string said twice
// its length). Past the budget, strings are now cut while they are serialized; the object hash
// and the blob stay those of the full value.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { objectHashes, setRedactionPolicy } from "../../mod.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { loadObjectValue, type StoredObject, type TaskSpan, taskSpan } from "../../src/task/mod.ts";
import { ObjectStore } from "../../src/task/objects.ts";
import { jsonAttr, withTaskEnv } from "../_support/task_env.ts";
import type { FlatSpan } from "../../mod.ts";

const BIG = 2_000_000;
const CUT = `${"x".repeat(2032)}...[truncated:${BIG}]`;

/** A value with one huge field followed by small ones. */
function page(): { page: string; status: number; summary: string } {
  return { page: "x".repeat(BIG), status: 200, summary: "important" };
}

/** A storage whose blob writes always fail (objects are then exported inline). */
class FailingBlobs extends MemoryStorage {
  override putBlob(_key: string, _bytes: Uint8Array): Promise<void> {
    return Promise.reject(new Error("disk full"));
  }
}

/** Runs `body` in a task and returns the task's exported line. */
async function taskLine(
  body: (t: TaskSpan) => void,
  storage?: MemoryStorage,
): Promise<{ line: FlatSpan; storage: MemoryStorage }> {
  let out: { line: FlatSpan; storage: MemoryStorage } | undefined;
  await withTaskEnv(async (env) => {
    const t = await taskSpan("t", async (t: TaskSpan) => {
      await Promise.resolve();
      body(t);
      return t;
    });
    await t.settled();
    const [line] = await env.runLines(t.runId);
    out = { line, storage: env.storage as MemoryStorage };
  }, storage === undefined ? {} : { storage });
  return out!;
}

describe("task values past the serializer's budget keep their small fields", () => {
  it("logParam keeps the fields after a huge string, whose marker states its length", async () => {
    const { line } = await taskLine((t) => t.logParam("p", page()));
    const params = jsonAttr<Record<string, unknown>>(line, "dreadnode.params");
    assert.deepEqual(params.p, { page: CUT, status: 200, summary: "important" });
  });

  it("states an emoji string's length in code points, not UTF-16 units", async () => {
    const emoji = "\u{1F600}";
    const { line } = await taskLine((t) => {
      t.logParam("p", { page: emoji.repeat(1_000_000), status: 200 });
      t.logParam("whole", emoji.repeat(1_000_000));
    });
    const params = jsonAttr<Record<string, { page: string } | string>>(line, "dreadnode.params");
    const cut = `${emoji.repeat(2032)}...[truncated:1000000]`;
    assert.deepEqual(params.p, { page: cut, status: 200 });
    assert.equal(params.whole, cut);
  });

  it("masks a huge value under a sensitive key and keeps its siblings", async () => {
    const { line } = await taskLine((t) => {
      t.logParam("p", { api_key: "k".repeat(BIG), status: 200 });
    });
    const params = jsonAttr<Record<string, unknown>>(line, "dreadnode.params");
    assert.deepEqual(params.p, { api_key: "***REDACTED***", status: 200 });
    assert.ok(!line.attributes["dreadnode.params"]?.toString().includes("kkkk"));
  });

  it("an input's inline copy keeps its small fields; its hash and blob are of the full value", async () => {
    const value = page();
    const store = new ObjectStore(undefined);
    const hash = store.log(value, "page");
    assert.equal(hash, objectHashes(value).objectHash, "hash of the full value");
    assert.deepEqual(store.get(hash), {
      hash,
      schema_hash: objectHashes(value).schemaHash,
      value: { page: CUT, status: 200, summary: "important" },
      type: "val",
    });

    const { line, storage } = await taskLine((t) => t.logInput("page", page()));
    const [record] = Object.values(
      jsonAttr<Record<string, StoredObject>>(line, "dreadnode.objects"),
    );
    assert.equal(record.hash, hash);
    assert.equal(record.type, "uri", "a 2 MB input goes to the blob store");
    assert.deepEqual(await loadObjectValue(storage, record), value, "the blob keeps everything");

    const failed = await taskLine((t) => t.logInput("page", page()), new FailingBlobs());
    const [inline] = Object.values(
      jsonAttr<Record<string, StoredObject>>(failed.line, "dreadnode.objects"),
    );
    assert.equal(inline.type, "val", "exported inline when its blob cannot be written");
    assert.ok(inline.type === "val");
    assert.deepEqual(inline.value, { page: CUT, status: 200, summary: "important" });
  });

  it("metric and reference attributes keep their small fields", async () => {
    const { line } = await taskLine((t) => {
      t.logMetric("m", 1, { attributes: page() });
      t.logOutput("o", 1, { attributes: page() });
    });
    const metrics = jsonAttr<Record<string, { attributes: unknown[] }>>(line, "dreadnode.metrics");
    assert.deepEqual(metrics.m.attributes[0], { page: CUT, status: 200, summary: "important" });
    const [output] = jsonAttr<{ attributes: unknown }[]>(line, "dreadnode.outputs");
    assert.deepEqual(output.attributes, { page: CUT, status: 200, summary: "important" });
  });

  it("a value that fits is stored as before: a long string holding JSON keeps its whole text", async () => {
    const json = JSON.stringify(Array.from({ length: 2000 }, (_, i) => i));
    const value = { json, text: "y".repeat(3000), n: 1 };
    const { line } = await taskLine((t) => t.logParam("p", value));
    const params = jsonAttr<Record<string, unknown>>(line, "dreadnode.params");
    assert.deepEqual(params.p, { json, text: `${"y".repeat(2032)}...[truncated:3000]`, n: 1 });
    const store = new ObjectStore(undefined);
    assert.equal(store.log(value), objectHashes(value).objectHash);
  });

  it("with redaction off, strings are not cut to a length", async () => {
    setRedactionPolicy({ enabled: false });
    try {
      const { line } = await taskLine((t) => t.logParam("p", { text: "y".repeat(3000), n: 1 }));
      const params = jsonAttr<Record<string, unknown>>(line, "dreadnode.params");
      assert.deepEqual(params.p, { text: "y".repeat(3000), n: 1 });
    } finally {
      setRedactionPolicy(undefined);
    }
  });
});
