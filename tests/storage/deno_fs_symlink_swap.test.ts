// deno-fs appends: Deno cannot open a file with O_NOFOLLOW, so a symbolic link is refused by an
// lstat before opening. A link put in place between that check and the open (and taken away
// again) was followed: the batch was appended to the link's target, outside the storage root.
// The opened file is now compared with what the path names after opening, before writing.
// Deno only (it swaps the file under `Deno.open`); not on Windows (no inodes there).
import { it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rename, rm, symlink, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { DenoFsStorage } from "../../src/storage/deno_fs.ts";
import { isDeno } from "../_support/runtime.ts";
import { captureDiagnostics } from "../_support/collect.ts";

interface DenoOpen {
  open(path: string, options: unknown): Promise<unknown>;
}

it("deno-fs: a link swapped in between the check and the open is refused before writing", {
  skip: (!isDeno && "Deno only") || (process.platform === "win32" && "no inodes"),
}, async () => {
  const root = await mkdtemp(join(tmpdir(), "tracelet-swap-root-"));
  const outside = await mkdtemp(join(tmpdir(), "tracelet-swap-outside-"));
  const deno = (globalThis as unknown as { Deno: DenoOpen }).Deno;
  const realOpen = deno.open;
  try {
    const victim = join(outside, "victim.txt");
    await writeFile(victim, "untouched\n");
    const storage = new DenoFsStorage({ root });
    const path = ["projects", "p", "run", "spans.jsonl"];
    await storage.appendLines(path, ["first"]);
    const log = join(root, ...path);
    // The attacker's window: right before the open, the log is a link to the victim; right
    // after it, the log is back.
    deno.open = async (file: string, options: unknown) => {
      if (file !== log) return await realOpen.call(deno, file, options);
      await rename(log, `${log}.bak`);
      await symlink(victim, log);
      try {
        return await realOpen.call(deno, file, options);
      } finally {
        await unlink(log);
        await rename(`${log}.bak`, log);
      }
    };
    const { diagnostics } = await captureDiagnostics(() =>
      assert.rejects(storage.appendLines(path, ["second"]), /symbolic link/)
    );
    deno.open = realOpen;
    assert.equal(await readFile(victim, "utf8"), "untouched\n", "nothing written outside the root");
    assert.deepEqual(await storage.readLines(path), ["first"]);
    assert.ok(diagnostics.some((d) => d.code === "storage_symlink_refused"));
    await storage.close?.();
  } finally {
    deno.open = realOpen;
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  }
});
