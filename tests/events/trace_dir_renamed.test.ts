// A traceDir name that a storage does not keep as it is ("my traces", "a:b", non-ASCII) is
// renamed on disk as every storage path segment is (`_my_traces~<32 hex>`), while the README
// said only that files go under `<traceDir>/run_…` (found by a user trial). The README's Event
// log section now states the rule; these tests hold the code and that statement together.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventTracer } from "../../src/events/mod.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import { sanitizeSegment, segmentDigest } from "../../src/storage/_sanitize.ts";
import { hasFileSystem } from "../_support/runtime.ts";

/** Runs one request in `traceDir` under a new root; returns the root and `traceInfo`. */
async function runIn(traceDir: string, body: (root: string, tracer: EventTracer) => Promise<void>) {
  const root = await mkdtemp(join(tmpdir(), "tracelet-trace-dir-names-"));
  const storage = new NodeFsStorage({ root });
  try {
    const tracer = new EventTracer({ storage, traceDir, enableConsole: false, spanTracer: false });
    await tracer.runCallable({ agentName: "a", requestId: "rq", fn: () => 1 });
    await body(root, tracer);
  } finally {
    await storage.close();
    await rm(root, { recursive: true, force: true });
  }
}

describe("events: traceDir names a storage does not keep", { skip: !hasFileSystem }, () => {
  it("are renamed as storage segments are, and trace_dir and trace_path say so", async () => {
    for (const traceDir of ["my traces", "a:b", "x~y", "é/ü", "ok.dir/sub-1", "a b.d"]) {
      await runIn(traceDir, async (root, tracer) => {
        const renamed = traceDir.split("/").map(sanitizeSegment);
        const info = tracer.traceInfo("rq");
        assert.equal(info.trace_dir, [root, ...renamed].join("/"), traceDir);
        assert.equal(
          info.trace_path!.slice(0, info.trace_dir.length + 5),
          `${info.trace_dir}/run_`,
        );
        assert.equal((await stat(info.trace_path!)).isFile(), true, traceDir);
        assert.deepEqual(await readdir(root), [renamed[0]], traceDir);
      });
    }
    assert.equal(sanitizeSegment("ok.dir"), "ok.dir", "a safe name is kept");
    assert.equal(sanitizeSegment("my traces"), `_my_traces~${segmentDigest("my traces")}`);
  });

  it("as the README's Event log section documents", async () => {
    const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
    const start = readme.indexOf("\n### Event log and analysis CLI");
    const section = readme.slice(start, readme.indexOf("\n### ", start + 1));
    const documented = /`traceDir: "([^"]+)"` writes to\s+`<root>\/([^`]+)\/run_…`/.exec(section);
    assert.ok(documented, "the section names where a renamed traceDir goes");
    const [, traceDir, dir] = documented;
    await runIn(traceDir, async (root, tracer) => {
      const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const pattern = new RegExp(`^${dir.split("<32 hex>").map(escape).join("[0-9a-f]{32}")}$`);
      const [onDisk] = await readdir(root);
      assert.match(onDisk, pattern);
      assert.equal(tracer.traceInfo("rq").trace_dir, `${root}/${onDisk}`);
    });
  });
});
