// A batch queue that fills while its export waits on I/O. A program that only awaits (a loop of
// tasks that never waits on I/O, an eval over a dataset) gives the running export no chance to
// finish, so the queue dropped the newest spans: at 5000 spans, 2441 of them, the run's root span
// (ended last) included. An exporter that writes at once (`exportSync`: the JSONL exporter on a
// file storage, through the redacting wrapper the presets put around it) now takes the queue when
// it is full.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonlSpanExporter } from "../src/exporter/jsonl.ts";
import { BatchSpanProcessor } from "../src/processor/batch.ts";
import type { SpanExporter } from "../src/processor/types.ts";
import { RedactingExporter } from "../src/redact/redacting_exporter.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import { FsStorage } from "../src/storage/_fs_storage.ts";
import { NodeFsStorage } from "../src/storage/node_fs.ts";
import { Tracer } from "../src/tracer.ts";
import type { FlushReport, SpanRecord } from "../src/types.ts";
import { captureDiagnostics } from "./_support/collect.ts";
import { hasFileSystem } from "./_support/runtime.ts";

/** Ends `count` children of one root, awaiting between them but never waiting on I/O. */
async function microtaskLoop(tracer: Tracer, count: number): Promise<string> {
  const root = tracer.startSpan("run", { attributes: { "dreadnode.run.id": "r1" } });
  for (let i = 0; i < count; i++) {
    await Promise.resolve();
    tracer.startSpan(`task-${i}`, {
      parent: root,
      attributes: { "dreadnode.run.id": "r1", api_key: "sk-secret" },
    }).end();
  }
  root.end();
  return root.spanId;
}

describe("a full batch queue and an exporter that writes at once", () => {
  it("writes every span of a loop that never waits on I/O, its root too", {
    skip: !hasFileSystem,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "tracelet-spill-"));
    const storage = new NodeFsStorage({ root: dir });
    try {
      const exporter = new RedactingExporter(new JsonlSpanExporter({ storage, project: "p" }));
      const tracer = new Tracer({ processors: [new BatchSpanProcessor(exporter)] });
      const { diagnostics } = await captureDiagnostics(async () => {
        const rootId = await microtaskLoop(tracer, 5000);
        const report = await tracer.shutdown();
        assert.deepEqual([report.exported, report.dropped, report.failed], [5001, {}, 0]);
        const text = await readFile(join(dir, "projects", "p", "r1", "spans.jsonl"), "utf8");
        const lines = text.trimEnd().split("\n");
        assert.equal(lines.length, 5001);
        assert.ok(lines.some((line) => line.includes(`"span_id": "${rootId}"`)), "the root");
        assert.ok(!text.includes("sk-secret"), "written redacted, as the queued batches are");
      });
      assert.deepEqual(diagnostics.filter((d) => d.code === "queue_full"), []);
    } finally {
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("still drops as before where the exporter cannot write at once", async () => {
    // Memory storage appends without I/O, so its exports finish inside the loop: nothing to drop.
    const exporter = new JsonlSpanExporter({ storage: new MemoryStorage() });
    assert.equal(exporter.exportSync, undefined);
    assert.equal(new RedactingExporter(exporter).exportSync, undefined);
    // A file storage over a file system without synchronous calls: its spill would only fail
    // (every span of the queue counted failed instead of one dropped).
    const asyncOnly = new FsStorage({ resolve: (path: string) => path } as never, "async-fs", {
      root: "/nowhere",
    });
    assert.equal(asyncOnly.appendsSync, false);
    assert.equal(new JsonlSpanExporter({ storage: asyncOnly }).exportSync, undefined);
    const never: SpanExporter = { export: () => new Promise<FlushReport>(() => {}) };
    const processor = new BatchSpanProcessor(never, { maxQueueSize: 4, maxExportBatchSize: 2 });
    const tracer = new Tracer({ processors: [processor] });
    await captureDiagnostics(async () => {
      for (let i = 0; i < 10; i++) tracer.startSpan(`s${i}`).end();
      const report = await processor.forceFlush(Date.now() + 50);
      assert.ok((report.dropped.queue_full ?? 0) > 0, JSON.stringify(report));
    });
  });

  it("counts the spans as failed when a custom exportSync throws", async () => {
    const exporter: SpanExporter = {
      export: () => new Promise<FlushReport>(() => {}),
      exportSync(_spans: readonly SpanRecord[]): FlushReport {
        throw new Error("disk gone");
      },
    };
    const processor = new BatchSpanProcessor(exporter, { maxQueueSize: 4, maxExportBatchSize: 2 });
    const tracer = new Tracer({ processors: [processor] });
    const { diagnostics } = await captureDiagnostics(async () => {
      for (let i = 0; i < 10; i++) tracer.startSpan(`s${i}`).end();
      const report = await processor.forceFlush(Date.now() + 50);
      assert.ok(report.failed > 0, JSON.stringify(report));
      assert.deepEqual(report.dropped, {});
    });
    assert.ok(diagnostics.some((d) => d.code === "export_failed"));
  });
});
