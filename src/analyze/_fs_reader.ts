/**
 * A {@linkcode TraceDirReader} over a `node:fs` module handed in (never imported here, so this
 * module stays portable): the analysis CLI passes the one it imports, and
 * {@linkcode builtinFsReader} the one `process.getBuiltinModule("node:fs")` gives (Node 20.16
 * and later, Deno 2, Bun, workerd's virtual file system with `nodejs_compat`), so that
 * `analyzeTraceDir()` reads files with no setup.
 *
 * Each file is read as a snapshot (`_snapshot_chunks.ts`): a log still being written is read up
 * to the size it had when opened, plus the rest of a line cut at that edge, in full chunks, so the
 * time to read it is bounded whatever the writer does. A small regular file is read whole,
 * synchronously (one read instead of four asynchronous calls: most of the time of a directory of
 * many one-line runs). On Deno, every path is checked for read access first, so Deno never stops
 * the program to prompt for it.
 *
 * @module
 */
import type { TraceDirReader } from "./analyze.ts";
import { snapshotChunks, tailBytesFor } from "./_snapshot_chunks.ts";
import { builtinModule } from "../runtime/_globals.ts";
import { checkReadable, listFiles } from "../runtime/_list_files.ts";
import type { ListedEntry, ListedStat } from "../runtime/_list_files.ts";

/** The file facts used here (of `fs.Stats`): what a listing reads, and the size. */
export interface FsStat extends ListedStat {
  /** Its size in bytes. */
  readonly size: number;
}

/** A directory entry (of `fs.Dirent`). */
export type FsDirent = ListedEntry;

/** An open file (of `fs.promises.FileHandle`). */
export interface FsFileHandle {
  /** Its facts. */
  stat(): Promise<FsStat>;
  /** Reads at most `length` bytes at the current position. */
  read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: null,
  ): Promise<{ bytesRead: number }>;
  /** Closes it. */
  close(): Promise<void>;
}

/** The parts of `node:fs` the reader uses. */
export interface NodeFsModule {
  /** `fs.promises`. */
  readonly promises: {
    open(path: string, flags: string): Promise<FsFileHandle>;
    readdir(path: string, options: { withFileTypes: true }): Promise<FsDirent[]>;
    realpath(path: string): Promise<string>;
    stat(path: string): Promise<FsStat>;
  };
  /** `fs.statSync` (the synchronous calls read small files; without them, all are chunked). */
  readonly statSync?: (path: string) => FsStat;
  /** `fs.openSync`. */
  readonly openSync?: (path: string, flags: string) => number;
  /** `fs.fstatSync`. */
  readonly fstatSync?: (fd: number) => FsStat;
  /** `fs.readSync`. */
  readonly readSync?: (
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: null,
  ) => number;
  /** `fs.closeSync`. */
  readonly closeSync?: (fd: number) => void;
}

/** Options of {@linkcode fsTraceReader}. */
export interface FsTraceReaderOptions {
  /** Bytes per read (at least 1). Default 64 KiB. */
  readonly chunkBytes?: number | undefined;
  /**
   * How far past a file's size when opened a line cut there is read on, in bytes. Default: what
   * the longest line analyzed (64 Mi UTF-16 code units) can take.
   */
  readonly maxTailBytes?: number | undefined;
  /** The lister (default: one over `fs.promises`, see {@linkcode listFilesWith}). */
  readonly listFiles?: TraceDirReader["listFiles"] | undefined;
}

/** The default bytes per read. */
const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * A trace-directory reader over `fs`.
 *
 * @param fs The `node:fs` module (or any object with the same functions).
 * @param options Chunk size, how far to complete a cut last line, and the lister.
 * @returns The reader.
 */
export function fsTraceReader(
  fs: NodeFsModule,
  options: FsTraceReaderOptions = {},
): TraceDirReader {
  const chunk = Math.max(1, Math.trunc(options.chunkBytes ?? CHUNK_BYTES) || 1);
  const tail = Math.max(0, options.maxTailBytes ?? tailBytesFor(Infinity));
  return {
    listFiles: options.listFiles ?? listFilesWith(fs),
    async *readChunks(path: string): AsyncGenerator<Uint8Array> {
      checkReadable(path);
      const small = readSmallFile(fs, path, chunk);
      if (small !== undefined) {
        if (small.length > 0) yield small;
        return;
      }
      const handle = await fs.promises.open(path, "r");
      try {
        const stat = await handle.stat();
        const chunks = readUntilEnd(handle, chunk);
        // A regular file is a snapshot; anything else (a FIFO, a device) is read until its end.
        yield* stat.isFile() ? snapshotChunks(chunks, stat.size, tail) : chunks;
      } finally {
        await handle.close();
      }
    },
  };
}

/** Every chunk of an open file, each read asking for `size` bytes, until a read gives none. */
async function* readUntilEnd(handle: FsFileHandle, size: number): AsyncGenerator<Uint8Array> {
  for (;;) {
    // A fresh buffer per chunk: the caller may keep the previous one.
    const buffer = new Uint8Array(size);
    const { bytesRead } = await handle.read(buffer, 0, size, null);
    if (bytesRead === 0) return;
    yield buffer.subarray(0, bytesRead);
  }
}

/**
 * The bytes of `path` when it is a regular file of at most `limit` bytes that ends with a newline
 * and did not grow while read, read synchronously; `undefined` for anything else (read in chunks
 * instead, as a snapshot, which completes a last line being written). Throws as `open` does.
 */
function readSmallFile(fs: NodeFsModule, path: string, limit: number): Uint8Array | undefined {
  const { statSync, openSync, fstatSync, readSync, closeSync } = fs;
  if (!statSync || !openSync || !fstatSync || !readSync || !closeSync) return undefined;
  // Checked before opening: opening a FIFO waits for a writer, which must not block the reader.
  const found = statSync(path);
  if (!found.isFile() || found.size > limit) return undefined;
  const fd = openSync(path, "r");
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > limit) return undefined;
    const buffer = new Uint8Array(stat.size + 1);
    let length = 0;
    for (
      let n;
      length < buffer.length &&
      (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0;
    ) {
      length += n;
    }
    if (length === buffer.length) return undefined; // it grew while read
    if (length > 0 && buffer[length - 1] !== NEWLINE) return undefined; // a line being written?
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/**
 * A lister over `fs.promises` with the file-system presets' rules (`listFiles` of
 * `runtime/_list_files.ts`, as `listFilesBelow` lists).
 *
 * @param fs The `node:fs` module.
 * @returns The lister.
 */
export function listFilesWith(fs: NodeFsModule): TraceDirReader["listFiles"] {
  return (directory, options) => listFiles(fs.promises, directory, options);
}

/**
 * The `node:fs` module the runtime hands out synchronously (`process.getBuiltinModule`), or
 * undefined (a browser, workerd without `nodejs_compat`, Node before 20.16).
 */
function builtinFs(): NodeFsModule | undefined {
  const fs = builtinModule("node:fs") as Partial<NodeFsModule> | undefined;
  const p = fs?.promises;
  const usable = typeof p?.open === "function" && typeof p.readdir === "function" &&
    typeof p.realpath === "function" && typeof p.stat === "function";
  return usable ? fs as NodeFsModule : undefined;
}

/**
 * A reader over the runtime's own `node:fs` (see the module), or undefined where there is none.
 *
 * @param options As for {@linkcode fsTraceReader}.
 * @returns The reader, or undefined.
 */
export function builtinFsReader(options?: FsTraceReaderOptions): TraceDirReader | undefined {
  const fs = builtinFs();
  return fs === undefined ? undefined : fsTraceReader(fs, options);
}
