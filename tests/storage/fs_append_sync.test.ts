// The file-system storages' synchronous append (`appendLinesSync`), which the events layer uses as
// the process ends: the same file as `appendLines` (same path mapping), directories made on
// demand, a torn last line ended, symbolic links refused, and lines of an append that may have
// landed already written only when the log does not end with them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { appendFile, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DenoFsStorage } from "../../src/storage/deno_fs.ts";
import type { FsStorage } from "../../src/storage/_fs_storage.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import { withTempDir } from "../_support/files.ts";
import { withDiagnostics } from "../_support/otlp_helpers.ts";
import { hasFileSystem, isDeno } from "../_support/runtime.ts";

const adapters: [string, (root: string) => FsStorage][] = [
  ["node-fs", (root) => new NodeFsStorage({ root })],
];
if (isDeno) adapters.push(["deno-fs", (root) => new DenoFsStorage({ root })]);

const inTemp = (fn: (root: string) => Promise<void>) =>
  withTempDir("tracelet-sync-", (dir) => fn(join(dir, "root")));

for (const [name, create] of adapters) {
  describe(`${name} appendLinesSync`, { skip: !hasFileSystem }, () => {
    it("appends to the file appendLines writes, after it, making the directories", () =>
      inTemp(async (root) => {
        const storage = create(root);
        // Segments the storage maps (a space, `..`): the same mapping either way.
        const path = ["traces dir", "..", "run 1.jsonl"];
        storage.appendLinesSync(path, ['{"a":1}', '{"b":"é"}']);
        await storage.appendLines(path, ['{"c":3}']);
        storage.appendLinesSync(path, ['{"d":4}']);
        assert.deepEqual(await storage.readLines(path), [
          '{"a":1}',
          '{"b":"é"}',
          '{"c":3}',
          '{"d":4}',
        ]);
        await storage.close();
      }));

    it("leaves out the lines that may have landed when the log ends with them", () =>
      inTemp(async (root) => {
        const storage = create(root);
        await storage.appendLines(["t.jsonl"], ["1", "2"]);
        storage.appendLinesSync(["t.jsonl"], ["2", "3"], 1); // "2" landed
        storage.appendLinesSync(["t.jsonl"], ["4", "5", "6"], 2); // "4", "5" did not
        storage.appendLinesSync(["t.jsonl"], ["5", "6"], 2); // both landed: nothing to write
        assert.deepEqual(await storage.readLines(["t.jsonl"]), ["1", "2", "3", "4", "5", "6"]);
        storage.appendLinesSync(["new.jsonl"], ["a", "b"], 1); // an empty log ends with nothing
        assert.deepEqual(await storage.readLines(["new.jsonl"]), ["a", "b"]);
        await storage.close();
      }));

    it("ends a line torn by a crash first", () =>
      inTemp(async (root) => {
        const storage = create(root);
        await mkdir(root, { recursive: true });
        await writeFile(join(root, "t.jsonl"), '{"whole":1}\n{"torn');
        storage.appendLinesSync(["t.jsonl"], ['{"next":2}']);
        assert.equal(
          await readFile(join(root, "t.jsonl"), "utf8"),
          '{"whole":1}\n{"torn\n{"next":2}\n',
        );
        await storage.close();
      }));

    it("refuses a symbolic link and rejects lines with a newline", () =>
      inTemp(async (root) => {
        const storage = create(root);
        await mkdir(root, { recursive: true });
        const outside = join(root, "..", "outside.txt");
        await appendFile(outside, "");
        await symlink(outside, join(root, "link.jsonl"));
        await withDiagnostics(() => {
          assert.throws(() => storage.appendLinesSync(["link.jsonl"], ["x"]), /symbolic link/);
          return Promise.resolve();
        });
        assert.equal(await readFile(outside, "utf8"), "");
        assert.throws(() => storage.appendLinesSync(["t.jsonl"], ["a\nb"]), TypeError);
        await storage.close();
      }));
  });
}
