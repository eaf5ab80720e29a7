// Trace and session files whose ids a storage cannot keep as they are (non-ASCII, too long, `@`)
// still end in `.jsonl` on disk, the paths tracelet reports are the files it wrote, and the
// analysis CLI's default glob finds every run.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeTraceDir } from "../../src/analyze/mod.ts";
import { nodeReader } from "../../src/analyze/cli.ts";
import { EventTracer, finishModelCall, startModelCall } from "../../src/events/mod.ts";
import { JsonlSpanExporter } from "../../src/exporter/jsonl.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import { makeSpanRecord } from "../_support/span_records.ts";
import { hasFileSystem } from "../_support/runtime.ts";

const REQUEST_IDS = ["req-1", "r\u00e9q-2", "\u8bf7\u6c42-3", "r".repeat(110)];

describe("trace files with ids a storage rewrites", { skip: !hasFileSystem }, () => {
  it("are written where traceInfo and RunStarted say, and every run is analyzed", async () => {
    const root = await mkdtemp(join(tmpdir(), "tracelet-trace-names-"));
    const storage = new NodeFsStorage({ root });
    try {
      const tracer = new EventTracer({ storage, enableConsole: false, spanTracer: false });
      const reported: string[] = [];
      for (const requestId of REQUEST_IDS) {
        await tracer.runCallable({
          agentName: "a",
          requestId,
          fn: () => {
            const id = startModelCall({ model: "m", messages: [] });
            finishModelCall(id, { response: { model: "m", usage: { prompt_tokens: 1 } } });
          },
        });
        // The file's real path, as design_research_agents reports it.
        const path = tracer.traceInfo(requestId).trace_path!;
        const dir = `${storage.root}/traces/`;
        assert.equal(path.startsWith(dir), true, path);
        const name = path.slice(dir.length);
        assert.match(name, /^run_\d{8}T\d{6}Z_[A-Za-z0-9_-]+\.jsonl$/, path);
        assert.ok(name.length <= 120, path);
        const [started] = (await readFile(path, "utf8")).split("\n");
        assert.equal(JSON.parse(started).attributes.trace_path, path);
        reported.push(name);
      }
      await storage.close();
      assert.deepEqual((await readdir(join(root, "traces"))).sort(), [...reported].sort());
      assert.equal(new Set(reported).size, REQUEST_IDS.length);
      assert.equal(reported[0].endsWith("_req-1.jsonl"), true, "an ASCII id is kept as it is");
      const report = await analyzeTraceDir({ traceDir: join(root, "traces"), reader: nodeReader });
      assert.equal(report.inputs.files_scanned, REQUEST_IDS.length);
      assert.equal(report.runs.unique_run_count, REQUEST_IDS.length);
      assert.equal(report.models.model_call_count, REQUEST_IDS.length);
    } finally {
      await storage.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  it("report a traceDir that the storage rewrites as it is on disk", async () => {
    const root = await mkdtemp(join(tmpdir(), "tracelet-trace-names-"));
    const storage = new NodeFsStorage({ root });
    try {
      const tracer = new EventTracer({
        storage,
        traceDir: "my traces/2026",
        enableConsole: false,
        spanTracer: false,
      });
      await tracer.runCallable({ agentName: "a", requestId: "r1", fn: () => {} });
      await storage.close();
      const path = tracer.traceInfo("r1").trace_path!;
      assert.equal(path.startsWith(`${storage.root}/`), true, path);
      assert.match(
        path.slice(storage.root.length + 1),
        /^_my_traces~[0-9a-f]{32}\/2026\/run_\d{8}T\d{6}Z_r1\.jsonl$/,
      );
      assert.match(await readFile(path, "utf8"), /"RunStarted"/);
    } finally {
      await storage.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe("session files with ids a storage rewrites", { skip: !hasFileSystem }, () => {
  it("keep the .jsonl extension", async () => {
    const root = await mkdtemp(join(tmpdir(), "tracelet-session-names-"));
    const storage = new NodeFsStorage({ root });
    try {
      const span = makeSpanRecord({ attributes: { "dreadnode.session.id": "user@example.com" } });
      const report = await new JsonlSpanExporter({ storage }).export([span]);
      assert.equal(report.exported, 1);
      await storage.close();
      const [dir] = await readdir(join(root, "sessions"));
      const [file] = await readdir(join(root, "sessions", dir));
      assert.match(file, /^_chat_user_example\.com~[0-9a-f]{32}\.jsonl$/);
      const text = await readFile(join(root, "sessions", dir, file), "utf8");
      assert.equal(JSON.parse(text).span_id, span.spanId);
    } finally {
      await storage.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
