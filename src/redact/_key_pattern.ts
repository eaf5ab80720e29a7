/**
 * One regular expression that tells, in a single pass over a text, whether the text holds a
 * sensitive key the way `SensitiveKeys.mayOccurIn` reads it: the text is normalized as a key is
 * (lower-cased, every `-` and `_` removed) and one of the normalized keys occurs in it.
 * Lower-casing and copying a long text and searching it once per key took four times as long as
 * parsing it.
 *
 * The expression matches the original text instead: each letter of a key matches its two ASCII
 * cases and any run of `-` and `_` may stand between two letters. Two characters outside ASCII
 * lower-case to an ASCII letter, and match it too: the KELVIN SIGN (U+212A) lower-cases to `k`,
 * and the LATIN CAPITAL LETTER I WITH DOT ABOVE (U+0130) to `i` followed by U+0307, so it stands
 * only for a key's last letter. No other character's lower-case form holds an ASCII character
 * (the scan tests check every code point), and U+03A3, the only one whose lower-case form depends
 * on its neighbours, lower-cases to a Greek letter either way: for keys made of ASCII characters
 * the expression finds exactly the texts the normalized search finds. Keys with other characters
 * (or longer than 256, or more than 512 keys) get no expression: the caller searches the
 * normalized text.
 *
 * A key that holds another key adds nothing to the search (the text holds the shorter key
 * wherever it holds the longer one: `accesstoken` holds `token`), so only the others are searched,
 * as a tree of their common prefixes.
 *
 * @module
 */

/** The character class of an ASCII letter in a key: both cases, and what lower-cases to it. */
function letterClass(letter: string, last: boolean): string {
  const extra = letter === "k" ? "\\u212a" : letter === "i" && last ? "\\u0130" : "";
  return `[${letter}${letter.toUpperCase()}${extra}]`;
}

/** The expression of one character of a key (`last`: the key's last character). */
function charPattern(char: string, last: boolean): string {
  if (char >= "a" && char <= "z") return letterClass(char, last);
  return `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`;
}

/** A tree of key prefixes: each edge a character; a key ends at a node without edges. */
type PrefixTree = Map<string, PrefixTree>;

/** The expression of what may follow a node of the tree (a node with edges). */
function treePattern(node: PrefixTree): string {
  const alternatives: string[] = [];
  for (const [char, next] of node) {
    const last = next.size === 0;
    alternatives.push(charPattern(char, last) + (last ? "" : `[-_]*${treePattern(next)}`));
  }
  return alternatives.length === 1 ? alternatives[0] : `(?:${alternatives.join("|")})`;
}

/** The longest key the expression searches (its tree is walked by recursion, a level a letter). */
const MAX_KEY_LENGTH = 256;

/** The most keys the expression searches (finding the keys that hold another takes n² steps). */
const MAX_KEYS = 512;

/** Whether a normalized key is searched by the expression: ASCII, lower-case, no `-` or `_`. */
function isPlainKey(key: string): boolean {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0x80 || (c >= 0x41 && c <= 0x5a) || c === 0x2d || c === 0x5f) return false;
  }
  return true;
}

/**
 * The expression that finds any of the keys in a text, as `SensitiveKeys.mayOccurIn` reads a
 * text (see the module documentation). No flags: `test` keeps no state.
 *
 * @param keys Normalized keys (lower-case, no `-` or `_`, none empty).
 * @returns The expression; one that never matches for no keys; undefined when a key has a
 *   character outside ASCII, is longer than 256 characters or is not normalized, and for more
 *   than 512 keys.
 * @internal
 */
export function keyPattern(keys: readonly string[]): RegExp | undefined {
  const unique = [...new Set(keys)];
  if (unique.length > MAX_KEYS || !unique.every(isPlainKey)) return undefined;
  const searched = unique.filter((key) =>
    !unique.some((other) => other !== key && key.includes(other))
  );
  if (searched.length === 0) return /(?!)/;
  const root: PrefixTree = new Map();
  for (const key of searched) {
    let node = root;
    for (const char of key) {
      let next = node.get(char);
      if (next === undefined) node.set(char, next = new Map());
      node = next;
    }
  }
  try {
    return new RegExp(treePattern(root));
  } catch {
    return undefined; // Beyond what the engine compiles: the normalized search.
  }
}
