// A logged value of 2–10 KiB (a 5,000-character completion, a system prompt in a chat, a 768-float
// embedding as base64) was kept only inline on the span, as dreadnode keeps objects of 10 KiB or
// less, with its strings cut to the redaction policy's 2,048 characters there: the whole value was
// kept nowhere, silently, though its hash named it (dreadnode porting trial). Such a value is now
// stored as a blob too (redacted, whole), and its record names the blob, as a larger one's does.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getCurrentRun, loadObjectValue, logOutput, run, type StoredObject } from "../../mod.ts";
import type { JsonSchema } from "../../src/serialize/types.ts";
import type { MemoryStorage } from "../../src/storage/memory.ts";
import { exportThroughConfigure } from "../_support/otlp_helpers.ts";

const completion = "The answer is 42. ".repeat(280); // 5,040 characters
const chat = [
  { role: "system", content: "Be terse. ".repeat(250) },
  { role: "user", content: "hi", api_key: "sk-live-SECRET" },
];
const embedding = new Float64Array(768).map((_, i) => Math.sin(i)); // 6 KiB: 8,192 base64 chars

/** Logs `values` as outputs of one run under configure(); returns the run's exported records. */
async function logged(values: Record<string, unknown>) {
  const hashes: Record<string, string> = {};
  let runId = "";
  const captured = await exportThroughConfigure(async () => {
    await run("eval", async () => {
      runId = getCurrentRun()!.runId;
      for (const [name, value] of Object.entries(values)) hashes[name] = logOutput(name, value)!;
      await Promise.resolve();
    });
  });
  const storage: MemoryStorage = captured.storage;
  const lines = await storage.readLines(["projects", "default", runId, "spans.jsonl"]);
  const attributes = JSON.parse(lines.at(-1)!).attributes;
  const objects: Record<string, StoredObject> = JSON.parse(attributes["dreadnode.objects"]);
  const schemas: Record<string, JsonSchema> = JSON.parse(attributes["dreadnode.object_schemas"]);
  const load = (name: string) => loadObjectValue(storage, objects[hashes[name]], schemas);
  return { objects, hashes, load, text: lines.join("\n") + captured.bodies.join("\n") };
}

describe("objects that fit inline (10 KiB) but hold a string the span cuts", () => {
  it("are stored whole, redacted, as a blob the record names", async () => {
    const { objects, hashes, load, text } = await logged({ completion, chat, embedding });
    for (const name of ["completion", "chat", "embedding"]) {
      assert.equal(objects[hashes[name]].type, "uri", name);
    }
    assert.equal(await load("completion"), completion);
    const loadedChat = await load("chat") as { content: string; api_key?: string }[];
    assert.equal(loadedChat[0].content, chat[0].content);
    assert.equal(loadedChat[1].api_key, "***REDACTED***");
    const base64 = await load("embedding") as string;
    assert.equal(atob(base64).length, embedding.byteLength);
    assert.ok(!text.includes("sk-live-SECRET"), "no secret in the JSONL lines or OTLP bodies");
  });

  it("stay inline when nothing in them is cut", async () => {
    const short = { answer: "42", steps: ["a".repeat(2000), "b"] };
    const { objects, hashes } = await logged({ short });
    const record = objects[hashes.short];
    assert.equal(record.type, "val");
    assert.deepEqual(record.type === "val" ? record.value : undefined, short);
  });
});
