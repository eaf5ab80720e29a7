/**
 * Carrying the comments tools read from the compiler's commented JavaScript into its comment-free
 * JavaScript, for the npm package (`scripts/build_npm.ts`): the JSDoc is published in the `.d.ts`
 * files only, while `@__PURE__` annotations and license comments stay in the `.js` files.
 *
 * @module
 */

/**
 * The comments tools read in JavaScript, kept in the published `.js` files: license comments
 * (`/*!`, `//!`, `@license`, `@preserve`, as bundlers keep them) and bundler annotations
 * (`@__PURE__` and `@__NO_SIDE_EFFECTS__`, by which a bundler drops an unused call's result;
 * `webpack…:`, `turbopackIgnore:` and `@vite-ignore` in an `import()`).
 */
const KEPT_COMMENT = new RegExp(
  String.raw`^\/[*/]!|@license\b|@preserve\b|^\/\*\s*[@#]__(?:PURE|NO_SIDE_EFFECTS)__\s*\*\/$|` +
    String.raw`^\/\*\s*(?:webpack[A-Z]\w*|turbopackIgnore)\s*:|^\/\*\s*@vite-ignore\s*\*\/$`,
);

/** Whitespace between tokens in emitted JavaScript (space, tab, line feed, carriage return). */
function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/**
 * Carries the comments tools read ({@linkcode KEPT_COMMENT}) from the compiler's JavaScript with
 * comments into its JavaScript without them: TypeScript 7's `removeComments` drops every comment,
 * `@__PURE__` annotations and `/*!` license comments included.
 *
 * The two texts are the same code but for comments and whitespace, so walking both in step finds
 * each comment: a `/*` or `//` in the commented text where the other text does not have the same
 * two characters (inside a string, template or regular expression both texts have the same
 * characters, so the walk never takes their contents for a comment). The result is the
 * comment-free text, character for character, with the kept comments inserted before the token
 * they preceded.
 *
 * @param commented The JavaScript the compiler emitted with comments.
 * @param uncommented The JavaScript it emitted from the same source with `removeComments`.
 * @returns `uncommented` with the kept comments of `commented`, and how many there are.
 * @throws Error when the two texts differ in anything but comments and whitespace.
 */
export function carryKeptComments(
  commented: string,
  uncommented: string,
): { text: string; kept: number } {
  let text = "";
  let kept = 0;
  let copied = 0; // `uncommented` is in `text` up to here
  let i = 0; // position in `commented`
  let j = 0; // position in `uncommented`
  for (;;) {
    while (i < commented.length && isSpace(commented.charCodeAt(i))) i++;
    while (j < uncommented.length && isSpace(uncommented.charCodeAt(j))) j++;
    if (i === commented.length && j === uncommented.length) break;
    const opener = commented.slice(i, i + 2);
    if ((opener === "/*" || opener === "//") && !uncommented.startsWith(opener, j)) {
      const close = opener === "/*" ? commented.indexOf("*/", i + 2) : commented.indexOf("\n", i);
      if (opener === "/*" && close < 0) throw new Error(`unterminated comment at offset ${i}`);
      const end = opener === "/*" ? close + 2 : close < 0 ? commented.length : close;
      const comment = commented.slice(i, end).trimEnd();
      i = end;
      if (!KEPT_COMMENT.test(comment)) continue;
      text += uncommented.slice(copied, j);
      // A comment right after a `/` (division) would turn `/` `/*` into a line comment.
      if (text.endsWith("/")) text += " ";
      text += comment + (opener === "//" ? "\n" : " ");
      copied = j;
      kept++;
      continue;
    }
    if (i === commented.length || commented[i] !== uncommented[j]) {
      throw new Error(
        `the JavaScript emitted without comments differs at offset ${j}: ` +
          `${JSON.stringify(uncommented.slice(j, j + 40))}, with comments at offset ${i}: ` +
          JSON.stringify(commented.slice(i, i + 40)),
      );
    }
    i++;
    j++;
  }
  return { text: text + uncommented.slice(copied), kept };
}
