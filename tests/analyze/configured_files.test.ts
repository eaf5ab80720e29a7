// `analyzeTraceDir()` without a reader reads through the configured local files, a chunk at a
// time when they can (as the Node, Deno and Bun presets' files can): a file is never read whole,
// so memory stays bounded by the longest line and files of 2 GiB and more are read.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { analyzeTraceDir, analyzeTraceFiles } from "../../src/analyze/mod.ts";
import type { LocalFiles } from "../../src/config_state.ts";
import type { ChunkedFiles } from "../../src/task/_artifact_blobs.ts";
import { nodeLocalFiles } from "../../src/runtime/node_local_files.ts";
import { hasFileSystem } from "../_support/runtime.ts";
import { withTempDir } from "../_support/files.ts";
import { withTaskEnv } from "../_support/task_env.ts";
import { eventLine } from "./_event_line.ts";

const TEXT = [
  eventLine("ModelCallStarted", { model: "modèle-ü" }),
  eventLine("ModelCallFinished", {
    model: "modèle-ü",
    response: { usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
  }, 12),
  "not json",
  eventLine("RunFinished", { success: true }),
].join("\n") + "\n";

/** Runs `fn` with `files` as the configured local files. */
function withFiles(files: LocalFiles, fn: () => Promise<void>): Promise<void> {
  return withTaskEnv(fn, { files });
}

const noWholeReads = () => Promise.reject(new Error("read whole"));

describe("analyzeTraceDir with the configured local files", () => {
  it("reads in chunks when the files can, never the whole file", async () => {
    const bytes = new TextEncoder().encode(TEXT);
    const sizes: number[] = [];
    const files: LocalFiles & ChunkedFiles = {
      resolve: (path) => path,
      stat: () => Promise.resolve(undefined),
      listFiles: () => Promise.resolve(["run_1.jsonl"]),
      readFile: noWholeReads,
      async *readChunks(path, chunkSize) {
        assert.equal(path, "d/run_1.jsonl");
        // Pieces far smaller than asked for, splitting multi-byte characters.
        for (let i = 0; i < bytes.length; i += 7) {
          sizes.push(Math.min(7, chunkSize));
          yield bytes.slice(i, i + 7);
        }
      },
    };
    await withFiles(files, async () => {
      const report = await analyzeTraceDir({ traceDir: "d" });
      assert.deepEqual(report.warnings, ["1 malformed line(s) skipped"]);
      assert.deepEqual(
        report,
        analyzeTraceFiles([{ name: "run_1.jsonl", text: TEXT }], {
          traceDir: "d",
        }),
      );
      assert.ok(sizes.length > 20);
    });
  });

  it("reads whole files when the files cannot read chunks", async () => {
    const files: LocalFiles = {
      resolve: (path) => path,
      stat: () => Promise.resolve(undefined),
      listFiles: () => Promise.resolve(["run_1.jsonl"]),
      readFile: () => Promise.resolve(new TextEncoder().encode(TEXT)),
    };
    await withFiles(files, async () => {
      const report = await analyzeTraceDir({ traceDir: "d" });
      assert.equal(report.models.tokens.total_tokens, 5);
      assert.equal(report.events.malformed_lines, 1);
    });
  });

  it(
    "the Node and Deno presets' local files are read in chunks",
    { skip: !hasFileSystem },
    async () => {
      await withTempDir("tracelet-analyze-files-", async (dir) => {
        await writeFile(join(dir, "run_1.jsonl"), TEXT);
        await withFiles({ ...nodeLocalFiles, readFile: noWholeReads }, async () => {
          const report = await analyzeTraceDir({ traceDir: dir });
          assert.deepEqual(report.inputs.files, ["run_1.jsonl"]);
          assert.equal(report.models.tokens.total_tokens, 5);
          assert.deepEqual(report.warnings, ["1 malformed line(s) skipped"]);
        });
      });
    },
  );
});
