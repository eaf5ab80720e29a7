// Objects are hashed and stored to MAX_OBJECT_DEPTH (512) levels, not the serializer's default 32:
// two values that differ only below level 32 no longer share one hash (the second one was lost),
// and a value that is cut (depth, size, or the redaction policy's 64 levels) is reported once as
// `object_truncated` instead of silently sharing the hash of every value that differs only in the
// cut part. The walk is bounded by the depth, so a 100,000-deep chain cannot exhaust the stack.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { objectHashes } from "../../mod.ts";
import { resetReportedOnce } from "../../src/diagnostics.ts";
import { getRedactionPolicy, setRedactionPolicy } from "../../src/redact/global.ts";
import { MAX_DEPTH_MARKER } from "../../src/serialize/limits.ts";
import type { JsonValue } from "../../src/serialize/types.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { loadObjectValue, ObjectStore, type StoredObject } from "../../src/task/objects.ts";
import { taskSpan } from "../../src/task/mod.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { jsonAttr, withTaskEnv } from "../_support/task_env.ts";

/** `{next: {next: … leaf}}`, `levels` objects deep. */
function chain(levels: number, leaf: string): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < levels; i++) value = { next: value };
  return value;
}

/** The leaf of a serialized chain (walked without recursion). */
function leafOf(value: JsonValue): { leaf: JsonValue; levels: number } {
  let levels = 0;
  while (typeof value === "object" && value !== null && !Array.isArray(value)) {
    value = value.next;
    levels++;
  }
  return { leaf: value, levels };
}

/** Logs values in a fresh object store; returns the hashes and the `object_truncated` reports. */
async function logAll(values: unknown[], storage?: MemoryStorage) {
  resetReportedOnce();
  const store = new ObjectStore(storage);
  const { result: hashes, diagnostics } = await captureDiagnostics(() =>
    values.map((v) => store.log(v, "output"))
  );
  await store.settled();
  resetReportedOnce();
  const truncated = diagnostics.filter((d) => d.code === "object_truncated");
  return { store, hashes, truncated };
}

async function withoutRedaction(fn: () => Promise<void>): Promise<void> {
  const previous = setRedactionPolicy({ enabled: false });
  try {
    await fn();
  } finally {
    setRedactionPolicy(previous);
  }
}

describe("object hashing depth", () => {
  it("hashes values that differ only below level 32 differently (the default depth cut them)", () => {
    const a = objectHashes(chain(40, "model answered A"));
    const b = objectHashes(chain(40, "model answered B"));
    assert.notEqual(a.objectHash, b.objectHash);
    assert.equal(a.serialized.truncated, false);
    assert.deepEqual(leafOf(a.serialized.value), { leaf: "model answered A", levels: 40 });
  });

  it("hashes a 500-deep chain in full on every runtime (no stack overflow)", () => {
    const a = objectHashes(chain(500, "A"));
    const b = objectHashes(chain(500, "B"));
    assert.equal(a.serialized.truncated, false);
    assert.deepEqual(leafOf(a.serialized.value), { leaf: "A", levels: 500 });
    assert.notEqual(a.objectHash, b.objectHash);
  });

  it("hashes a 500-deep chain in full from inside a caller's own 300-frame recursion", () => {
    const nested = (n: number): ReturnType<typeof objectHashes> =>
      n === 0 ? objectHashes(chain(500, "A")) : nested(n - 1);
    const h = nested(300);
    assert.equal(h.serialized.truncated, false);
    assert.deepEqual(leafOf(h.serialized.value), { leaf: "A", levels: 500 });
  });

  it("near the end of the stack, a 500-deep chain hashes in full or is flagged truncated", () => {
    const full = objectHashes(chain(500, "A"));
    let result: ReturnType<typeof objectHashes> | undefined;
    const nested = (n: number): number => {
      if (n === 0) result = objectHashes(chain(500, "A"));
      return n === 0 ? 0 : 1 + nested(n - 1);
    };
    for (let frames = 0; frames < 200_000; frames += 250) {
      result = undefined;
      try {
        nested(frames);
      } catch {
        break; // the caller's own recursion ran out of stack: the edge is passed
      }
      if (result!.serialized.truncated) continue; // cut where the stack ran out, and flagged
      assert.equal(result!.objectHash, full.objectHash, `in full at ${frames} frames`);
      assert.deepEqual(leafOf(result!.serialized.value), { leaf: "A", levels: 500 });
    }
  });

  it("cuts a 100,000-deep chain at MAX_OBJECT_DEPTH without exhausting the stack", () => {
    const h = objectHashes(chain(100_000, "A"));
    assert.equal(h.serialized.truncated, true);
    assert.deepEqual(leafOf(h.serialized.value), { leaf: MAX_DEPTH_MARKER, levels: 512 });
    assert.equal(objectHashes(chain(100_000, "B")).objectHash, h.objectHash);
  });

  it("a caller's maxDepth still applies", () => {
    const h = objectHashes(chain(40, "A"), { maxDepth: 32 });
    assert.equal(h.serialized.truncated, true);
    assert.equal(h.objectHash, objectHashes(chain(40, "B"), { maxDepth: 32 }).objectHash);
  });
});

describe("task objects depth", () => {
  it("stores two values that differ only below level 32 as two objects, without a report", async () => {
    const { store, hashes, truncated } = await logAll([
      chain(40, "model answered A"),
      chain(40, "model answered B"),
    ]);
    assert.notEqual(hashes[0], hashes[1]);
    assert.equal(store.size, 2);
    assert.deepEqual(truncated, []);
  });

  it("reports a value cut at MAX_OBJECT_DEPTH (object_truncated, once, warn)", async () => {
    const { hashes, truncated } = await logAll([chain(100_000, "A"), chain(100_000, "B")]);
    assert.equal(hashes[0], hashes[1], "the cut values share a hash");
    assert.equal(truncated.length, 1);
    assert.equal(truncated[0].level, "warn");
    assert.match(truncated[0].message, new RegExp(`Object ${hashes[0]} was cut`));
  });

  it("reports a value cut at the output budget (object_truncated)", async () => {
    const big = "x".repeat(17 * 1024 * 1024);
    const { truncated } = await logAll([{ big }]);
    assert.equal(truncated.length, 1);
  });

  it("reports a value the redaction policy cut at its 64 levels (object_truncated)", async () => {
    assert.equal(getRedactionPolicy().enabled, true);
    const { hashes, truncated } = await logAll([chain(100, "A"), chain(100, "B")]);
    assert.equal(hashes[0], hashes[1], "redaction replaced what is below level 64");
    assert.equal(truncated.length, 1);
    const shallow = await logAll([chain(60, "A"), { password: chain(100, "A") }]);
    assert.deepEqual(shallow.truncated, [], "nothing is cut above 64 levels, or under a secret");
  });

  it("with redaction off, stores a 500-deep value whole in the blob store", async () => {
    await withoutRedaction(async () => {
      const storage = new MemoryStorage();
      const pad = "p".repeat(11 * 1024); // past the 10 KiB inline limit: a blob
      const { store, hashes, truncated } = await logAll(
        [{ pad, deep: chain(500, "A") }, { pad, deep: chain(500, "B") }],
        storage,
      );
      assert.notEqual(hashes[0], hashes[1]);
      assert.deepEqual(truncated, []);
      const record = store.get(hashes[1]) as StoredObject;
      assert.equal(record.type, "uri");
      const value = await loadObjectValue(storage, record) as { deep: JsonValue };
      assert.deepEqual(leafOf(value.deep), { leaf: "B", levels: 500 });
    });
  });

  it("exports both of two values that differ only below level 32 from a task", async () => {
    await withTaskEnv(async (env) => {
      const t = await taskSpan("t", (t) => {
        t.logOutput("a", chain(40, "model answered A"));
        t.logOutput("b", chain(40, "model answered B"));
        return t;
      });
      const [line] = await env.runLines(t.runId);
      const objects = jsonAttr<Record<string, StoredObject>>(line, "dreadnode.objects");
      const outputs = jsonAttr<{ hash: string }[]>(line, "dreadnode.outputs");
      assert.equal(Object.keys(objects).length, 2);
      assert.notEqual(outputs[0].hash, outputs[1].hash);
      assert.ok(!env.codes().includes("object_truncated"));
    });
  });
});
