/**
 * Finds a request's newest JSONL trace file on the local disk, as design_research_agents'
 * `resolve_latest_trace_path` globs `<trace_dir>/run_*_<id>.jsonl`. Synchronous, because
 * `traceInfo` is: it uses the runtime's own synchronous file APIs, Deno's `readDirSync` and
 * `lstatSync`, else `node:fs` from `process.getBuiltinModule` (Node 20.16 and later, Bun).
 * Without them, or when the directory cannot be read, nothing is found.
 *
 * @module
 */
import { type DenoGlobal, getDeno, getProcess } from "../runtime/_globals.ts";

/** The two synchronous file operations used here. */
interface DirReader {
  /** The entry names of a directory; throws when it cannot be read. */
  names(dir: string): string[];
  /** A regular file's modification time in epoch ms (null if unknown), undefined for others. */
  mtime(path: string): number | null | undefined;
}

/** The synchronous Deno file APIs used here (a structural subset of the `Deno` namespace). */
interface DenoSyncApi extends DenoGlobal {
  readDirSync(path: string): Iterable<{ readonly name: string }>;
  lstatSync(path: string): { readonly isFile: boolean; readonly mtime: Date | null };
}

/** The synchronous `node:fs` functions used here. */
interface NodeSyncFs {
  readdirSync(path: string): string[];
  lstatSync(path: string): { isFile(): boolean; readonly mtimeMs: number };
}

/** A trace file name's prefix `run_<YYYYMMDDTHHMMSSZ>_`, with the stamp's fields. */
const STAMPED = /^run_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z_/;
const PREFIX_LENGTH = "run_YYYYMMDDTHHMMSSZ_".length;

/** The runtime's synchronous directory reader, or undefined. */
function dirReader(): DirReader | undefined {
  const deno = getDeno() as Partial<DenoSyncApi> | undefined;
  if (typeof deno?.readDirSync === "function" && typeof deno.lstatSync === "function") {
    const api = deno as DenoSyncApi;
    return {
      names: (dir) => Array.from(api.readDirSync(dir), (entry) => entry.name),
      mtime(path) {
        const stat = api.lstatSync(path);
        return stat.isFile ? stat.mtime?.getTime() ?? null : undefined;
      },
    };
  }
  const proc = getProcess() as { getBuiltinModule?(id: string): unknown } | undefined;
  const fs = typeof proc?.getBuiltinModule === "function"
    ? proc.getBuiltinModule("node:fs") as Partial<NodeSyncFs> | undefined
    : undefined;
  if (typeof fs?.readdirSync !== "function" || typeof fs.lstatSync !== "function") return undefined;
  const api = fs as NodeSyncFs;
  return {
    names: (dir) => api.readdirSync(dir),
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
 * The newest regular file `run_<YYYYMMDDTHHMMSSZ>_<idPart>` in a directory: by modification time,
 * then by name (a file whose time is unknown counts the stamp in its name). Unlike the glob
 * `run_*_<id>.jsonl`, a file of an id that merely ends with `_<id>` does not match. Never throws.
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
    for (const name of reader.names(dir)) {
      const match = name.slice(PREFIX_LENGTH) === idPart ? STAMPED.exec(name) : null;
      if (match === null) continue;
      let time: number | null | undefined;
      try {
        time = reader.mtime(`${dir}/${name}`);
      } catch {
        continue; // removed since listed
      }
      if (time === undefined) continue; // not a regular file (a symbolic link, a directory)
      const found = { name, time: time ?? stampTime(match) };
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
