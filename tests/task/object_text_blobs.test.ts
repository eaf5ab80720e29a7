import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { JsonSchema } from "../../src/serialize/types.ts";
import { loadObjectValue, type StoredObject, taskSpan } from "../../src/task/mod.ts";
import { jsonAttr, withTaskEnv } from "../_support/task_env.ts";

describe("large objects whose value is text", () => {
  it("read back as text: bytes (base64), a BigInt, a class whose toJSON returns a string", async () => {
    await withTaskEnv(async (env) => {
      class Note {
        toJSON(): string {
          return "[1, 2] is not JSON here ".repeat(600);
        }
      }
      const bytes = new Uint8Array(12_000).map((_, i) => i % 251);
      const big = 10n ** 12000n;
      let hashes: string[] = [];
      const t = await taskSpan("t", async (t) => {
        await Promise.resolve();
        hashes = [
          t.logInput("image", bytes),
          t.logInput("big", big),
          t.logInput("note", new Note()),
        ];
        return t;
      });
      const [line] = await env.runLines(t.runId);
      const exported = jsonAttr<Record<string, StoredObject>>(line, "dreadnode.objects");
      const schemas = jsonAttr<Record<string, JsonSchema>>(line, "dreadnode.object_schemas");
      const expected = [
        btoa(String.fromCharCode(...bytes)),
        big.toString(),
        new Note().toJSON(),
      ];
      for (let i = 0; i < hashes.length; i++) {
        const live = t.getObject(hashes[i])!.record;
        assert.equal(live.type, "uri");
        // The blob holds the raw text, as dreadnode hashes it (no JSON quotes).
        const blob = await env.storage.getBlob(live.type === "uri" ? live.uri.slice(16) : "");
        assert.equal(new TextDecoder().decode(blob), expected[i]);
        assert.equal(
          await loadObjectValue(env.storage, live),
          expected[i],
          "record of this process",
        );
        const parsed = exported[hashes[i]];
        assert.equal(await loadObjectValue(env.storage, parsed, schemas), expected[i], "exported");
      }
      assert.ok(!env.codes().includes("object_load_failed"));
    });
  });

  it("still reads a large JSON object as JSON, with or without its schemas", async () => {
    await withTaskEnv(async (env) => {
      const value = { rows: Array.from({ length: 3000 }, (_, i) => String(i)) };
      const t = await taskSpan("t", async (t) => {
        await Promise.resolve();
        t.logOutput("table", value);
        return t;
      });
      const [line] = await env.runLines(t.runId);
      const [record] = Object.values(
        jsonAttr<Record<string, StoredObject>>(line, "dreadnode.objects"),
      );
      const schemas = jsonAttr<Record<string, JsonSchema>>(line, "dreadnode.object_schemas");
      assert.equal(record.type, "uri");
      assert.deepEqual(await loadObjectValue(env.storage, record), value);
      assert.deepEqual(await loadObjectValue(env.storage, record, schemas), value);
    });
  });
});
