// The analysis glob follows Python's pathlib (3.11) and fnmatch: `?` is one code point, `[!a]`
// negates while `[^a]` is a literal `^`, `**` must be a whole path part, and a symbolic link to a
// directory is followed by a named or wildcard part (`latest/*.jsonl`), never by `**`.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeTraceDir, globToRegExp } from "../../src/analyze/mod.ts";
import type { TraceDirReader } from "../../src/analyze/mod.ts";
import { nodeReader, parseArgs } from "../../src/analyze/cli.ts";
import { nodeLocalFiles } from "../../src/runtime/node_local_files.ts";
import { hasFileSystem } from "../_support/runtime.ts";
import { eventLine } from "./_event_line.ts";

const NAMES = [
  ".hidden.jsonl",
  "^x.jsonl",
  "run_1.jsonl",
  "run_[1].jsonl",
  "run_😀.jsonl",
  "sub dir/deep/run_3.jsonl",
  "sub dir/run_2.jsonl",
];

/** The files of {@linkcode NAMES} a glob selects, through `analyzeTraceDir`. */
async function selected(glob: string): Promise<string[]> {
  const reader: TraceDirReader = {
    listFiles: () => Promise.resolve(NAMES),
    readText: () => Promise.resolve(""),
  };
  return (await analyzeTraceDir({ traceDir: "d", glob, reader })).inputs.files;
}

describe("analysis glob (fnmatch and pathlib rules)", () => {
  it("`?` matches one code point, an astral character too", async () => {
    assert.deepEqual(await selected("run_?.jsonl"), ["run_1.jsonl", "run_😀.jsonl"]);
    assert.ok(globToRegExp("run_?.jsonl").test("run_😀.jsonl"));
  });

  it("`[!a]` negates; `[^a]` is the characters ^ and a", async () => {
    assert.deepEqual(await selected("[^a]*.jsonl"), ["^x.jsonl"]);
    assert.deepEqual(await selected("[!r]*.jsonl"), [".hidden.jsonl", "^x.jsonl"]);
    assert.deepEqual(await selected("run_[[]1].jsonl"), ["run_[1].jsonl"]);
    assert.ok(!globToRegExp("[^a]").test("b"));
    assert.ok(!globToRegExp("[!a]").test("/"));
    assert.ok(!globToRegExp("[z-a]x").test("mx")); // a reversed range matches nothing
  });

  it("rejects `**` inside a longer part, as pathlib raises; the CLI exits 2 with the message", () => {
    const message = /Invalid pattern: '\*\*' can only be an entire path component/;
    assert.throws(
      () => globToRegExp("run_**.jsonl"),
      (e: unknown) => e instanceof RangeError && message.test(e.message),
    );
    const parsed = parseArgs(["--trace-dir", "d", "--glob", "a/x**/*.jsonl"]);
    assert.ok("error" in parsed && message.test(parsed.error), JSON.stringify(parsed));
  });

  it("a last `**` names directories only: no file matches", async () => {
    assert.deepEqual(await selected("**"), []);
    assert.deepEqual(await selected("sub dir/**"), []);
    assert.deepEqual(await selected("**/run_*.jsonl"), [
      "run_1.jsonl",
      "run_[1].jsonl",
      "run_😀.jsonl",
      "sub dir/deep/run_3.jsonl",
      "sub dir/run_2.jsonl",
    ]);
  });
});

describe("analysis glob and symbolic links", { skip: !hasFileSystem }, () => {
  // <tmp>/runs/run_1.jsonl, <tmp>/top/run_top.jsonl, <tmp>/top/latest -> ../runs,
  // <tmp>/top/loop -> . (a cycle)
  async function tree(): Promise<{ base: string; top: string }> {
    const base = await mkdtemp(join(tmpdir(), "tracelet-glob-"));
    const top = join(base, "top");
    await mkdir(join(base, "runs"));
    await mkdir(top);
    await writeFile(join(base, "runs", "run_1.jsonl"), eventLine("RunStarted", {}) + "\n");
    await writeFile(join(top, "run_top.jsonl"), eventLine("RunStarted", {}) + "\n");
    await symlink(join("..", "runs"), join(top, "latest"));
    await symlink(".", join(top, "loop"));
    return { base, top };
  }

  for (const [label, reader] of [["CLI reader", nodeReader], ["local files", undefined]] as const) {
    it(`${label}: a named or wildcard part follows a link to a directory, \`**\` does not`, async () => {
      const { base, top } = await tree();
      try {
        const files = async (glob: string) =>
          (await analyzeTraceDir({
            traceDir: top,
            glob,
            reader: reader ?? {
              listFiles: (dir, options) => nodeLocalFiles.listFiles(dir, options),
              readChunks: (path) => nodeLocalFiles.readChunks(path, 4096),
            },
          })).inputs.files;
        assert.deepEqual(await files("latest/*.jsonl"), ["latest/run_1.jsonl"]);
        // pathlib would also list loop/run_top.jsonl; a link back to a listed directory is skipped.
        assert.deepEqual(await files("*/*.jsonl"), ["latest/run_1.jsonl"]);
        assert.deepEqual(await files("**/*.jsonl"), ["run_top.jsonl"]);
        assert.deepEqual(await files("**/latest/*.jsonl"), ["latest/run_1.jsonl"]);
        assert.deepEqual(await files("loop/loop/*.jsonl"), []); // pathlib: loop/loop/run_top.jsonl
      } finally {
        await rm(base, { recursive: true, force: true });
      }
    });
  }

  it("listing for artifacts (no followLink) still never descends into a link", async () => {
    const { base, top } = await tree();
    try {
      assert.deepEqual(await nodeLocalFiles.listFiles(top), ["run_top.jsonl"]);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
