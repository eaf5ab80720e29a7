import { it } from "node:test";
import assert from "node:assert/strict";
import { TracerError } from "../../src/errors.ts";
import { DenoFsStorage } from "../../src/storage/deno_fs.ts";
import { isDeno } from "../_support/runtime.ts";
import { fsStorageSuite } from "../_conformance/fs_storage.ts";

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
