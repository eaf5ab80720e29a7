// dreadnode's `LocalStorageSpanExporter(storage)` is the JSONL exporter under another name
// (dreadnode's delegates to `JsonlSpanExporter`): tracelet exports it from the package root and
// from the exporter module, and it writes exactly the JSONL exporter's lines to the same logs.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { JsonlSpanExporter, LocalStorageSpanExporter, MemoryStorage, TracerError } from "../mod.ts";
import {
  JsonlSpanExporter as ModuleJsonlSpanExporter,
  LocalStorageSpanExporter as ModuleLocalStorageSpanExporter,
  spanLogPath,
} from "../src/exporter/jsonl.ts";
import { makeSpanRecord } from "./_support/span_records.ts";

describe("parity: LocalStorageSpanExporter", () => {
  it("is exported from the package root and the exporter module, as a JsonlSpanExporter", () => {
    assert.equal(LocalStorageSpanExporter, ModuleLocalStorageSpanExporter);
    assert.equal(JsonlSpanExporter, ModuleJsonlSpanExporter);
    const exporter = new LocalStorageSpanExporter({ storage: new MemoryStorage() });
    assert.ok(exporter instanceof JsonlSpanExporter);
  });

  it("writes the same line as JsonlSpanExporter to the same run log", async () => {
    const span = makeSpanRecord({
      name: "step",
      attributes: { "dreadnode.run.id": "run-1", "dreadnode.project": "proj" },
    });
    const local = new MemoryStorage();
    const jsonl = new MemoryStorage();
    const report = await new LocalStorageSpanExporter({ storage: local }).export([span]);
    await new JsonlSpanExporter({ storage: jsonl }).export([span]);
    assert.equal(report.exported, 1);
    const path = spanLogPath(span, "default");
    assert.deepEqual(path, ["projects", "proj", "run-1", "spans.jsonl"]);
    const lines = await local.readLines(path);
    assert.equal(lines.length, 1);
    assert.deepEqual(lines, await jsonl.readLines(path));
    assert.equal(JSON.parse(lines[0]).name, "step");
  });

  it("rejects a missing storage with INVALID_CONFIG, like JsonlSpanExporter", () => {
    assert.throws(
      () => new LocalStorageSpanExporter(undefined as never),
      (error: unknown) => error instanceof TracerError && error.code === "INVALID_CONFIG",
    );
  });
});
