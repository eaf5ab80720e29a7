/**
 * Symbolic links inside a directory logged as an artifact: one whose real path is outside the
 * directory (an agent's `notes.txt -> ~/.aws/credentials`) is skipped and counted in one
 * `artifact_link_outside` warning per call, unless `followLinksOutside: true` asks for dreadnode's
 * `rglob` behaviour; links that stay inside are logged; a link named explicitly is followed.
 * Run with the presets' local files and each file-system storage adapter of the runtime (Node's,
 * and Deno's on Deno); skipped without a file system (workerd) and on Windows (links need a
 * privilege there).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { listFilesBelow, nodeLocalFiles } from "../../src/runtime/node_local_files.ts";
import { DenoFsStorage } from "../../src/storage/deno_fs.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import type { TraceStorage } from "../../src/storage/types.ts";
import {
  type ArtifactRecord,
  type DirectoryArtifact,
  logArtifact,
  type LogArtifactOptions,
  run,
  sha256Hex,
} from "../../src/task/mod.ts";
import { walk, withTempDir } from "../_support/files.ts";
import { hasFileSystem, isDeno } from "../_support/runtime.ts";
import { type TaskEnv, withTaskEnv } from "../_support/task_env.ts";

const SECRET = "[default]\naws_secret_access_key = AKIA_SYMLINK_SECRET\n";
const skip = !hasFileSystem || sep === "\\";

/** The file-system storage adapters of this runtime, by name. */
const adapters: [string, (root: string) => TraceStorage][] = [
  ["node-fs", (root) => new NodeFsStorage({ root })],
];
if (isDeno) adapters.push(["deno-fs", (root) => new DenoFsStorage({ root })]);

/** Writes files (`path: content`, `/`-separated below `dir`), making their directories. */
async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, ...path.split("/"));
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
}

/**
 * An agent's workspace `ws` below `dir`: two files, links that stay inside (relative, through
 * `..`, a cycle), and links out of it: `notes.txt` to a credentials file, a broken one and one to
 * a directory (neither of which rglob would list).
 */
async function workspace(dir: string): Promise<string> {
  await writeFiles(dir, {
    "home/.aws/credentials": SECRET,
    "ws/report.md": "# report\n",
    "ws/sub/data.csv": "a,b\n",
  });
  const ws = join(dir, "ws");
  await symlink(join(dir, "home", ".aws", "credentials"), join(ws, "notes.txt"));
  await symlink("report.md", join(ws, "latest"));
  await symlink(join("..", "report.md"), join(ws, "sub", "up"));
  await symlink("..", join(ws, "sub", "loop"));
  await symlink(join("..", "missing"), join(ws, "broken"));
  await symlink(join(dir, "home"), join(ws, "home"));
  return ws;
}

/**
 * Runs `fn` with a fresh {@linkcode workspace} in a temporary directory, given both paths.
 *
 * @param fn The test body.
 */
function withWorkspace(fn: (ws: string, dir: string) => Promise<void>): Promise<void> {
  return withTempDir("tracelet-artifact-links-", async (dir) => fn(await workspace(dir), dir));
}

/** What `logArtifact` gives back. */
type Logged = ArtifactRecord | DirectoryArtifact | undefined;

/**
 * Calls `logArtifact` for each `[source, options]` in turn inside one task run, in a fresh task
 * environment with the presets' local files (and `storage` when given), then `check`s the
 * results, in call order, with the environment still in place.
 *
 * @param calls The calls' arguments.
 * @param check The assertions.
 * @param storage The environment's storage (memory storage without it).
 */
async function logInRun(
  calls: [source: string, options?: LogArtifactOptions][],
  check: (logged: Logged[], env: TaskEnv) => Promise<void> | void,
  storage?: TraceStorage,
): Promise<void> {
  await withTaskEnv(async (env) => {
    const logged: Logged[] = [];
    await run("agent", {}, async () => {
      for (const [source, options] of calls) logged.push(await logArtifact(source, options));
    });
    await check(logged, env);
  }, { storage, files: nodeLocalFiles });
}

/** The names of a directory artifact's files. */
function names(logged: Logged): string[] {
  assert.ok(logged !== undefined && "type" in logged, "a directory artifact");
  return logged.files.map((f) => f.name);
}

/** The `artifact_link_outside` diagnostics seen. */
function outsideWarnings(env: TaskEnv): { level: string; message: string }[] {
  return env.diagnostics.filter((d) => d.code === "artifact_link_outside");
}

/** Every file under `root` holding the secret. */
async function secretCopies(root: string): Promise<string[]> {
  const hits: string[] = [];
  for (const file of await walk(root)) {
    if ((await readFile(file, "utf8")).includes("AKIA_SYMLINK_SECRET")) hits.push(file);
  }
  return hits;
}

describe("directory artifacts and symbolic links leading outside", () => {
  for (const [adapter, open] of adapters) {
    it(
      `${adapter}: a link out of the directory is skipped and counted once; links inside are logged`,
      { skip },
      () =>
        withWorkspace(async (ws, dir) => {
          const root = join(dir, "root");
          const storage = open(root);
          await logInRun([[ws]], ([logged], env) => {
            assert.deepEqual(names(logged), [
              "ws/latest",
              "ws/report.md",
              "ws/sub/data.csv",
              "ws/sub/up",
            ]);
            const warnings = outsideWarnings(env);
            assert.equal(warnings.length, 1, "one warning for the call");
            assert.equal(warnings[0].level, "warn");
            assert.match(warnings[0].message, /\b1 symbolic link/);
            assert.match(warnings[0].message, /followLinksOutside: true/);
          }, storage);
          await storage.close?.();
          assert.deepEqual(await secretCopies(root), [], "the credentials are not in the store");
        }),
    );
  }

  it(
    "followLinksOutside: true logs them as dreadnode does, for that call only",
    { skip },
    () =>
      withWorkspace(async (ws) => {
        await logInRun(
          [[ws, { followLinksOutside: true }], [ws]],
          async ([followed, after], env) => {
            assert.deepEqual(names(followed), [
              "ws/latest",
              "ws/notes.txt",
              "ws/report.md",
              "ws/sub/data.csv",
              "ws/sub/up",
            ]);
            const notes = (followed as unknown as DirectoryArtifact).files[1];
            assert.equal(notes.oid, `sha256:${await sha256Hex(new TextEncoder().encode(SECRET))}`);
            assert.ok(
              !names(after).includes("ws/notes.txt"),
              "the default is back on the next call",
            );
            assert.equal(outsideWarnings(env).length, 1, "only the default call warns");
          },
        );
      }),
  );

  it(
    "outside means below the directory's real path: a sibling sharing its name's start is outside",
    { skip },
    () =>
      withTempDir("tracelet-artifact-links-", async (dir) => {
        await writeFiles(dir, { "ws/report.md": "r", "ws-evil/secret.txt": "s", "other.txt": "o" });
        const ws = join(dir, "ws");
        await symlink(ws, join(dir, "alias"));
        await symlink(join("..", "ws-evil", "secret.txt"), join(ws, "evil"));
        await symlink(join(dir, "other.txt"), join(ws, "other"));
        // Through a link to the directory itself, but still the directory's own file.
        await symlink(join(dir, "alias", "report.md"), join(ws, "via_alias"));
        await logInRun([[ws], [join(dir, "alias")]], ([direct, viaAlias], env) => {
          assert.deepEqual(names(direct), ["ws/report.md", "ws/via_alias"]);
          // The directory given through a link: its real path is what links must stay below.
          assert.deepEqual(names(viaAlias), ["ws/report.md", "ws/via_alias"]);
          const warnings = outsideWarnings(env);
          assert.equal(warnings.length, 2, "one warning per call");
          for (const w of warnings) assert.match(w.message, /\b2 symbolic link/);
        });
      }),
  );

  it("a link named explicitly is still followed; the same link inside a directory is not", {
    skip,
  }, () =>
    withWorkspace(async (ws, dir) => {
      await logInRun([[join(ws, "notes.txt")], [ws]], ([file, folder], env) => {
        const record = file as unknown as ArtifactRecord;
        assert.equal(record.name, "credentials");
        assert.equal(record.path, join(dir, "home", ".aws", "credentials"));
        assert.equal(record.size, SECRET.length);
        assert.ok(!names(folder).includes("ws/notes.txt"));
        assert.equal(outsideWarnings(env).length, 1, "only the directory warns");
      });
    }));

  it(
    "the listing skips links to directories outside even when following links, and cycles end",
    { skip },
    () =>
      withWorkspace(async (ws) => {
        await symlink("sub", join(ws, "inner"));
        const outside: string[] = [];
        const listed = await listFilesBelow(ws, {
          followLink: () => true,
          onLinkOutside: (path) => void outside.push(path),
        });
        assert.deepEqual(listed, [
          "inner/data.csv",
          "inner/up",
          "latest",
          "report.md",
          "sub/data.csv",
          "sub/up",
        ]);
        assert.deepEqual(outside, ["home", "notes.txt"]);
      }),
  );
});
