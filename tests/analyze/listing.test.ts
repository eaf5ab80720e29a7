// Listing a trace directory: a glob without `/` lists only the top directory, and a subdirectory
// that cannot be listed is skipped with a warning instead of hiding every file. The unlistable
// subdirectory is one whose path is longer than the OS allows (ENAMETOOLONG), which fails for
// root too, unlike a permission bit.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rename, rm, rmdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { analyzeTraceDir } from "../../src/analyze/mod.ts";
import { nodeReader } from "../../src/analyze/cli.ts";
import { listFilesBelow } from "../../src/runtime/node_local_files.ts";
import { hasFileSystem } from "../_support/runtime.ts";

const NAME = "d".repeat(200);
const DEPTH = 24; // 24 × 201 characters: past PATH_MAX (4096 on Linux, 1024 on macOS)

/**
 * Makes `<dir>/deep/<NAME>/<NAME>/…` deeper than a path may be, without ever using a long path:
 * each level is created at the top and the chain so far is moved into it.
 *
 * @returns Removes the chain the same way.
 */
async function unlistableSubdirectory(dir: string): Promise<() => Promise<void>> {
  const top = join(dir, "deep");
  await mkdir(top);
  for (let i = 0; i < DEPTH; i++) {
    await mkdir(join(dir, "next"));
    await rename(top, join(dir, "next", NAME));
    await rename(join(dir, "next"), top);
  }
  return async () => {
    for (let i = 0; i < DEPTH; i++) {
      await rename(join(top, NAME), join(dir, "inner"));
      await rmdir(top);
      await rename(join(dir, "inner"), top);
    }
    await rmdir(top);
  };
}

const line = (runId: string) =>
  JSON.stringify({ event_type: "RunStarted", run_id: runId, attributes: {} }) + "\n";

describe(
  "listing a trace directory",
  { skip: !hasFileSystem || process.platform === "win32" },
  () => {
    it("reads the top directory for a glob without `/`, and skips an unlistable subdirectory", async () => {
      const dir = await mkdtemp(join(tmpdir(), "tracelet-listing-"));
      const cleanup = await unlistableSubdirectory(dir);
      try {
        await writeFile(join(dir, "run_a.jsonl"), line("r1"));
        await mkdir(join(dir, "sub"));
        await writeFile(join(dir, "sub", "run_b.jsonl"), line("r2"));

        const top = await analyzeTraceDir({ traceDir: dir, reader: nodeReader });
        assert.deepEqual(top.inputs.files, ["run_a.jsonl"]);
        assert.deepEqual(top.warnings, [], "subdirectories are not even listed");

        const all = await analyzeTraceDir({
          traceDir: dir,
          glob: "**/*.jsonl",
          reader: nodeReader,
        });
        assert.deepEqual(all.inputs.files, ["run_a.jsonl", "sub/run_b.jsonl"]);
        assert.equal(all.runs.unique_run_count, 2);
        assert.equal(all.warnings.length, 1, all.warnings.join("\n"));
        assert.match(all.warnings[0], /^Cannot list .*\/deep\/d+.*\(skipped\)$/);
      } finally {
        await cleanup();
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("rejects for an unlistable subdirectory when nobody takes the warning (logArtifact)", async () => {
      const dir = await mkdtemp(join(tmpdir(), "tracelet-listing-"));
      const cleanup = await unlistableSubdirectory(dir);
      try {
        await writeFile(join(dir, "a.txt"), "a");
        await assert.rejects(listFilesBelow(dir));
        assert.deepEqual(await listFilesBelow(dir, { recursive: false }), ["a.txt"]);
        const skipped: string[] = [];
        assert.deepEqual(await listFilesBelow(dir, { onSkip: (d) => skipped.push(d) }), ["a.txt"]);
        assert.equal(skipped.length, 1);
        assert.ok(skipped[0].startsWith(`deep/${NAME}/`), skipped[0]);
      } finally {
        await cleanup();
        await rm(dir, { recursive: true, force: true });
      }
    });
  },
);
