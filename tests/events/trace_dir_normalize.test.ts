// A relative traceDir is read as the OS reads it (`./traces` is `traces`, `a/../b` is `b`) and
// never climbs out of a file-system storage's root (`../x` is `<root>/x`, reported); only a root
// that starts with a drive or `\\` is a Windows root (a POSIX root may hold a `\` in a name).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resetReportedOnce } from "../../src/diagnostics.ts";
import { placeTraceDir } from "../../src/events/_trace_location.ts";
import { EventTracer } from "../../src/events/mod.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { hasFileSystem } from "../_support/runtime.ts";

describe("events: a relative traceDir is normalized", () => {
  it("drops `.` segments and collapses `..`, clamped at the root", () => {
    const cases: [string, string[], boolean][] = [
      ["./traces", ["traces"], false],
      ["./a/./b/", ["a", "b"], false],
      ["a/../b", ["b"], false],
      ["a/b/../../c", ["c"], false],
      ["./", [], false],
      ["a/..", [], false],
      ["../x", ["x"], true],
      ["a/../../x/./y", ["x", "y"], true],
    ];
    for (const [dir, segments, outside] of cases) {
      assert.deepEqual(placeTraceDir(dir, "/srv/root"), { segments, outside }, dir);
      // Other storages have no root to be outside of; the path is normalized all the same.
      assert.deepEqual(placeTraceDir(dir, undefined), { segments, outside: false }, dir);
    }
  });

  it("reads a storage root as Windows only when it starts with a drive or `\\\\`", () => {
    // A POSIX root with a `\` in a name: case and separators count.
    assert.deepEqual(placeTraceDir("/tmp/a/b/x", "/tmp/a\\b"), {
      segments: ["tmp", "a", "b", "x"],
      outside: true,
    });
    assert.deepEqual(placeTraceDir("/tmp/A\\B/x", "/tmp/a\\b"), {
      segments: ["tmp", "A\\B", "x"],
      outside: true,
    });
    assert.deepEqual(placeTraceDir("/tmp/a\\b/x", "/tmp/a\\b"), {
      segments: ["x"],
      outside: false,
    });
    // Windows roots still compare without case, with either separator.
    assert.deepEqual(placeTraceDir("c:/data/traces", "C:\\Data"), {
      segments: ["traces"],
      outside: false,
    });
    assert.deepEqual(placeTraceDir("\\\\HOST\\share\\t", "\\\\host\\share"), {
      segments: ["t"],
      outside: false,
    });
  });

  it("reports trace paths of a memory storage without `.` and `..`", async () => {
    const tracer = new EventTracer({
      storage: new MemoryStorage(),
      traceDir: "./out/../traces",
      enableConsole: false,
      spanTracer: false,
    });
    await tracer.runCallable({ agentName: "a", requestId: "m1", fn: () => 1 });
    assert.match(tracer.traceInfo("m1").trace_path!, /^traces\/run_\d{8}T\d{6}Z_m1\.jsonl$/);
  });
});

describe("events: a relative traceDir in a file-system storage", { skip: !hasFileSystem }, () => {
  it("is the directory the OS would open, and never outside the root", async () => {
    resetReportedOnce();
    const parent = await mkdtemp(join(tmpdir(), "tracelet-trace-dir-"));
    const root = `${parent}/root`;
    const storage = new NodeFsStorage({ root });
    try {
      const { diagnostics } = await captureDiagnostics(async () => {
        for (
          const [traceDir, expected] of [
            ["./traces", "traces"],
            ["a/../b", "b"],
            ["../x", "x"],
            ["./a/../../../y/./", "y"],
          ]
        ) {
          const tracer = new EventTracer({
            storage,
            traceDir,
            enableConsole: false,
            spanTracer: false,
          });
          await tracer.runCallable({ agentName: "a", requestId: "req@1", fn: () => 1 });
          const info = tracer.traceInfo("req@1");
          assert.equal(info.trace_dir, `${root}/${expected}`, traceDir);
          assert.match(info.trace_path!.slice(info.trace_dir.length), /^\/run_\d{8}T\d{6}Z_/);
          assert.match(await readFile(info.trace_path!, "utf8"), /"RunFinished"/, traceDir);
        }
      });
      assert.deepEqual((await readdir(root)).sort(), ["b", "traces", "x", "y"]);
      assert.deepEqual(await readdir(parent), ["root"], "nothing is written outside the root");
      const codes = diagnostics.map((d) => d.code);
      assert.deepEqual(codes, ["events_trace_dir_outside_root", "events_trace_dir_outside_root"]);
      assert.equal(diagnostics[0].message.includes(`${root}/x`), true, diagnostics[0].message);
    } finally {
      await storage.close();
      await rm(parent, { recursive: true, force: true });
    }
  });

  it("under a POSIX root with a `\\` in a name, places an absolute dir outside it under it", {
    skip: (globalThis as { process?: { platform?: string } }).process?.platform === "win32",
  }, async () => {
    resetReportedOnce();
    const parent = await mkdtemp(join(tmpdir(), "tracelet-trace-bs-"));
    const root = `${parent}/A\\b`;
    const storage = new NodeFsStorage({ root });
    try {
      await mkdir(`${parent}/a/b`, { recursive: true });
      const { diagnostics } = await captureDiagnostics(async () => {
        const tracer = new EventTracer({
          storage,
          traceDir: `${parent}/a/b/traces`,
          enableConsole: false,
          spanTracer: false,
        });
        await tracer.runCallable({ agentName: "a", requestId: "r", fn: () => 1 });
        const info = tracer.traceInfo("r");
        assert.equal(info.trace_dir, `${root}${parent}/a/b/traces`);
        assert.equal((await stat(info.trace_path!)).isFile(), true);
      });
      assert.deepEqual(diagnostics.map((d) => d.code), ["events_trace_dir_outside_root"]);
      assert.deepEqual(await readdir(`${parent}/a/b`), [], "nothing is written outside the root");
    } finally {
      await storage.close();
      await rm(parent, { recursive: true, force: true });
    }
  });
});
