/**
 * Local file access for `logArtifact` through `node:fs/promises`, used by the Node and Deno
 * presets (Deno implements `node:fs`), and the one directory listing of the file-system code
 * ({@linkcode listFilesBelow}, also used by the analysis CLI).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { open, readdir, readFile, realpath, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { LocalFiles } from "../config_state.ts";
import type { ChunkedFiles } from "../task/artifacts.ts";
import { requireAccess } from "./_deno_access.ts";
import { getDeno } from "./_globals.ts";

/**
 * On Deno (whose `node:fs` prompts for a permission not granted when run in a terminal, stopping
 * the program), throws Deno's `NotCapable` error at once for a path not readable.
 */
function checkReadable(path: string): void {
  const deno = getDeno();
  if (deno !== undefined) requireAccess(deno, { name: "read", path });
}

/** What a symbolic link leads to (undefined when broken). */
async function linkTarget(path: string): Promise<"file" | "directory" | undefined> {
  try {
    checkReadable(path);
    const s = await stat(path);
    return s.isFile() ? "file" : s.isDirectory() ? "directory" : undefined;
  } catch {
    return undefined;
  }
}

/** Options of {@linkcode listFilesBelow}. */
export interface ListFilesOptions {
  /** Whether to descend into subdirectories. Default true. */
  readonly recursive?: boolean | undefined;
  /**
   * Called for a subdirectory that cannot be listed (unreadable, or removed meanwhile) with its
   * path relative to the top directory; it is skipped and the rest is listed. Without it, the
   * listing rejects.
   */
  readonly onSkip?: ((directory: string, error: unknown) => void) | undefined;
  /**
   * Whether to descend into a symbolic link to a directory (its path relative to the top
   * directory), when `recursive`. Default: never. A link back to a directory being listed (a
   * loop) is never followed.
   */
  readonly followLink?: ((directory: string) => boolean) | undefined;
}

/**
 * Lists the files below a directory as dreadnode's `rglob("*")` + `is_file()` does, sorted by name
 * within each directory: a symbolic link to a file is listed, a symbolic link to a directory is
 * not descended into (so a link cycle cannot loop) unless `followLink` says so. The file-system
 * presets' `logArtifact` and the analysis CLI both list with it.
 *
 * @param directory The top directory.
 * @param options Whether to descend, what to do with a subdirectory that cannot be listed, and
 *   which links to directories to follow.
 * @returns Paths relative to `directory`, with `/` separators.
 * @throws When the top directory cannot be listed (or a subdirectory, without `onSkip`).
 */
export async function listFilesBelow(
  directory: string,
  options: ListFilesOptions = {},
): Promise<string[]> {
  const { recursive = true, onSkip, followLink } = options;
  const out: string[] = [];
  // `relative` is `/`-separated: a backslash is a name character on POSIX. `reals` are the real
  // paths of the directories being listed, top first (known only when links may be followed).
  const walk = async (relative: string, reals: string[]): Promise<void> => {
    const full = relative === "" ? directory : join(directory, ...relative.split("/"));
    let entries;
    try {
      checkReadable(full);
      entries = await readdir(full, { withFileTypes: true });
      if (followLink !== undefined && reals.length === 0) reals = [await realpath(full)];
    } catch (error) {
      if (relative === "" || onSkip === undefined) throw error;
      onSkip(relative, error);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        const real = reals.length === 0
          ? []
          : [...reals, join(reals[reals.length - 1], entry.name)];
        if (recursive) await walk(path, real);
      } else if (entry.isFile()) {
        out.push(path);
      } else if (entry.isSymbolicLink()) {
        const target = await linkTarget(join(full, entry.name));
        if (target === "file") out.push(path);
        else if (target === "directory" && recursive && followLink?.(path) === true) {
          const real = await realpath(join(full, entry.name)).catch(() => undefined);
          if (real !== undefined && !reals.includes(real)) await walk(path, [...reals, real]);
        }
      }
    }
  };
  await walk("", []);
  return out;
}

/**
 * {@linkcode LocalFiles} over `node:fs/promises`, which also reads a file a chunk at a time
 * ({@linkcode ChunkedFiles}: artifacts of any size in bounded memory).
 */
export const nodeLocalFiles: LocalFiles & ChunkedFiles = {
  resolve(path: string): string {
    const expanded = path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;
    return resolve(expanded);
  },
  // `undefined` only when nothing is there; any other error (a missing permission) is thrown.
  async stat(path: string) {
    checkReadable(path);
    try {
      const s = await stat(path);
      return { isFile: s.isFile(), isDirectory: s.isDirectory(), size: s.size };
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw error;
    }
  },
  listFiles(directory: string, options?: ListFilesOptions): Promise<string[]> {
    return listFilesBelow(directory, options);
  },
  async readFile(path: string): Promise<Uint8Array> {
    checkReadable(path);
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  },
  sha256() {
    const hash = createHash("sha256");
    return {
      update: (bytes: Uint8Array) => hash.update(bytes),
      digest: () => new Uint8Array(hash.digest()),
    };
  },
  async *readChunks(path: string, chunkSize: number): AsyncGenerator<Uint8Array> {
    checkReadable(path);
    const handle = await open(path, "r");
    try {
      for (;;) {
        // A fresh buffer per chunk: the caller may keep the previous one.
        const buffer = new Uint8Array(chunkSize);
        const { bytesRead } = await handle.read(buffer, 0, chunkSize, null);
        if (bytesRead === 0) return;
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  },
};
