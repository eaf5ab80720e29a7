// An artifact a sync task body logs without awaiting it is still being written when the task
// ends (`task_pending_writes` says so). `await tracing.shutdown()` resolved before it was written,
// so a program that then called `process.exit()` lost the artifact file and its `artifacts.jsonl`
// line (found by a user trial). A configuration's flush and shutdown now wait for artifacts being
// written, as they wait for event logs. Real files; skipped where there is no file system.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { configure } from "../../src/runtime/node.ts";
import { run, taskSpan } from "../../src/task/mod.ts";
import { withTempDir } from "../_support/files.ts";
import { isolated } from "../_support/global_state.ts";
import { hasFileSystem } from "../_support/runtime.ts";

describe("artifacts still being written at shutdown", { skip: !hasFileSystem }, () => {
  it("are on disk when await tracing.shutdown() resolves", () =>
    isolated(() =>
      withTempDir("tracelet-artifact-exit-", async (dir) => {
        const file = join(dir, "report.bin");
        await writeFile(file, new Uint8Array(8 * 1024 * 1024).fill(7));
        const root = join(dir, "root");
        const tracing = configure({ storageRoot: root, project: "exit" });
        const runId = run("r", {}, (r) => {
          taskSpan("t", {}, (t) => void t.logArtifact(file)); // a sync body, not awaited
          return r.runId;
        });
        await tracing.shutdown();
        // Checked at once, as a program that exits right after shutdown would leave it.
        const log = join(root, "projects", "exit", runId, "artifacts.jsonl");
        assert.ok(existsSync(log), "artifacts.jsonl written");
        const [record] = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
        const hex = String(record.uri ?? record.oid ?? "").match(/[0-9a-f]{64}/)?.[0];
        assert.ok(hex, JSON.stringify(record));
        const blob = join(root, "artifacts", "sha256", hex.slice(0, 2), hex.slice(2, 4), hex);
        assert.equal(readFileSync(blob).length, 8 * 1024 * 1024, "the file's blob");
      })
    ));
});
