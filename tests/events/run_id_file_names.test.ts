// Request ids that sanitize alike used to share one event log: `a b`, `a_b` and `a/b` were all
// written to `run_<stamp>_a_b.jsonl`, and `../rid`, `___rid`, `..\rid` to
// `run_<stamp>____rid.jsonl` (found by a user trial), so one run's file held another's events
// and traceInfo named it for both. An id that sanitizing changes now gets a hash of the id as
// given, as a non-ASCII one does; an id of ASCII letters, digits, `-` and `_` keeps its
// design_research_agents name.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventTracer } from "../../src/events/mod.ts";
import type { EventTracerOptions } from "../../src/events/mod.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import { segmentDigest } from "../../src/storage/_sanitize.ts";
import { hasFileSystem } from "../_support/runtime.ts";

/** Ids that sanitize to one id, in two groups. */
const ALIKE = ["../rid", "___rid", "__/rid", "..\\rid", "a b", "a_b", "a/b", "a.b", "a:b"];

/** The request ids of a log's lines. */
function requestIdsOf(lines: string[]): string[] {
  return [...new Set(lines.map((line) => JSON.parse(line).run_id as string))];
}

function tracerOn(storage: MemoryStorage | NodeFsStorage, o: EventTracerOptions = {}) {
  return new EventTracer({ storage, enableConsole: false, spanTracer: false, ...o });
}

describe("events: request ids that sanitize alike", () => {
  it("get a file each, named by a hash of the id as given", async () => {
    const storage = new MemoryStorage();
    const tracer = tracerOn(storage);
    const paths = new Map<string, string>();
    for (const id of ALIKE) {
      await tracer.runCallable({ agentName: "a", requestId: id, fn: () => id });
      paths.set(id, tracer.traceInfo(id).trace_path!);
    }
    assert.equal(new Set(paths.values()).size, ALIKE.length, [...paths.values()].join("\n"));
    for (const [id, path] of paths) {
      assert.deepEqual(requestIdsOf(await storage.readLines(path.split("/"))), [id], path);
      const name = path.split("/").at(-1)!;
      if (id === "___rid" || id === "a_b") {
        assert.match(name, new RegExp(`^run_\\d{8}T\\d{6}Z_${id}\\.jsonl$`), "kept as it is");
      } else {
        const ascii = id.replace(/[^A-Za-z0-9_-]/g, "_");
        assert.equal(
          name.slice("run_YYYYMMDDTHHMMSSZ_".length),
          `${ascii}_${segmentDigest(id)}.jsonl`,
        );
      }
    }
  });

  it("keep today's names for ids written as they are, and for non-ASCII or long ones", () => {
    const tracer = tracerOn(new MemoryStorage());
    const idPart = (id: string) =>
      tracer.buildTracePath(id)!.slice("traces/run_YYYYMMDDTHHMMSSZ_".length);
    for (const id of ["req-1", "ABC_123", "a", "-_-", "0123456789abcdef0123456789abcdef"]) {
      assert.equal(idPart(id), `${id}.jsonl`);
    }
    // Names as earlier builds wrote them (a hash of the id, which sanitizing does not change).
    assert.equal(idPart("é"), `__${segmentDigest("é")}.jsonl`);
    assert.equal(idPart("日本"), `___${segmentDigest("日本")}.jsonl`);
    const long = "x".repeat(300);
    assert.equal(idPart(long), `${"x".repeat(60)}_${segmentDigest(long)}.jsonl`);
    // Non-ASCII ids that sanitize alike differ too.
    assert.notEqual(idPart("é:"), idPart("é/"));
    assert.notEqual(idPart("é:"), idPart("é_"));
    // An empty id still gets a random id of its own per run.
    assert.match(idPart(""), /^[0-9a-f]{32}\.jsonl$/);
  });

  it(
    "are found on disk by their own id, by another tracer too",
    { skip: !hasFileSystem },
    async () => {
      const root = await mkdtemp(join(tmpdir(), "tracelet-rid-names-"));
      const storage = new NodeFsStorage({ root });
      try {
        const writer = tracerOn(storage);
        for (const id of ALIKE) {
          await writer.runCallable({
            agentName: "a",
            requestId: id,
            fn: () => 1,
          });
        }
        assert.equal((await readdir(`${root}/traces`)).length, ALIKE.length);
        // A tracer that built none of the paths finds each on disk, as another process does.
        const reader = tracerOn(storage);
        for (const id of ALIKE) {
          const path = reader.traceInfo(id).trace_path!;
          assert.equal(path, writer.traceInfo(id).trace_path, id);
          const lines = (await readFile(path, "utf8")).trim().split("\n");
          assert.deepEqual(requestIdsOf(lines), [id], path);
        }
        assert.equal(reader.traceInfo("a  b").trace_path, null, "no file of another id");
      } finally {
        await storage.close();
        await rm(root, { recursive: true, force: true });
      }
    },
  );
});
