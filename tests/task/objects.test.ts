import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { objectHashes } from "../../mod.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import {
  INLINE_OBJECT_LIMIT,
  loadObjectValue,
  logSample,
  logSamples,
  run,
  type StoredObject,
  type TaskSpan,
  taskSpan,
} from "../../src/task/mod.ts";
import { parsePythonJson } from "../../src/serialize/parse_python_json.ts";
import { jsonAttr, type TaskEnv, withTaskEnv } from "../_support/task_env.ts";

/** A storage whose blob writes always fail. */
class FailingBlobs extends MemoryStorage {
  override putBlob(_key: string, _bytes: Uint8Array): Promise<void> {
    return Promise.reject(new Error("disk full"));
  }
}

/** A storage whose blob writes take `ms` milliseconds, or never finish (`Infinity`). */
class SlowBlobs extends MemoryStorage {
  readonly ms: number;
  constructor(ms: number) {
    super();
    this.ms = ms;
  }
  override async putBlob(key: string, bytes: Uint8Array): Promise<void> {
    if (this.ms === Infinity) return new Promise<void>(() => {});
    await new Promise((resolve) => setTimeout(resolve, this.ms));
    return super.putBlob(key, bytes);
  }
}

/** The sample lines of a run, in export order, with their objects. */
async function sampleLines(env: TaskEnv, runId: string) {
  const lines = await env.runLines(runId);
  return lines.filter((l) => l.attributes["dreadnode.type"] === "sample").map((line) => ({
    line,
    index: lines.indexOf(line),
    objects: Object.values(jsonAttr<Record<string, StoredObject>>(line, "dreadnode.objects")),
  }));
}

async function exportedObjects(env: TaskEnv, task: TaskSpan): Promise<StoredObject[]> {
  const [line] = await env.runLines(task.runId);
  return Object.values(jsonAttr<Record<string, StoredObject>>(line, "dreadnode.objects"));
}

describe("task objects", () => {
  it("never writes a secret the policy masks to the blob store (JSON inside strings included)", async () => {
    await withTaskEnv(async (env) => {
      const body = JSON.stringify({ api_key: "sk-live-SECRET123", rows: "r".repeat(12_000) });
      const t = await taskSpan("t", async (t) => {
        await Promise.resolve();
        t.logOutput("http_response", { status: 200, body });
        return t;
      });
      const [record] = await exportedObjects(env, t);
      assert.equal(record.type, "uri");
      const stored = await loadObjectValue(env.storage, record) as { body: string };
      assert.ok(!JSON.stringify(stored).includes("sk-live-SECRET123"));
      assert.equal(JSON.parse(stored.body).api_key, "***REDACTED***");
      assert.equal(JSON.parse(stored.body).rows.length, 12_000, "full text kept in the blob");
    });
  });

  it("exports a large object inline, never as a dangling URI, when a sync task ends before its blob write", async () => {
    const storage = new FailingBlobs();
    await withTaskEnv(async (env) => {
      const big = "x".repeat(INLINE_OBJECT_LIMIT * 2);
      const sync = taskSpan("sync", (t) => {
        t.logOutput("report", big);
        return t;
      });
      const ended = taskSpan("explicit");
      ended.logOutput("report", big);
      ended.end();
      await sync.settled();
      await ended.settled();
      for (const task of [sync, ended]) {
        const [record] = await exportedObjects(env, task);
        assert.equal(record.type, "val");
        assert.ok(record.type === "val" && String(record.value).startsWith("xxxx"));
      }
      assert.ok(env.codes().includes("task_pending_writes"));
      const failed = env.diagnostics.find((d) => d.code === "object_blob_failed");
      assert.match(failed?.message ?? "", /exported inline/);
    }, { storage });
  });

  it("logSample/logSamples in an async run export a large input as a blob reference, before the run", async () => {
    await withTaskEnv(async (env) => {
      const big = "lorem ipsum ".repeat(2000);
      let loggedAt = 0;
      const runId = await run("r", {}, async (r) => {
        await Promise.resolve();
        logSample("s1", big, "ok", { metrics: { acc: 1 } });
        logSamples("set", [[big + "2", "ok"]]);
        loggedAt = Date.now();
        return r.runId;
      });
      const writtenAt = Date.now();
      const lines = await env.runLines(runId);
      const samples = await sampleLines(env, runId);
      assert.deepEqual(samples.map((s) => s.line.name), ["s1", "set"]);
      for (const [i, sample] of samples.entries()) {
        const input = sample.objects.find((o) => o.type === "uri");
        assert.ok(input?.type === "uri", "the large input is a blob reference");
        assert.equal(await loadObjectValue(env.storage, input), i === 0 ? big : big + "2");
        assert.ok(sample.index < lines.findIndex((l) => l.name === "r"), "exported before run");
        // Ended when logged (the writes took 300 ms), not when its writes finished.
        assert.ok(Date.parse(sample.line.end_time) <= loggedAt + 100);
      }
      assert.ok(writtenAt - loggedAt >= 250, "the run waited for the sample's writes");
      assert.ok(!env.codes().includes("task_pending_writes"));
    }, { storage: new SlowBlobs(300) });
  });

  it("a sample still writing ends with its task: inline, never lost, never hanging", async () => {
    await withTaskEnv(async (env) => {
      const big = "x".repeat(INLINE_OBJECT_LIMIT * 2);
      const syncRun = run("sync", {}, (r) => {
        logSample("s", big, "ok");
        return r;
      });
      assert.equal(syncRun.tasks[0].span.active, false, "ended with its sync run");
      const plain = run("plain");
      plain.inContext(() => logSample("s", big, "ok"));
      assert.equal(plain.tasks[0].span.active, true, "waits for its write");
      plain.end();
      assert.equal(plain.tasks[0].span.active, false, "ended with its run");
      for (const r of [syncRun, plain]) {
        const [sample] = await sampleLines(env, r.runId);
        const input = sample.objects.find((o) => o.type === "val" && String(o.value).length > 2);
        assert.ok(input?.type === "val" && String(input.value).startsWith("xxxx"));
      }
      assert.ok(env.codes().includes("task_pending_writes"));
    }, { storage: new SlowBlobs(Infinity) });
  });

  it("switches an object to its blob reference only once the write succeeded", async () => {
    await withTaskEnv(async (env) => {
      const big = "y".repeat(INLINE_OBJECT_LIMIT + 1);
      const t = taskSpan("t");
      const hash = t.logOutput("doc", big);
      assert.equal(t.getObject(hash)?.record.type, "val", "inline while the write is pending");
      await t.settled();
      const record = t.getObject(hash)!.record;
      assert.equal(record.type, "uri");
      assert.equal(await loadObjectValue(env.storage, record), big);
      t.end();
    });
  });

  it("hashes and stores values larger than 1 MiB in full (no collision past the old budget)", async () => {
    const rowsA = Array.from({ length: 200_000 }, (_, i) => ({ id: i, label: "ok" }));
    const rowsB = rowsA.map((r) => ({ ...r }));
    rowsB[199_999].label = "DIFFERENT";
    assert.notEqual(objectHashes(rowsA).objectHash, objectHashes(rowsB).objectHash);
    await withTaskEnv(async (env) => {
      const a = "a".repeat(2_000_000) + "tail-A";
      const b = "a".repeat(2_000_000) + "tail-B";
      const t = taskSpan("t");
      const ha = t.logOutput("a", a);
      const hb = t.logOutput("b", b);
      assert.notEqual(ha, hb);
      await t.settled();
      assert.equal(await loadObjectValue(env.storage, t.getObject(hb)!.record), b);
      assert.deepEqual(t.outputs, { a, b });
      t.end();
      const [line] = await env.runLines(t.runId);
      assert.equal(Object.keys(jsonAttr(line, "dreadnode.objects")).length, 2);
    });
  });

  it("returns each input's own live value, even when values share an object", async () => {
    await withTaskEnv(() => {
      const t = taskSpan("t");
      t.logInput("api_key", "sk-live-AAAA");
      t.logInput("password", "hunter2");
      t.logInput("config", { token: "tok-1", model: "a" });
      t.logInput("config2", { token: "tok-2", model: "a" });
      t.logInput("s", "1");
      t.logInput("n", 1);
      t.logOutput("flag", true);
      assert.equal(t.inputs.password, "hunter2");
      assert.equal((t.inputs.config2 as { token: string }).token, "tok-2");
      assert.equal(t.inputs.s, "1");
      assert.equal(t.inputs.n, 1);
      assert.equal(t.outputs.flag, true);
      t.end();
    });
  });
  it("keeps NaN and ±Infinity on the span as strings, hashed as Python does", async () => {
    await withTaskEnv(async (env) => {
      const stats = { ratio: Infinity, mean: NaN, low: -Infinity, name: "NaN" };
      const t = await taskSpan("t", (t) => {
        t.logOutput("score", NaN);
        t.logOutput("stats", stats);
        return t;
      });
      const objects = jsonAttr<Record<string, StoredObject>>(
        (await env.runLines(t.runId))[0],
        "dreadnode.objects",
      );
      const score = objects[objectHashes(NaN).objectHash];
      assert.ok(score?.type === "val" && score.value === "NaN", JSON.stringify(score));
      const record = objects[objectHashes(stats).objectHash];
      assert.ok(record?.type === "val", "hash matches the Python-form hash");
      assert.deepEqual(record.value, {
        ratio: "Infinity",
        mean: "NaN",
        low: "-Infinity",
        name: "NaN",
      });
      assert.deepEqual(t.outputs.stats, stats, "live value kept");
    });
  });

  it("reads back a large object holding NaN and ±Infinity from its blob", async () => {
    await withTaskEnv(async (env) => {
      const rows = Array.from({ length: 3000 }, (_, i) => i);
      const value = { rows, missing: NaN, hi: Infinity, lo: [-Infinity], note: 'NaN "Infinity"' };
      const t = await taskSpan("t", async (t) => {
        await Promise.resolve();
        t.logOutput("table", value);
        return t;
      });
      const [record] = await exportedObjects(env, t);
      assert.equal(record.type, "uri");
      const blob = await env.storage.getBlob(record.type === "uri" ? record.uri.slice(16) : "");
      assert.ok(new TextDecoder().decode(blob).includes('"missing":NaN'), "Python form stored");
      const loaded = await loadObjectValue(env.storage, record);
      assert.deepEqual(loaded, value);
      assert.ok(!env.codes().includes("object_load_failed"));
    });
  });

  it("parses Python JSON: bare NaN and ±Infinity outside strings only", () => {
    const text =
      '{"a":NaN,"b":[Infinity, -Infinity],"NaN":"NaN \\" Infinity","c":"\ue000NaN","d":"\\ue001NaN"}';
    assert.deepEqual(parsePythonJson(text), {
      a: NaN,
      b: [Infinity, -Infinity],
      NaN: 'NaN " Infinity',
      c: "\ue000NaN",
      d: "\ue001NaN",
    });
    assert.deepEqual(parsePythonJson("[1]"), [1]);
    assert.ok(Number.isNaN(parsePythonJson("NaN")));
    assert.throws(() => parsePythonJson('{"a":NaN'), SyntaxError);
    assert.throws(() => parsePythonJson("nope"), SyntaxError);
  });
});
