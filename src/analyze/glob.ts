/**
 * A small glob matcher for trace file names, with the rules of Python's `pathlib` glob (3.11):
 * the pattern is split at `/` and each part matches one name as `fnmatch` does: `*` (any
 * characters), `?` (one character, a whole code point), `[abc]`, `[a-z]`, `[!abc]` (not these; a
 * leading `^` is a literal character). A part that is exactly `**` matches any number of
 * directories, but never passes through a symbolic link; `**` inside a longer part (`run_**.jsonl`)
 * is an error. `.` parts and repeated `/` are ignored (`./run_*.jsonl` is `run_*.jsonl`), and a
 * pattern is relative to the trace directory: an absolute one (`/x/*.jsonl`) is an error.
 *
 * @module
 */

/** One part of a glob: `**`, or an expression matching one name. */
type Part = RegExp | "**";

/** The expression source of one non-`**` part (without anchors). */
function partSource(part: string): string {
  const chars = Array.from(part);
  let out = "";
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "[") {
      // As fnmatch: a `]` right after `[` or `[!` belongs to the class.
      let end = i + 1;
      if (chars[end] === "!") end++;
      if (chars[end] === "]") end++;
      while (end < chars.length && chars[end] !== "]") end++;
      if (end >= chars.length) out += "\\[";
      else {
        out += charClass(chars.slice(i + 1, end));
        i = end;
      }
    } else out += escapeChar(c);
  }
  return out;
}

const escapeChar = (c: string) => `\\u{${c.codePointAt(0)!.toString(16)}}`;

/** A bracket expression's body as fnmatch reads it; a reversed range (`z-a`) matches nothing. */
function charClass(body: string[]): string {
  const negated = body[0] === "!";
  const items = negated ? body.slice(1) : body;
  let out = "";
  for (let k = 0; k < items.length; k++) {
    if (items[k + 1] === "-" && k + 2 < items.length) {
      const [lo, hi] = [items[k], items[k + 2]];
      if (lo.codePointAt(0)! <= hi.codePointAt(0)!) out += `${escapeChar(lo)}-${escapeChar(hi)}`;
      k += 2;
    } else out += escapeChar(items[k]);
  }
  if (negated) return `[^/${out}]`;
  return out === "" ? "(?!)" : `[${out}]`;
}

/** The glob's parts, without `.` and empty parts; throws for an absolute glob or a bad `**`. */
function globParts(glob: string): string[] {
  if (glob.startsWith("/")) {
    throw new RangeError(
      `Non-relative patterns are unsupported: ${glob} (the glob is relative to the trace directory)`,
    );
  }
  const parts = glob.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.some((part) => part !== "**" && part.includes("**"))) {
    throw new RangeError(
      `Invalid pattern: '**' can only be an entire path component: ${glob}`,
    );
  }
  return parts;
}

/**
 * Compiles a glob into a regular expression matching whole `/`-separated relative paths (a `**`
 * part is free to cross symbolic links here; {@linkcode globMatcher} knows about them).
 *
 * @param pattern The pattern, e.g. `run_*.jsonl` or `**\/*.jsonl`.
 * @returns The expression.
 * @throws {RangeError} For an absolute pattern (one starting with `/`), or `**` inside a longer
 *   part, as `pathlib` raises.
 */
export function globToRegExp(pattern: string): RegExp {
  const parts = globParts(pattern);
  let out = "";
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    if (part === "**") out += last ? "(?!)" : "(?:.*/)?"; // a last `**` names only directories
    else out += partSource(part) + (last ? "" : "/");
  });
  return new RegExp(`^${out}$`, "su");
}

/**
 * Whether a glob looks below the top directory (has several parts, or `**`), so a recursive
 * listing is needed.
 *
 * @param glob The pattern.
 * @returns True when it names subdirectories.
 * @throws {RangeError} For an absolute pattern or a bad `**`.
 */
export function globIsRecursive(glob: string): boolean {
  const parts = globParts(glob);
  return parts.length > 1 || parts.includes("**");
}

/**
 * Matches a path given as its names and, for each, whether it is a symbolic link.
 *
 * @param names The path's names, top first.
 * @param links Whether each name is a symbolic link (to a directory).
 * @param file Whether the last name is a file (else every name is a directory, and the question
 *   is whether files below it can still match).
 * @returns True when the glob matches it (a file) or may match below it (a directory).
 */
export type GlobMatcher = (
  names: readonly string[],
  links: readonly boolean[],
  file: boolean,
) => boolean;

/**
 * Compiles a glob into a matcher that follows `pathlib`: a symbolic link to a directory can be
 * matched by a named or wildcard part (`latest/*.jsonl`), never passed through by `**`.
 *
 * @param pattern The pattern.
 * @returns The matcher.
 * @throws {RangeError} For an absolute pattern or a bad `**`.
 */
export function globMatcher(pattern: string): GlobMatcher {
  const parts: Part[] = globParts(pattern).map((part) =>
    part === "**" ? part : new RegExp(`^${partSource(part)}$`, "su")
  );
  const n = parts.length;
  return (names, links, file) => {
    let states = new Set([0]);
    names.forEach((name, i) => {
      const isFile = file && i === names.length - 1;
      const next = new Set<number>();
      for (let s of states) {
        for (; s < n; s++) {
          const part = parts[s];
          if (part !== "**") {
            if ((s === n - 1) === isFile && part.test(name)) next.add(s + 1);
            break;
          }
          if (!isFile && !links[i]) next.add(s); // `**` takes a real directory and stays
        }
      }
      states = next;
    });
    return file ? states.has(n) : states.size > 0;
  };
}
