// A process that ends by an uncaught error or `process.exit()` while the JSONL exporter's append
// is still running: the exit writer wrote only the batch queue, so the batch being appended was
// lost when its write had not landed yet. `JsonlSpanExporter.exportInFlightSync` writes it then,
// left out of a log that already ends with it (the write landed, its promise never settled), so
// each line is in the log once either way. Real files through the Node file adapter (Node, Deno,
// Bun; not workerd).
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { JsonlSpanExporter } from "../src/exporter/jsonl.ts";
import { NodeFsStorage } from "../src/storage/node_fs.ts";
import type { StoragePath, TraceStorage } from "../src/storage/types.ts";
import { captureDiagnostics } from "./_support/collect.ts";
import { withTempDir } from "./_support/files.ts";
import { hasFileSystem } from "./_support/runtime.ts";
import { makeSpanRecord } from "./_support/span_records.ts";

/** How an append of the wrapped storage behaves while the process ends. */
type AppendFate = "never started" | "landed, never settled";

/**
 * A file storage whose async appends never settle: as at a process's end, when the append's
 * promise never resumes. With "landed", the lines are in the file first.
 */
function endingStorage(files: NodeFsStorage, fate: AppendFate): TraceStorage {
  const never = new Promise<void>(() => {});
  return new Proxy(files, {
    get(target, key) {
      if (key === "appendLines") {
        return async (path: StoragePath, lines: readonly string[]) => {
          if (fate === "landed, never settled") await target.appendLines(path, lines);
          return never;
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const span = (name: string) =>
  makeSpanRecord({ name, attributes: { "dreadnode.run.id": "r1", "dreadnode.project": "p" } });

/** The span names in the run's log, in file order. */
async function logged(dir: string): Promise<string[]> {
  const text = await readFile(join(dir, "projects", "p", "r1", "spans.jsonl"), "utf8");
  return text.trimEnd().split("\n").map((line) => (JSON.parse(line) as { name: string }).name);
}

/** Starts an export of `a`, `b` that never settles, then writes at exit as the pipeline does. */
async function endWhileAppending(dir: string, fate: AppendFate): Promise<string[]> {
  const files = new NodeFsStorage({ root: dir });
  try {
    const exporter = new JsonlSpanExporter({ storage: endingStorage(files, fate) });
    void exporter.export([span("a"), span("b")]);
    // Let the append start (and, for "landed", reach the file) without its promise settling.
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setTimeout(resolve, 1));
    exporter.exportInFlightSync();
    exporter.exportSync!([span("c")]); // the queue, after it (BatchSpanProcessor.exportQueuedSync)
    exporter.exportInFlightSync(); // a second exit event (Deno: `error`, then `unload`)
    return await logged(dir);
  } finally {
    await files.close();
  }
}

describe("the batch being appended when the process ends", { skip: !hasFileSystem }, () => {
  it("is written when its append had not reached the file", () =>
    withTempDir("tracelet-inflight-", async (dir) => {
      assert.deepEqual(await endWhileAppending(dir, "never started"), ["a", "b", "c"]);
    }));

  it("is not written twice when its append landed but never settled", () =>
    withTempDir("tracelet-inflight-", async (dir) => {
      assert.deepEqual(await endWhileAppending(dir, "landed, never settled"), ["a", "b", "c"]);
    }));

  it("is not written twice when other appends came after it (a full queue, another process)", () =>
    withTempDir("tracelet-inflight-", async (dir) => {
      const files = new NodeFsStorage({ root: dir });
      try {
        const exporter = new JsonlSpanExporter({
          storage: endingStorage(files, "landed, never settled"),
        });
        void exporter.export([span("a"), span("b")]);
        for (let i = 0; i < 50; i++) await new Promise((resolve) => setTimeout(resolve, 1));
        exporter.exportSync!([span("c")]); // a full queue written at once, after it landed
        const other = new NodeFsStorage({ root: dir }); // a cluster worker on the same run
        await other.appendLines(["projects", "p", "r1", "spans.jsonl"], [
          JSON.stringify({ name: "other process" }),
        ]);
        await other.close();
        exporter.exportInFlightSync();
        assert.deepEqual(await logged(dir), ["a", "b", "c", "other process"]);
      } finally {
        await files.close();
      }
    }));

  it("is skipped and reported when its append has run for 10 s (a stalled storage)", () =>
    withTempDir("tracelet-inflight-", async (dir) => {
      const files = new NodeFsStorage({ root: dir });
      const realNow = Date.now;
      try {
        const exporter = new JsonlSpanExporter({ storage: endingStorage(files, "never started") });
        void exporter.export([span("a")]);
        const { diagnostics } = await captureDiagnostics(() => {
          Date.now = () => realNow() + 10_000;
          try {
            exporter.exportInFlightSync();
          } finally {
            Date.now = realNow;
          }
        });
        assert.deepEqual(diagnostics.map((d) => d.code), ["span_exit_write_skipped"]);
        assert.match(diagnostics[0]!.message, /Cannot append 1 span lines as the process ends/);
        await assert.rejects(readFile(join(dir, "projects", "p", "r1", "spans.jsonl")));
      } finally {
        Date.now = realNow;
        await files.close();
      }
    }));
});
