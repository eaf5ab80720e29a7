/**
 * Finds a request's newest JSONL trace file on the local disk, as design_research_agents'
 * `resolve_latest_trace_path` globs `<trace_dir>/run_*_<id>.jsonl`. Synchronous, because
 * `traceInfo` is: it uses the runtime's own synchronous file APIs, Deno's `readDirSync` and
 * `lstatSync`, else `node:fs` from `process.getBuiltinModule` (Node 20.16 and later, Bun).
 * Without them, or when the directory cannot be read, nothing is found.
 *
 * A directory is listed again only when it changed: the matching names of a directory that has not
 * changed since it was listed (same modification and change time, same inode) are reused, and only
 * those files are checked again (a file appended to since has a new time, a new file changes the
 * directory). A listing is reused only when the directory's time was {@linkcode SETTLED_MS} older
 * than the listing, so a change in the same tick of a coarse file-system clock is never missed.
 *
 * @module
 */
import { builtinModule, type DenoGlobal, getDeno } from "../runtime/_globals.ts";
import { requireAccess } from "../runtime/_deno_access.ts";

/** A directory's state: its modification time in epoch ms and a key that changes with it. */
interface DirVersion {
  /** The modification time in epoch ms. */
  readonly time: number;
  /** The modification and change times and the inode. */
  readonly key: string;
}

/** The synchronous file operations used here. */
interface DirReader {
  /** The entry names of a directory; throws when it cannot be read. */
  names(dir: string): string[];
  /** A directory's version (undefined when its time is unknown); throws when it cannot be read. */
  version(dir: string): DirVersion | undefined;
  /** A regular file's modification time in epoch ms (null if unknown), undefined for others. */
  mtime(path: string): number | null | undefined;
}

/** The synchronous Deno file APIs used here (a structural subset of the `Deno` namespace). */
interface DenoSyncApi extends DenoGlobal {
  readDirSync(path: string): Iterable<{ readonly name: string }>;
  lstatSync(path: string): { readonly isFile: boolean; readonly mtime: Date | null };
  statSync(path: string): {
    readonly mtime: Date | null;
    readonly ctime?: Date | null;
    readonly ino: number | null;
  };
}

/** The synchronous `node:fs` functions used here. */
interface NodeSyncFs {
  readdirSync(path: string): string[];
  lstatSync(path: string): { isFile(): boolean; readonly mtimeMs: number };
  statSync(
    path: string,
  ): { readonly mtimeMs: number; readonly ctimeMs: number; readonly ino: number };
}

/** A trace file name's prefix `run_<YYYYMMDDTHHMMSSZ>_`, with the stamp's fields. */
const STAMPED = /^run_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z_/;
const PREFIX_LENGTH = "run_YYYYMMDDTHHMMSSZ_".length;

/** How much older than a listing a directory's time must be for the listing to be reused. */
export const SETTLED_MS = 2000;
/** The most listings kept (one per directory and id), and the most names in one. */
const MAX_LISTINGS = 128;
const MAX_LISTED_NAMES = 256;

/** The matching names of a directory and id, by `<idPart>/<dir>`, oldest use first. */
const listings = new Map<string, { readonly key: string; readonly names: string[] }>();

/** The version of a directory from its times and inode (undefined when its time is unknown). */
function versionOf(time: number | undefined, ctime: unknown, ino: unknown): DirVersion | undefined {
  return time === undefined || time !== time ? undefined : { time, key: `${time}:${ctime}:${ino}` };
}

/** The runtime's synchronous directory reader, or undefined. */
function dirReader(): DirReader | undefined {
  const deno = getDeno() as Partial<DenoSyncApi> | undefined;
  if (
    typeof deno?.readDirSync === "function" && typeof deno.lstatSync === "function" &&
    typeof deno.statSync === "function"
  ) {
    const api = deno as DenoSyncApi;
    // Asked first, without prompting: in a terminal Deno would stop the program to ask.
    const readable = (path: string) => requireAccess(api, { name: "read", path });
    return {
      names(dir) {
        readable(dir);
        return Array.from(api.readDirSync(dir), (entry) => entry.name);
      },
      version(dir) {
        readable(dir);
        const stat = api.statSync(dir);
        return versionOf(stat.mtime?.getTime(), stat.ctime?.getTime(), stat.ino);
      },
      mtime(path) {
        readable(path);
        const stat = api.lstatSync(path);
        return stat.isFile ? stat.mtime?.getTime() ?? null : undefined;
      },
    };
  }
  const fs = builtinModule("node:fs") as Partial<NodeSyncFs> | undefined;
  if (
    typeof fs?.readdirSync !== "function" || typeof fs.lstatSync !== "function" ||
    typeof fs.statSync !== "function"
  ) {
    return undefined;
  }
  const api = fs as NodeSyncFs;
  return {
    names: (dir) => api.readdirSync(dir),
    version(dir) {
      const stat = api.statSync(dir);
      return versionOf(stat.mtimeMs, stat.ctimeMs, stat.ino);
    },
    mtime(path) {
      const stat = api.lstatSync(path);
      return stat.isFile() ? stat.mtimeMs : undefined;
    },
  };
}

/** The UTC time of a matched name's stamp, in epoch ms. */
function stampTime(match: RegExpExecArray): number {
  const [, y, mo, d, h, mi, s] = match.map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** A trace file found on disk. */
export interface FoundTraceFile {
  /** The file name. */
  readonly name: string;
  /** Its modification time in epoch ms (the stamp in its name when the time is unknown). */
  readonly time: number;
}

/**
 * The names `run_<YYYYMMDDTHHMMSSZ>_<idPart>` in a directory: reused from the last listing when
 * the directory has not changed since (see the module docs), else listed again.
 */
function matchingNames(reader: DirReader, dir: string, idPart: string): string[] {
  const cacheKey = `${idPart}/${dir}`; // an id part never holds a `/`
  const version = reader.version(dir); // before listing: a change while listing makes a new key
  const cached = listings.get(cacheKey);
  listings.delete(cacheKey);
  if (version !== undefined && cached?.key === version.key) {
    listings.set(cacheKey, cached);
    return cached.names;
  }
  const listedAt = Date.now();
  const names = reader.names(dir).filter((name) =>
    name.slice(PREFIX_LENGTH) === idPart && STAMPED.test(name)
  );
  if (
    version !== undefined && version.time <= listedAt - SETTLED_MS &&
    names.length <= MAX_LISTED_NAMES
  ) {
    if (listings.size >= MAX_LISTINGS) listings.delete(listings.keys().next().value!);
    listings.set(cacheKey, { key: version.key, names });
  }
  return names;
}

/**
 * Whether a path is a regular file on the local disk: one status read, no listing. Never throws.
 *
 * @param path The path (a local path).
 * @returns True for a regular file; false for anything else, a missing or unreadable path, or
 *   without a synchronous file API.
 */
export function isTraceFile(path: string): boolean {
  try {
    return dirReader()?.mtime(path) !== undefined;
  } catch {
    return false;
  }
}

/**
 * The newest regular file `run_<YYYYMMDDTHHMMSSZ>_<idPart>` in a directory: by modification time,
 * then by name (a file whose time is unknown counts the stamp in its name). Unlike the glob
 * `run_*_<id>.jsonl`, a file of an id that merely ends with `_<id>` does not match. The directory
 * is listed only when it changed since it was last listed. Never throws.
 *
 * @param dir The directory (a local path).
 * @param idPart What follows the stamp and `_`: `<sanitized id>.jsonl` or its hashed form.
 * @returns The file, or undefined (none, the directory cannot be read, or no synchronous file
 *   API).
 */
export function newestTraceFile(dir: string, idPart: string): FoundTraceFile | undefined {
  let best: FoundTraceFile | undefined;
  try {
    const reader = dirReader();
    if (reader === undefined) return undefined;
    for (const name of matchingNames(reader, dir, idPart)) {
      let time: number | null | undefined;
      try {
        time = reader.mtime(`${dir}/${name}`);
      } catch {
        continue; // removed since listed
      }
      if (time === undefined) continue; // not a regular file (a symbolic link, a directory)
      const found = { name, time: time ?? stampTime(STAMPED.exec(name)!) };
      if (
        best === undefined || found.time > best.time ||
        (found.time === best.time && name > best.name)
      ) {
        best = found;
      }
    }
  } catch {
    return undefined; // a missing or unreadable directory
  }
  return best;
}
