// A storage root that cannot be written (a regular file, a read-only mount, a full disk) fails
// every span line. `jsonl_write_failed` says "reported once per distinct error", but its key kept
// each log's path as Node ('…') and Deno (lstat '…') quote it, and every trace has a log of its
// own: a service printed one error per request. Real files, on the runtime's own file storage.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { JsonlSpanExporter } from "../src/exporter/jsonl.ts";
import { resetReportedOnce } from "../src/diagnostics.ts";
import { DenoFsStorage } from "../src/storage/deno_fs.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import { NodeFsStorage } from "../src/storage/node_fs.ts";
import type { StoragePath } from "../src/storage/types.ts";
import { withDiagnostics } from "./_support/otlp_helpers.ts";
import { hasFileSystem, isDeno } from "./_support/runtime.ts";
import { makeSpanRecord } from "./_support/span_records.ts";

describe("jsonl_write_failed", { skip: !hasFileSystem }, () => {
  it("is reported once for one cause, whatever log each trace writes to", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tracelet-once-"));
    const root = join(dir, "not-a-directory");
    await writeFile(root, "x");
    const storage = isDeno ? new DenoFsStorage({ root }) : new NodeFsStorage({ root });
    const exporter = new JsonlSpanExporter({ storage });
    resetReportedOnce();
    try {
      await withDiagnostics(async (diagnostics) => {
        let failed = 0;
        for (let request = 0; request < 5; request++) {
          const span = makeSpanRecord({
            name: `request ${request}`,
            attributes: { "dreadnode.run.id": `run-${request}` },
          });
          failed += (await exporter.export([span])).failed;
        }
        assert.equal(failed, 5, "every line is counted as failed");
        const reports = diagnostics.filter((d) => d.code === "jsonl_write_failed");
        assert.equal(reports.length, 1, reports.map((d) => d.message).join("\n"));
        assert.match(reports[0].message, /ENOTDIR|Not a directory|exists/i);
      });
    } finally {
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  // Node's permission model names the refused path in a field, now in the message: a Windows
  // path kept the key distinct per log (one report per trace).
  it("is reported once when the cause names each log's Windows path", async () => {
    class Refused extends MemoryStorage {
      override appendLines(path: StoragePath): Promise<void> {
        return Promise.reject(
          Object.assign(new Error("Access to this API has been restricted"), {
            code: "ERR_ACCESS_DENIED",
            permission: "FileSystemWrite",
            resource: `C:\\srv\\app\\.tracelet\\${path.join("\\")}`,
          }),
        );
      }
    }
    const exporter = new JsonlSpanExporter({ storage: new Refused() });
    resetReportedOnce();
    await withDiagnostics(async (diagnostics) => {
      for (let request = 0; request < 3; request++) {
        await exporter.export([makeSpanRecord({ name: `request ${request}` })]);
      }
      const reports = diagnostics.filter((d) => d.code === "jsonl_write_failed");
      assert.equal(reports.length, 1, reports.map((d) => d.message).join("\n"));
      assert.match(reports[0].message, /FileSystemWrite on C:\\srv/);
    });
  });
});
