// A trace file that grows while it is analyzed (a live run log) is read as a snapshot: up to its
// size when opened, plus the rest of a line cut at that edge, in full chunks. The CLI's reader
// read one byte per call once it had read the size it first saw (a 300 KB log with a writer
// appending 50 KB/s took 31.8 s), and the configured local files read until a read gave nothing,
// so a fast writer kept either reading forever.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { analyzeTraceDir } from "../../src/analyze/mod.ts";
import { createNodeReader } from "../../src/analyze/cli.ts";
import { snapshotChunks } from "../../src/analyze/_snapshot_chunks.ts";
import type { LocalFiles } from "../../src/config_state.ts";
import type { ChunkedFiles } from "../../src/task/_artifact_blobs.ts";
import { nodeLocalFiles } from "../../src/runtime/node_local_files.ts";
import { hasFileSystem } from "../_support/runtime.ts";
import { withTempDir } from "../_support/files.ts";
import { withTaskEnv } from "../_support/task_env.ts";
import { eventLine } from "./_event_line.ts";

const CHUNK = 4096;
/** More reads than a correct reader ever needs here: the old readers ran into it. */
const GIVE_UP_AFTER = 2000;
const LINE = eventLine("ModelCallStarted", { model: "m", pad: "x".repeat(150) }) + "\n";
const LATE = eventLine("ToolCallStarted", { tool_name: "late" }) + "\n";
const text = (bytes: Uint8Array[]) => new TextDecoder().decode(concat(bytes));

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) (out.set(c, at), at += c.length);
  return out;
}

/** Reads `chunks` to the end, or until `GIVE_UP_AFTER` of them, calling `onChunk` after each. */
async function drain(chunks: AsyncIterable<Uint8Array>, onChunk: () => void) {
  const read: Uint8Array[] = [];
  for await (const chunk of chunks) {
    read.push(chunk);
    onChunk();
    if (read.length >= GIVE_UP_AFTER) break;
  }
  return read;
}

describe("snapshotChunks", () => {
  const encode = (s: string) => new TextEncoder().encode(s);
  /** A writer always ahead of the reader: every read gets a full chunk, forever. */
  async function* endless(first: string, then: string) {
    yield encode(first);
    for (;;) yield encode(then);
  }

  it("ends at the size seen when opened, at a line's end", async () => {
    const read = await drain(snapshotChunks(endless("a\nb\n", "c\n"), 4, 100), () => {});
    assert.equal(text(read), "a\nb\n");
  });

  it("completes a line cut at that edge, and no more", async () => {
    const read = await drain(snapshotChunks(endless("a\nb", "bb\nc\n"), 3, 100), () => {});
    assert.equal(text(read), "a\nbbb\n");
  });

  it("reads on at most maxTailBytes for a line without its newline", async () => {
    const read = await drain(snapshotChunks(endless("a\nb", "b".repeat(10)), 3, 25), () => {});
    assert.equal(text(read), "a\nb" + "b".repeat(25));
  });
});

describe("a trace file growing while it is read", { skip: !hasFileSystem }, () => {
  it("the CLI's reader reads the snapshot in a few full chunks", () =>
    withTempDir("tracelet-growing-", async (dir) => {
      const path = join(dir, "run_live.jsonl");
      const original = LINE.repeat(100); // about 20 KB: 5 chunks
      writeFileSync(path, original);
      // A writer faster than the reader: a line appended after every chunk read.
      const read = await drain(
        createNodeReader(CHUNK).readChunks!(path),
        () => appendFileSync(path, LATE),
      );
      assert.ok(read.length <= Math.ceil(original.length / CHUNK) + 1, `${read.length} reads`);
      assert.equal(text(read), original);
    }));

  it("the CLI's reader completes the line being written when the file was opened", () =>
    withTempDir("tracelet-growing-", async (dir) => {
      const path = join(dir, "run_live.jsonl");
      const cut = LINE.length - 40;
      writeFileSync(path, LINE.repeat(30) + LINE.slice(0, cut));
      let appended = 0;
      const read = await drain(createNodeReader(CHUNK).readChunks!(path), () => {
        if (appended++ === 0) appendFileSync(path, LINE.slice(cut) + LATE.repeat(50));
        else appendFileSync(path, LATE);
      });
      assert.equal(text(read), LINE.repeat(31));
      assert.ok(read.length <= 4, `${read.length} reads`);
    }));

  it("analyzeTraceDir counts the snapshot of a live log through the CLI's reader", () =>
    withTempDir("tracelet-growing-", async (dir) => {
      const path = join(dir, "run_live.jsonl");
      writeFileSync(path, LINE.repeat(200) + LINE.slice(0, 60));
      const cli = createNodeReader(CHUNK);
      let reads = 0;
      const reader = {
        listFiles: cli.listFiles,
        async *readChunks(file: string) {
          for await (const chunk of cli.readChunks!(file)) {
            if (++reads === 1) appendFileSync(path, LINE.slice(60));
            else if (reads < GIVE_UP_AFTER) appendFileSync(path, LATE.repeat(20));
            else break;
            yield chunk;
          }
        },
      };
      const report = await analyzeTraceDir({ traceDir: dir, reader });
      assert.equal(report.models.model_call_count, 201);
      assert.equal(report.tools.tool_invocation_count, 0);
      assert.equal(report.events.malformed_lines, 0);
      assert.ok(reads <= Math.ceil((LINE.length * 201) / CHUNK) + 1, `${reads} reads`);
    }));

  it("analyzeTraceDir reads a snapshot through the configured local files too", () =>
    withTempDir("tracelet-growing-", async (dir) => {
      const path = join(dir, "run_live.jsonl");
      const original = LINE.repeat(1000); // 5 chunks of 64 KiB
      writeFileSync(path, original);
      let reads = 0;
      const files: LocalFiles & ChunkedFiles = {
        ...nodeLocalFiles,
        async *readChunks(file, size) {
          for await (const chunk of nodeLocalFiles.readChunks(file, size)) {
            if (++reads >= GIVE_UP_AFTER) break;
            appendFileSync(path, LATE.repeat(100)); // a writer never done
            yield chunk;
          }
        },
      };
      await withTaskEnv(async () => {
        const report = await analyzeTraceDir({ traceDir: dir });
        assert.equal(report.models.model_call_count, 1000);
        assert.equal(report.tools.tool_invocation_count, 0);
        assert.ok(reads <= Math.ceil(original.length / 65536) + 1, `${reads} reads`);
      }, { files });
    }));
});
