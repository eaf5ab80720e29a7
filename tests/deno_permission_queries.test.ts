// Deno keeps its answer to every `Deno.permissions.querySync` for a distinct path for good (~450
// bytes each). tracelet asked about each file it touched, and every trace outside a run writes its
// own log file: a Deno service grew its heap by ~1.6 KB a trace without bound (576 MB an hour at
// 100 requests/s in a soak). A grant for every path or for a directory is now asked once and
// remembered. A recording `Deno` namespace counts the distinct paths asked about; a real Deno run
// with the storage root granted by directory checks the files are still written and a path outside
// it is still refused.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { DenoGlobal } from "../src/runtime/_globals.ts";
import { deniedAccess } from "../src/runtime/_deno_access.ts";
import { repoRoot, runChild } from "./_support/child_module.ts";
import { withTempDir } from "./_support/files.ts";
import { isDeno } from "./_support/runtime.ts";

/** A `Deno` namespace granting `name` below `granted` (or everywhere), recording each query. */
function recordingDeno(granted: { read?: string; write?: string; everywhere?: boolean }) {
  const asked: string[] = [];
  const deno = {
    permissions: {
      querySync({ name, path }: { name: "read" | "write"; path?: string }) {
        asked.push(`${name}:${path ?? "*"}`);
        if (granted.everywhere) return { state: "granted" };
        const root = granted[name];
        const ok = root !== undefined && path !== undefined &&
          (path === root || path.startsWith(`${root}/`));
        return { state: ok ? "granted" : "prompt" };
      },
    },
  } as unknown as DenoGlobal;
  return { deno, asked };
}

/** The log file of trace `i` below `root`, as the local JSONL log writes one per trace. */
const traceLog = (root: string, i: number) => `${root}/projects/default/trace-${i}/spans.jsonl`;

describe("Deno permission queries", () => {
  it("ask about a few paths only, however many files a granted directory gets", () => {
    const { deno, asked } = recordingDeno({ write: "/srv/app/.tracelet" });
    for (let i = 0; i < 1000; i++) {
      assert.equal(
        deniedAccess(deno, { name: "write", path: traceLog("/srv/app/.tracelet", i) }),
        undefined,
      );
    }
    const distinct = new Set(asked.filter((q) => q !== "write:*"));
    assert.ok(distinct.size <= 4, `asked about ${distinct.size} paths: ${[...distinct].join(" ")}`);
  });

  it("ask once in all when every path is granted (-A)", () => {
    const { deno, asked } = recordingDeno({ everywhere: true });
    for (let i = 0; i < 100; i++) {
      assert.equal(deniedAccess(deno, { name: "read", path: traceLog("/x", i) }), undefined);
    }
    assert.deepEqual(asked, ["read:*"]);
  });

  it("still refuse a path outside the granted directory, and one of another permission", () => {
    const { deno } = recordingDeno({ write: "/srv/app/.tracelet" });
    assert.equal(deniedAccess(deno, { name: "write", path: "/srv/app/.tracelet/a" }), undefined);
    assert.equal(
      deniedAccess(deno, { name: "write", path: "/srv/app/.tracelet2/a" })?.name,
      "NotCapable",
    );
    assert.equal(deniedAccess(deno, { name: "write", path: "/etc/passwd" })?.name, "NotCapable");
    assert.equal(
      deniedAccess(deno, { name: "read", path: "/srv/app/.tracelet/a" })?.name,
      "NotCapable",
    );
  });

  it(
    "work on a real Deno with the storage root granted by directory",
    { skip: !isDeno },
    async () => {
      await withTempDir("tracelet-perm-q-", async (dir) => {
        const root = join(dir, ".tracelet");
        const storage = pathToFileURL(join(repoRoot(), "src/storage/deno_fs.ts")).href;
        const script = join(dir, "main.ts");
        await writeFile(
          script,
          `import { DenoFsStorage } from "${storage}";
const storage = new DenoFsStorage({ root: ${JSON.stringify(root)} });
for (let i = 0; i < 50; i++) await storage.appendLines(["projects", "p", "t" + i, "spans.jsonl"], ["{}"]);
const outside = new DenoFsStorage({ root: ${JSON.stringify(join(dir, "outside"))} });
await outside.appendLines(["x.jsonl"], ["{}"]).then(() => console.error("outside written"), (e) => console.error("outside refused", e.name));`,
        );
        const out = await runChild(
          [
            "run",
            "--no-prompt",
            `--allow-read=${dir},${repoRoot()}`,
            `--allow-write=${root}`,
            script,
          ],
          { cwd: dir },
        );
        assert.match(out.stderr, /outside refused NotCapable/, out.stderr);
        assert.equal((await readdir(join(root, "projects", "p"))).length, 50);
      });
    },
  );
});
