import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix, relative, win32 } from "node:path";
import process from "node:process";
import { TracerError } from "../../src/errors.ts";
import { resolvePath } from "../../src/storage/_fs_paths.ts";
import { DenoFsStorage } from "../../src/storage/deno_fs.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import { hasFileSystem, isDeno } from "../_support/runtime.ts";
import { fsStorageSuite } from "../_conformance/fs_storage.ts";
import { batch } from "../_conformance/_storage_outbox.ts";

fsStorageSuite("deno-fs", (options) => new DenoFsStorage(options), !isDeno);

it("deno-fs: constructing it outside Deno fails with WRONG_RUNTIME, naming node-fs", {
  skip: isDeno,
}, () => {
  assert.throws(
    () => new DenoFsStorage({ root: "unused" }),
    (error) =>
      error instanceof TracerError && error.code === "WRONG_RUNTIME" &&
      error.message.includes("storage/node-fs"),
  );
});

describe("deno-fs root: one directory, one name", () => {
  it("resolvePath collapses `.`, `..` and repeated separators as node:path's resolve does", () => {
    const posixPaths = [
      "lr",
      "./lr",
      "lr/",
      "lr//x/./y/..",
      "../../a",
      "/",
      "//",
      "/a/../..",
      "/t//x/",
      ".",
      "a\\b",
      "...",
    ];
    for (const cwd of ["/home/me", "/"]) {
      for (const path of posixPaths) {
        assert.equal(resolvePath(cwd, path), posix.resolve(cwd, path), `${cwd} ${path}`);
      }
    }
    const windowsPaths = [
      "lr",
      ".\\lr",
      "lr\\",
      "lr/x\\.\\y\\..",
      "..\\..\\..\\a",
      "\\",
      "\\x\\..\\y",
      "c:/a//b/",
      "C:x",
      "C:",
      "\\\\host\\share\\x\\..",
      "//host/share/x",
      "\\\\?\\C:\\Windows\\.\\x",
      // Repeated separators inside a share's root: one directory, one name.
      "//host//share//x",
      "\\\\host\\\\share\\\\",
      "\\\\host/\\share",
      "\\\\\\host\\share\\x",
      "\\\\host",
      // A device's root, and a drive in lower case.
      "//.//pipe//x",
      "\\\\?\\",
      "c:x",
      "c:\\A\\..\\b",
    ];
    for (const cwd of ["C:\\Users\\me", "\\\\srv\\sh\\dir", "C:\\", "\\\\srv\\\\sh\\\\d"]) {
      for (const path of windowsPaths) {
        if (/^C:(?![\\/])/i.test(path) && !cwd.startsWith("C:")) continue; // another drive's cwd
        assert.equal(resolvePath(cwd, path, true), win32.resolve(cwd, path), `${cwd} ${path}`);
      }
    }
    assert.equal(resolvePath("C:\\Users\\me", "D:y", true), "D:\\y"); // no working directory on D:
    assert.equal(resolvePath("C:\\work", "//host//share//x", true), "\\\\host\\share\\x");
    // `..` past a device's root stops at `\\?\`, as node:path on Node and Deno (Bun's stops at
    // `\\?\C:\`); Deno's node-fs and deno-fs storages give one root one name.
    assert.equal(resolvePath("C:\\work", "\\\\?\\C:\\a\\..\\..\\..", true), "\\\\?\\");
  });

  it("two storages on one root spelled two ways share its name and its outbox leases", {
    skip: !isDeno || !hasFileSystem,
  }, async () => {
    const parent = await mkdtemp(join(tmpdir(), "tracelet-root-"));
    const plain = relative(process.cwd(), join(parent, "lr"));
    const spelled = `.//${plain.replaceAll("/", "//")}/./x/../`;
    const a = new DenoFsStorage({ root: plain });
    const b = new DenoFsStorage({ root: spelled });
    const c = new NodeFsStorage({ root: spelled });
    try {
      assert.equal(a.root, join(parent, "lr"));
      assert.deepEqual([b.root, c.root], [a.root, a.root]);
      await a.outbox.enqueue(batch(3, 1));
      const lease = (owner: string) => ({ lease: { owner, millis: 60_000 } });
      const [byA, byB, byC] = await Promise.all([
        a.outbox.peek(10, lease("A")),
        b.outbox.peek(10, lease("B")),
        c.outbox.peek(10, lease("C")),
      ]);
      assert.equal(byA.length + byB.length + byC.length, 1, "one drainer leases the batch");
    } finally {
      for (const s of [a, b, c]) await s.close();
      await rm(parent, { recursive: true, force: true });
    }
  });
});
