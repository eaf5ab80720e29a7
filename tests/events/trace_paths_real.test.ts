// With a file-system storage, an EventTracer reports trace paths a user can open, as
// design_research_agents does: `traceInfo().trace_path` and RunStarted's `trace_path` are the
// files' real paths, `trace_dir` is the real directory, an absolute traceDir inside the storage
// root is that directory (one outside is placed under the root and reported), and the latest
// trace of a request id is found on disk, whichever tracer or process wrote it (a run the tracer
// made itself is answered from its own file while that file is there).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resetReportedOnce } from "../../src/diagnostics.ts";
import { EventTracer } from "../../src/events/mod.ts";
import type { EventTracerOptions } from "../../src/events/mod.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { hasFileSystem } from "../_support/runtime.ts";

const STAMPED = /^run_\d{8}T\d{6}Z_/;

/** Runs `body` with a file-system storage on a new temporary root, then removes it. */
async function withRoot(
  body: (storage: NodeFsStorage, tracer: (o?: EventTracerOptions) => EventTracer) => Promise<void>,
): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "tracelet-trace-paths-"));
  const storage = new NodeFsStorage({ root });
  const tracer = (o: EventTracerOptions = {}) =>
    new EventTracer({ storage, enableConsole: false, spanTracer: false, ...o });
  try {
    await body(storage, tracer);
  } finally {
    await storage.close();
    await rm(root, { recursive: true, force: true });
  }
}

async function run(tracer: EventTracer, requestId: string): Promise<void> {
  await tracer.runCallable({ agentName: "a", requestId, fn: () => 1 });
}

describe("events: trace paths in a file-system storage", { skip: !hasFileSystem }, () => {
  it("are the files' real paths, in traceInfo and RunStarted", async () => {
    await withRoot(async (storage, make) => {
      const tracer = make();
      await run(tracer, "req-1");
      const info = tracer.traceInfo("req-1");
      assert.equal(info.trace_dir, `${storage.root}/traces`);
      const names = await readdir(info.trace_dir); // a directory that exists
      assert.equal(info.trace_path, `${info.trace_dir}/${names[0]}`);
      const [started] = (await readFile(info.trace_path!, "utf8")).split("\n");
      assert.equal(JSON.parse(started).event_type, "RunStarted");
      assert.equal(JSON.parse(started).attributes.trace_path, info.trace_path);
      assert.equal(tracer.traceDir, "traces", "the option is kept as given");
    });
  });

  it("use an absolute traceDir inside the storage root as that directory", async () => {
    await withRoot(async (storage, make) => {
      const { diagnostics } = await captureDiagnostics(async () => {
        for (const dir of [`${storage.root}/out/traces`, `${storage.root}/x/../out/traces/`]) {
          const tracer = make({ traceDir: dir });
          await run(tracer, "abs");
          const info = tracer.traceInfo("abs");
          assert.equal(info.trace_dir, `${storage.root}/out/traces`);
          assert.match(info.trace_path!, /\/out\/traces\/run_\d{8}T\d{6}Z_abs\.jsonl$/);
          assert.match(await readFile(info.trace_path!, "utf8"), /"RunFinished"/);
        }
      });
      assert.deepEqual(diagnostics.map((d) => d.code), []);
      assert.deepEqual(await readdir(storage.root), ["out"]);
    });
  });

  it("place an absolute traceDir outside the root under it, report it once and say where", async () => {
    resetReportedOnce();
    const outside = await mkdtemp(join(tmpdir(), "tracelet-trace-outside-"));
    try {
      await withRoot(async (storage, make) => {
        const { diagnostics } = await captureDiagnostics(async () => {
          const tracer = make({ traceDir: `${outside}/traces` });
          await run(tracer, "o1");
          await run(tracer, "o2");
          const info = tracer.traceInfo("o2");
          assert.equal(info.trace_dir.startsWith(`${storage.root}/`), true, info.trace_dir);
          assert.equal(info.trace_path!.startsWith(`${info.trace_dir}/run_`), true);
          assert.match(await readFile(info.trace_path!, "utf8"), /"RunStarted"/);
          assert.equal((await readdir(info.trace_dir)).length, 2);
        });
        const codes = diagnostics.map((d) => d.code);
        assert.deepEqual(codes, ["events_trace_dir_outside_root"]);
        assert.equal(diagnostics[0].message.includes(storage.root), true);
        assert.deepEqual(await readdir(outside), [], "nothing is written outside the root");
      });
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe("events: the latest trace of a request id", { skip: !hasFileSystem }, () => {
  it("is found on disk by another tracer", async () => {
    await withRoot(async (_storage, make) => {
      for (const id of ["req-42", "\u8bf7\u6c42-3"]) {
        const writer = make();
        await run(writer, id);
        const written = writer.traceInfo(id).trace_path;
        assert.notEqual(written, null);
        const reader = make();
        assert.equal(reader.resolveLatestTracePath(id), written);
        assert.deepEqual(reader.traceInfo(id).trace_path, written);
      }
      assert.equal(make().resolveLatestTracePath("req-43"), undefined);
      assert.equal(make().traceInfo("req-43").trace_path, null);
      assert.equal(make({ enableJsonl: false }).resolveLatestTracePath("req-42"), undefined);
    });
  });

  it("is the newest matching file by modification time, as in DRA", async () => {
    await withRoot(async (storage, make) => {
      const dir = `${storage.root}/traces`;
      await mkdir(dir, { recursive: true });
      const files: [string, number][] = [
        ["run_20260101T000000Z_req-42.jsonl", 1_000],
        ["run_20250101T000000Z_req-42.jsonl", 3_000], // newest by time, older by its name
        ["run_20270101T000000Z_x_req-42.jsonl", 9_000], // another id ending with _req-42
        ["run_20270101T000000Z_req-42.jsonl.bak", 9_000],
        ["run_20270101T000000Z_req-4.jsonl", 9_000],
      ];
      for (const [name, seconds] of files) {
        await writeFile(`${dir}/${name}`, "{}\n");
        await utimes(`${dir}/${name}`, seconds, seconds);
      }
      await mkdir(`${dir}/run_20280101T000000Z_req-42.jsonl`); // a directory, not a trace
      const tracer = make();
      assert.equal(tracer.resolveLatestTracePath("req-42"), `${dir}/${files[1][0]}`);
      // A run this tracer starts now is newer than every file on disk.
      await run(tracer, "req-42");
      const latest = tracer.resolveLatestTracePath("req-42")!;
      assert.match(latest.slice(dir.length + 1), STAMPED);
      assert.notEqual(latest, `${dir}/${files[1][0]}`);
      // A file written later by someone else: the run this tracer made is still answered from
      // its own file (one look at it, no listing of a directory every run changes); another
      // tracer, or this one once its file is gone, finds the newest on disk.
      const later = Date.now() / 1000 + 60;
      await writeFile(`${dir}/${files[0][0]}`, "{}\n");
      await utimes(`${dir}/${files[0][0]}`, later, later);
      assert.equal(tracer.resolveLatestTracePath("req-42"), latest);
      assert.equal(make().resolveLatestTracePath("req-42"), `${dir}/${files[0][0]}`);
      await rm(latest);
      assert.equal(tracer.resolveLatestTracePath("req-42"), `${dir}/${files[0][0]}`);
    });
  });
});

describe("events: trace paths in other storages", () => {
  it("stay relative to the storage", async () => {
    const tracer = new EventTracer({
      storage: new MemoryStorage(),
      traceDir: "out/traces",
      enableConsole: false,
      spanTracer: false,
    });
    await run(tracer, "m1");
    const info = tracer.traceInfo("m1");
    assert.equal(info.trace_dir, "out/traces");
    assert.match(info.trace_path!, /^out\/traces\/run_\d{8}T\d{6}Z_m1\.jsonl$/);
  });
});
