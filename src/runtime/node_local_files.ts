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
import { join, resolve, sep } from "node:path";
import type { LocalFiles } from "../config_state.ts";
import type { ChunkedFiles } from "../task/_artifact_blobs.ts";
import { checkReadable, listFiles } from "./_list_files.ts";
import type { ListFilesOptions, ListingFs } from "./_list_files.ts";

export type { ListFilesOptions } from "./_list_files.ts";

/**
 * Lists the files below a directory as dreadnode's `rglob("*")` + `is_file()` does, sorted by name
 * within each directory: a symbolic link to a file is listed, a symbolic link to a directory is
 * not descended into (so a link cycle cannot loop) unless `followLink` says so; with
 * `onLinkOutside`, a link leading outside the directory is skipped and passed to it. The
 * file-system presets' `logArtifact` (which skips links leading outside unless
 * `followLinksOutside`) and the analysis CLI both list with it.
 *
 * @param directory The top directory.
 * @param options Whether to descend, what to do with a subdirectory that cannot be listed, which
 *   links to directories to follow, and what to do with links leading outside.
 * @returns Paths relative to `directory`, with `/` separators.
 * @throws When the top directory cannot be listed (or a subdirectory, without `onSkip`).
 */
export function listFilesBelow(
  directory: string,
  options: ListFilesOptions = {},
): Promise<string[]> {
  return listFiles(NODE_LISTING, directory, options, join);
}

/** The `fs.promises` calls a listing makes. */
const NODE_LISTING: ListingFs = { readdir, realpath, stat };

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
  async realPath(path: string): Promise<string> {
    checkReadable(path);
    return await realpath(path);
  },
  pathSeparator: sep === "\\" ? "\\" : "/",
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
