// A blob or artifact that cannot be stored is reported with what it was (the artifact's name, and
// its file) and why (the error's text and code: ENOSPC, EACCES, ENOTDIR), whatever was thrown.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { resetReportedOnce } from "../../src/diagnostics.ts";
import { nodeLocalFiles } from "../../src/runtime/node_local_files.ts";
import { failureReason } from "../../src/storage/_failure_reason.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { logArtifact, logInput, run, taskSpan } from "../../src/task/mod.ts";
import { withTempDir } from "../_support/files.ts";
import { hasFileSystem } from "../_support/runtime.ts";
import { withTaskEnv } from "../_support/task_env.ts";

/** A full disk as Deno reports it: the OS text, the code apart. */
const enospc = (): Error =>
  Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" });

/** Memory storage whose blob writes fail as on a full disk. */
class FullBlobs extends MemoryStorage {
  override putBlob(): Promise<void> {
    return Promise.reject(enospc());
  }
}

describe("failureReason", () => {
  it("gives the message, with the code when the message lacks it, on one line", () => {
    assert.equal(failureReason(enospc()), "No space left on device (os error 28) (ENOSPC)");
    const node = Object.assign(new Error("EACCES: permission denied, open '/x'"), {
      code: "EACCES",
    });
    assert.equal(failureReason(node), "EACCES: permission denied, open '/x'");
    assert.equal(failureReason("not\nan error"), "not an error");
    assert.equal(failureReason(undefined), "undefined");
    assert.equal(failureReason({ message: "", code: "ENOTDIR" }), "[object Object] (ENOTDIR)");
    assert.ok(failureReason(new Error("x".repeat(10_000))).length <= 501);
  });

  it("says what a permission model refused: Deno's error class, Node's fields", () => {
    // Deno 2's class when it is there (as `deno run` without --allow-write throws it).
    const errors =
      (globalThis as unknown as { Deno?: { errors?: Record<string, ErrorConstructor> } })
        .Deno
        ?.errors;
    const NotCapable = errors?.NotCapable ?? class extends Error {
      override name = "NotCapable";
    };
    const denied = new NotCapable(
      'Requires write access to "/srv/t", run again with --allow-write',
    );
    assert.equal(
      failureReason(denied),
      'NotCapable: Requires write access to "/srv/t", run again with --allow-write',
    );
    // Node 20's permission model (`--experimental-permission` without `--allow-fs-write`): the
    // message alone names neither the permission nor the path.
    const restricted = Object.assign(new Error("Access to this API has been restricted"), {
      code: "ERR_ACCESS_DENIED",
      permission: "FileSystemWrite",
      resource: "/srv/app/.tracelet/projects/p/r/spans.jsonl",
    });
    assert.equal(
      failureReason(restricted),
      "Access to this API has been restricted (ERR_ACCESS_DENIED): FileSystemWrite on " +
        "/srv/app/.tracelet/projects/p/r/spans.jsonl",
    );
  });

  it("never throws, whatever was thrown", () => {
    const hostile = new Proxy({}, {
      get() {
        throw new Error("no");
      },
    });
    assert.equal(failureReason(hostile), "<unprintable>");
    assert.equal(failureReason(Object.create(null)), "<unprintable>");
  });
});

describe("blob and artifact failures say what and why", () => {
  it("names the artifact given as bytes, and the reason", () =>
    withTaskEnv(async (env) => {
      await run("r", {}, () =>
        taskSpan("t", async () => {
          await logArtifact(new TextEncoder().encode("hello"), { name: "a.txt" });
        }));
      const failed = env.diagnostics.find((d) => d.code === "artifact_failed");
      assert.equal(
        failed?.message,
        "Cannot log artifact a.txt: No space left on device (os error 28) (ENOSPC)",
      );
    }, { storage: new FullBlobs() }));

  it(
    "names the artifact given as a file, its path, and the reason",
    { skip: !hasFileSystem },
    () =>
      withTempDir("tracelet-messages-", async (dir) => {
        const path = join(dir, "model.bin");
        await writeFile(path, "weights");
        await withTaskEnv(async (env) => {
          await run("r", {}, () =>
            taskSpan("t", async () => {
              await logArtifact(path, { name: "weights" });
            }));
          const failed = env.diagnostics.find((d) => d.code === "artifact_failed");
          assert.equal(
            failed?.message,
            `Cannot log artifact weights (${path}): No space left on device (os error 28) (ENOSPC)`,
          );
        }, { storage: new FullBlobs(), files: nodeLocalFiles });
      }),
  );

  it("says why an object could not go to the blob store", () =>
    withTaskEnv(async (env) => {
      resetReportedOnce();
      await run("r", {}, () =>
        taskSpan("t", () => {
          logInput("big", "z".repeat(20_000));
        }));
      await env.lines(["projects", "default"]); // lets the blob write settle
      const failed = env.diagnostics.find((d) => d.code === "object_blob_failed");
      assert.match(failed?.message ?? "", /blob store \(No space left on device .*\(ENOSPC\)\)/);
    }, { storage: new FullBlobs() }));
});
