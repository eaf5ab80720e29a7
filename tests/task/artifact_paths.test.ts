/**
 * What an artifact's record says about where it came from, as dreadnode's `log_artifact` says it
 * (`local_path = Path(uri).expanduser().resolve()`, `name = name or local_path.name`,
 * `mime_type = guess_type(str(local_path))`, `path = str(local_path)`): the MIME type comes from
 * the file's path, not from a chosen name; a symbolic link is recorded as the real file; an empty
 * name falls back to the file or directory name; a `\` is part of a POSIX file name.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, realpath, symlink, writeFile } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import type { LocalFiles } from "../../src/config_state.ts";
import { nodeLocalFiles } from "../../src/runtime/node_local_files.ts";
import {
  type ArtifactRecord,
  artifactsLogPath,
  type DirectoryArtifact,
  logArtifact,
  run,
} from "../../src/task/mod.ts";
import { withTempDir } from "../_support/files.ts";
import { hasFileSystem } from "../_support/runtime.ts";
import { jsonAttr, type TaskEnv, withTaskEnv } from "../_support/task_env.ts";

type Logged = ArtifactRecord | DirectoryArtifact | undefined;

/** Where a record came from: the fields this file is about. */
function origin(record: ArtifactRecord | undefined) {
  return { name: record?.name, mime_type: record?.mime_type, path: record?.path };
}

/**
 * Logs artifacts in a run, one after the other, and returns what was logged, after checking that
 * the span's `dreadnode.artifacts` and the run's `artifacts.jsonl` hold the same records.
 */
async function logInRun(env: TaskEnv, calls: (() => Promise<Logged>)[]): Promise<Logged[]> {
  const results: Logged[] = [];
  const runId = await run("artifacts", {}, async (r) => {
    for (const call of calls) results.push(await call());
    return r.runId;
  });
  const records = results.flatMap((r) =>
    r === undefined ? [] : "type" in r && r.type === "directory" ? r.files : [r as ArtifactRecord]
  );
  const [span] = await env.runLines(runId);
  assert.deepEqual(jsonAttr<ArtifactRecord[]>(span, "dreadnode.artifacts"), records);
  const lines = await env.storage.readLines(artifactsLogPath("default", runId));
  assert.deepEqual(lines.map((l) => JSON.parse(l)), records);
  return results;
}

/** Writes files (`path: content`, paths `/`-separated below `dir`), making their directories. */
async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, ...path.split("/"));
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
}

/** Windows: `\` separates paths, and making a symbolic link needs a privilege. */
const isWindows = sep === "\\";

/**
 * A test with the presets' local files and a fresh temporary directory, given by its real path
 * (macOS links `/tmp`); skipped without a file system.
 */
function itOnDisk(
  title: string,
  body: (dir: string, env: TaskEnv) => Promise<void>,
  options: { posixOnly?: boolean } = {},
): void {
  const skip = !hasFileSystem || (options.posixOnly === true && isWindows);
  it(title, { skip }, () =>
    withTempDir("tracelet-artifact-paths-", async (dir) => {
      const real = await realpath(dir);
      await withTaskEnv((env) => body(real, env), { files: nodeLocalFiles });
    }));
}

describe("artifact paths, names and MIME types", () => {
  itOnDisk(
    "the MIME type comes from the file's path, also under a chosen name and inside a directory",
    async (dir, env) => {
      await writeFiles(dir, { "results.csv": "a,b\n1,2\n", "results/scores.json": "{}" });
      const [file, folder, bytes] = await logInRun(env, [
        () => logArtifact(join(dir, "results.csv"), { name: "eval results" }),
        () => logArtifact(join(dir, "results"), { name: "eval" }),
        () => logArtifact(new TextEncoder().encode("w"), { name: "model.bin" }),
      ]);
      assert.deepEqual(origin(file as ArtifactRecord), {
        name: "eval results",
        mime_type: "text/csv",
        path: join(dir, "results.csv"),
      });
      assert.deepEqual((folder as DirectoryArtifact).files.map(origin), [{
        name: "eval/scores.json",
        mime_type: "application/json",
        path: join(dir, "results", "scores.json"),
      }]);
      // Bytes have no path: the MIME type still comes from the name.
      assert.deepEqual(origin(bytes as ArtifactRecord), {
        name: "model.bin",
        mime_type: "application/octet-stream",
        path: null,
      });
      assert.deepEqual(env.codes(), []);
    },
  );

  itOnDisk(
    "a symbolic link is recorded as the real file or directory; links inside a directory are not",
    async (dir, env) => {
      await writeFiles(dir, { "results.csv": "a,b\n1,2\n", "data/x.txt": "x" });
      await symlink(join(dir, "results.csv"), join(dir, "latest"));
      await symlink(join(dir, "data"), join(dir, "current"));
      await symlink(join(dir, "results.csv"), join(dir, "data", "linked"));
      const [latest, named, viaDir, folder] = await logInRun(env, [
        () => logArtifact(join(dir, "latest")),
        () => logArtifact(join(dir, "latest"), { name: "newest" }),
        () => logArtifact(join(dir, "current", "x.txt")),
        () => logArtifact(join(dir, "current"), { followLinksOutside: true }),
      ]);
      const real = join(dir, "results.csv");
      assert.deepEqual(origin(latest as ArtifactRecord), {
        name: "results.csv",
        mime_type: "text/csv",
        path: real,
      });
      assert.deepEqual(origin(named as ArtifactRecord), {
        name: "newest",
        mime_type: "text/csv",
        path: real,
      });
      assert.deepEqual(origin(viaDir as ArtifactRecord), {
        name: "x.txt",
        mime_type: "text/plain",
        path: join(dir, "data", "x.txt"),
      });
      // The directory is its real one; a link found inside is listed as rglob lists it.
      assert.equal((folder as DirectoryArtifact).name, "data");
      assert.deepEqual((folder as DirectoryArtifact).files.map(origin), [
        { name: "data/linked", mime_type: null, path: join(dir, "data", "linked") },
        { name: "data/x.txt", mime_type: "text/plain", path: join(dir, "data", "x.txt") },
      ]);
      assert.deepEqual(env.codes(), []);
    },
    { posixOnly: true },
  );

  itOnDisk(
    "an empty name falls back to the file or directory name",
    async (dir, env) => {
      await writeFiles(dir, { "dir/x.txt": "x", "notes.md": "# notes" });
      const [folder, file, bytes] = await logInRun(env, [
        () => logArtifact(join(dir, "dir"), { name: "" }),
        () => logArtifact(join(dir, "notes.md"), { name: "" }),
        () => logArtifact(new Uint8Array([1]), { name: "" }),
      ]);
      assert.equal((folder as DirectoryArtifact).name, "dir");
      assert.deepEqual((folder as DirectoryArtifact).files.map((f) => f.name), ["dir/x.txt"]);
      assert.equal((file as ArtifactRecord).name, "notes.md");
      assert.equal((bytes as ArtifactRecord).name, "artifact");
    },
  );

  itOnDisk(
    "a backslash is part of a POSIX file or directory name",
    async (dir, env) => {
      await writeFiles(dir, { "back\\slash.txt": "b", "we\\ird/back\\slash.txt": "b" });
      const [file, folder] = await logInRun(env, [
        () => logArtifact(join(dir, "back\\slash.txt")),
        () => logArtifact(join(dir, "we\\ird")),
      ]);
      assert.deepEqual(origin(file as ArtifactRecord), {
        name: "back\\slash.txt",
        mime_type: "text/plain",
        path: join(dir, "back\\slash.txt"),
      });
      assert.equal((folder as DirectoryArtifact).name, "we\\ird");
      assert.deepEqual((folder as DirectoryArtifact).files.map(origin), [{
        name: "we\\ird/back\\slash.txt",
        mime_type: "text/plain",
        path: join(dir, "we\\ird", "back\\slash.txt"),
      }]);
    },
    { posixOnly: true },
  );

  it("local files without realPath record the path as resolved; `\\` separates on Windows", async () => {
    const files: LocalFiles = {
      resolve: (p) => p,
      stat: () => Promise.resolve({ isFile: true, isDirectory: false, size: 1 }),
      listFiles: () => Promise.resolve([]),
      readFile: () => Promise.resolve(new Uint8Array([1])),
      pathSeparator: "\\",
    };
    await withTaskEnv(async (env) => {
      const [record] = await logInRun(env, [() => logArtifact("C:\\data\\latest.csv")]);
      assert.deepEqual(origin(record as ArtifactRecord), {
        name: "latest.csv",
        mime_type: "text/csv",
        path: "C:\\data\\latest.csv",
      });
    }, { files });
  });
});
