/**
 * Local file access for `logArtifact` through `node:fs/promises`, used by the Node and Deno
 * presets (Deno implements `node:fs`).
 *
 * @module
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import type { LocalFiles } from "../config_state.ts";

/** Whether a symbolic link leads to a regular file (false when broken). */
async function linksToFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Lists files under `directory` as dreadnode's `rglob("*")` + `is_file()` does: a symbolic link
 * to a file is listed, a symbolic link to a directory is not descended into (so a link cycle
 * cannot loop).
 */
async function walk(root: string, directory: string, out: string[]): Promise<void> {
  const entries = await readdir(directory, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = join(directory, entry.name);
    if (entry.isDirectory()) await walk(root, full, out);
    else if (entry.isFile() || (entry.isSymbolicLink() && await linksToFile(full))) {
      out.push(relative(root, full).split(sep).join("/")); // a backslash is a name character on POSIX
    }
  }
}

/** {@linkcode LocalFiles} over `node:fs/promises`. */
export const nodeLocalFiles: LocalFiles = {
  resolve(path: string): string {
    const expanded = path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;
    return resolve(expanded);
  },
  async stat(path: string) {
    try {
      const s = await stat(path);
      return { isFile: s.isFile(), isDirectory: s.isDirectory(), size: s.size };
    } catch {
      return undefined;
    }
  },
  async listFiles(directory: string): Promise<string[]> {
    const out: string[] = [];
    await walk(directory, directory, out);
    return out;
  },
  async readFile(path: string): Promise<Uint8Array> {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  },
};
