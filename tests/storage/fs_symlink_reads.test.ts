// Reads and blob writes of the file-system storages never go through a symbolic link at the file
// itself (it may point outside the root): a blob or log that is a link is refused, with the
// `storage_symlink_refused` diagnostic, as an append to one is; the file it points to is neither
// read nor written. Links to directories under the root are still followed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { resetReportedOnce } from "../../src/diagnostics.ts";
import { DenoFsStorage } from "../../src/storage/deno_fs.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import type { TraceStorage } from "../../src/storage/types.ts";
import { withTempDir } from "../_support/files.ts";
import { withDiagnostics } from "../_support/otlp_helpers.ts";
import { hasFileSystem, isDeno } from "../_support/runtime.ts";

const adapters: [string, (root: string) => TraceStorage][] = [
  ["node-fs", (root) => new NodeFsStorage({ root })],
];
if (isDeno) adapters.push(["deno-fs", (root) => new DenoFsStorage({ root })]);

const SECRET = "outside the root\n";
const HASH = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"; // "hello"
const refused = /symbolic link/;

/** A root whose blob and log files are links to a file outside it. */
async function linkedRoot(dir: string): Promise<{ root: string; outside: string }> {
  const root = join(dir, "root");
  const outside = join(dir, "outside.txt");
  await writeFile(outside, SECRET);
  const artifacts = join(root, "artifacts", "sha256", HASH.slice(0, 2), HASH.slice(2, 4));
  for (const folder of [join(root, "objects"), artifacts, join(root, "projects", "p", "r")]) {
    await mkdir(folder, { recursive: true });
  }
  await symlink(outside, join(root, "objects", "key1"));
  await symlink(outside, join(artifacts, HASH));
  await symlink(outside, join(root, "projects", "p", "r", "spans.jsonl"));
  return { root, outside };
}

for (const [name, create] of adapters) {
  describe(`${name}: symbolic links at blobs and logs`, { skip: !hasFileSystem }, () => {
    it("refuses to read or write a blob through one, with a diagnostic", () =>
      withTempDir("tracelet-links-", async (dir) => {
        const { root, outside } = await linkedRoot(dir);
        resetReportedOnce();
        await withDiagnostics(async (seen) => {
          const s = create(root);
          try {
            await assert.rejects(s.putBlob("key1", new TextEncoder().encode("EVIL")), refused);
            await assert.rejects(s.getBlob("key1"), refused);
            await assert.rejects(s.hasBlob("key1"), refused);
            await assert.rejects(
              s.putBlob(`sha256:${HASH}`, new TextEncoder().encode("hello")),
              refused,
            );
            await assert.rejects(s.getBlob(`sha256:${HASH}`), refused);
          } finally {
            await s.close?.();
          }
          const codes = seen.map((d) => d.code);
          assert.ok(codes.includes("storage_symlink_refused"), codes.join());
          assert.match(seen[0].message, /objects\/key1: it is a symbolic link/);
        });
        assert.equal(await readFile(outside, "utf8"), SECRET, "the file outside is untouched");
      }));

    it("refuses to read a log through one", () =>
      withTempDir("tracelet-links-", async (dir) => {
        const { root } = await linkedRoot(dir);
        const s = create(root);
        try {
          await assert.rejects(s.readLines(["projects", "p", "r", "spans.jsonl"]), refused);
        } finally {
          await s.close?.();
        }
      }));

    it("still follows a link to a directory under the root", () =>
      withTempDir("tracelet-links-", async (dir) => {
        const root = join(dir, "root");
        await mkdir(join(dir, "elsewhere"), { recursive: true });
        await mkdir(root, { recursive: true });
        await symlink(join(dir, "elsewhere"), join(root, "objects"));
        await writeFile(join(dir, "elsewhere", "kept"), "kept");
        const s = create(root);
        try {
          await s.putBlob("key2", new TextEncoder().encode("two"));
          assert.deepEqual(await s.getBlob("key2"), new TextEncoder().encode("two"));
          assert.deepEqual(await s.getBlob("kept"), new TextEncoder().encode("kept"));
          assert.equal(await s.hasBlob("key2"), true);
        } finally {
          await s.close?.();
        }
      }));
  });
}
