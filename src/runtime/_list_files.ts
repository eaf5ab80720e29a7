/**
 * The file-system presets' directory listing, over any `node:fs`-shaped module: the Node, Deno and
 * Bun presets' `listFilesBelow` (artifacts, the analysis CLI) and the analysis' own reader over
 * the runtime's `node:fs` (`process.getBuiltinModule`) list with it.
 *
 * @module
 */
import { requireAccess } from "./_deno_access.ts";
import { getDeno } from "./_globals.ts";

/** The facts of a file the listing reads (of `fs.Stats`). */
export interface ListedStat {
  /** Whether it is a regular file. */
  isFile(): boolean;
  /** Whether it is a directory. */
  isDirectory(): boolean;
}

/** A directory entry (of `fs.Dirent`). */
export interface ListedEntry {
  /** Its name. */
  readonly name: string;
  /** Whether it is a regular file. */
  isFile(): boolean;
  /** Whether it is a directory. */
  isDirectory(): boolean;
  /** Whether it is a symbolic link. */
  isSymbolicLink(): boolean;
}

/** The calls of `fs.promises` the listing makes. */
export interface ListingFs {
  /** `fs.promises.readdir` with `withFileTypes`. */
  readdir(path: string, options: { withFileTypes: true }): Promise<ListedEntry[]>;
  /** `fs.promises.realpath`. */
  realpath(path: string): Promise<string>;
  /** `fs.promises.stat`. */
  stat(path: string): Promise<ListedStat>;
}

/** Options of a listing. */
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
  /**
   * Given, a symbolic link whose real path is outside the top directory's real path (a link to a
   * file, or one to a directory that `followLink` would follow) is neither listed nor followed but
   * passed here (its path relative to the top directory). Links that stay inside are listed as
   * before. Default: links are listed and followed wherever they lead.
   */
  readonly onLinkOutside?: ((path: string) => void) | undefined;
}

/** Joins a directory path and a name (`node:path`'s `join` where the platform's separator matters). */
export type JoinPath = (directory: string, name: string) => string;

/**
 * On Deno (whose `node:fs` prompts for a permission not granted when run in a terminal, stopping
 * the program), throws Deno's `NotCapable` error at once for a path not readable.
 *
 * @param path The path.
 */
export function checkReadable(path: string): void {
  const deno = getDeno();
  if (deno !== undefined) requireAccess(deno, { name: "read", path });
}

/**
 * Lists the files below a directory as dreadnode's `rglob("*")` + `is_file()` does, sorted by
 * name within each directory: a symbolic link to a file is listed, a symbolic link to a directory
 * is not descended into (so a link cycle cannot loop) unless `followLink` says so, and never one
 * leading back to a directory being listed. With `onLinkOutside`, a link leading outside the top
 * directory (its real path not below the top directory's) is skipped and reported to it.
 *
 * @param fs The `fs.promises` calls to list with.
 * @param directory The top directory.
 * @param options Whether to descend, what to do with a subdirectory that cannot be listed, which
 *   links to directories to follow, and what to do with links leading outside.
 * @param join How paths are joined (default: with `/`).
 * @returns Paths relative to `directory`, with `/` separators.
 * @throws When the top directory cannot be listed (or a subdirectory, without `onSkip`).
 */
export async function listFiles(
  fs: ListingFs,
  directory: string,
  options: ListFilesOptions = {},
  join: JoinPath = (a, b) => `${a}/${b}`,
): Promise<string[]> {
  const out: string[] = [];
  await new Listing(fs, directory, options, join, out).walk("", []);
  return out;
}

/** One listing in progress. */
class Listing {
  constructor(
    readonly fs: ListingFs,
    readonly top: string,
    readonly options: ListFilesOptions,
    readonly join: JoinPath,
    readonly out: string[],
  ) {}

  /** Lists `relative` (`/`-separated); `reals` are the real paths of the directories above. */
  async walk(relative: string, reals: string[]): Promise<void> {
    const { fs, options } = this;
    const full = relative === "" ? this.top : this.join(this.top, relative);
    let entries: ListedEntry[];
    try {
      checkReadable(full);
      entries = await fs.readdir(full, { withFileTypes: true });
      const needsReal = options.followLink !== undefined || options.onLinkOutside !== undefined;
      if (needsReal && reals.length === 0) reals = [await fs.realpath(full)];
    } catch (error) {
      if (relative === "" || options.onSkip === undefined) throw error;
      options.onSkip(relative, error);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (options.recursive === false) continue;
        const real = reals.length === 0
          ? []
          : [...reals, this.join(reals[reals.length - 1], entry.name)];
        await this.walk(path, real);
      } else if (entry.isFile()) {
        this.out.push(path);
      } else if (entry.isSymbolicLink()) {
        await this.#link(path, this.join(full, entry.name), reals);
      }
    }
  }

  /**
   * A symbolic link found: listed when it leads to a file, followed when asked; with
   * `onLinkOutside`, either only when it leads below the top directory (`reals[0]`).
   */
  async #link(path: string, full: string, reals: string[]): Promise<void> {
    const { options } = this;
    const target = await this.#linkTarget(full);
    const follow = target === "directory" && options.recursive !== false &&
      options.followLink?.(path) === true;
    if (target !== "file" && !follow) return;
    if (!follow && options.onLinkOutside === undefined) return void this.out.push(path);
    const real = await this.fs.realpath(full).catch(() => undefined);
    if (real === undefined) return; // removed meanwhile
    if (options.onLinkOutside !== undefined && !this.#inside(real, reals[0])) {
      return options.onLinkOutside(path);
    }
    if (!follow) this.out.push(path);
    else if (!reals.includes(real)) await this.walk(path, [...reals, real]);
  }

  /** Whether a real path is the top directory's real path `top` or below it. */
  #inside(real: string, top: string): boolean {
    const sep = this.join("a", "b").slice(1, -1); // `/`, or `\` on Windows
    return real === top || real.startsWith(top.endsWith(sep) ? top : top + sep);
  }

  /** What a symbolic link leads to (undefined when broken or unreadable). */
  async #linkTarget(path: string): Promise<"file" | "directory" | undefined> {
    try {
      checkReadable(path);
      const s = await this.fs.stat(path);
      return s.isFile() ? "file" : s.isDirectory() ? "directory" : undefined;
    } catch {
      return undefined;
    }
  }
}
