/**
 * `parameterNames()`: the parameter names of a function, read from its source text with a small
 * scanner that knows enough JavaScript to find the top-level commas of the parameter list —
 * bracket depth (`()`, `[]`, `{}`), quoted strings, template literals (with `${…}` inside),
 * comments and regular expression literals — so defaults such as `opts = { a: 1, b: 2 }`,
 * `n = Math.max(1, 2)` or `sep = ","` do not split a parameter in two.
 *
 * @module
 */

// An identifier, with `\uXXXX` / `\u{X…}` escapes (transpilers write non-ASCII names that way).
const ESCAPE = String.raw`\\u(?:[0-9a-fA-F]{4}|\{[0-9a-fA-F]{1,6}\})`;
const NAME = String
  .raw`(?:[\p{ID_Start}$_]|${ESCAPE})(?:[\p{ID_Continue}$\u200c\u200d]|${ESCAPE})*`;
const IDENT = new RegExp(`^${NAME}`, "u");
const IDENT_AT = new RegExp(NAME, "uy");
const NUMBER_AT = /\.?[0-9][0-9A-Za-z_.]*/y;
const SPACE = /\s/;
/**
 * Words after which `/` starts a regular expression rather than a division. Not `of`: it is also
 * a common variable name (`total / of`), and `for (x of /re/…)` inside a default value is rare.
 */
const BEFORE_REGEX = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

function closerOf(c: string): string | undefined {
  return c === "(" ? ")" : c === "[" ? "]" : c === "{" ? "}" : undefined;
}

/** Whether a character is white space or a line terminator. */
function isSpace(code: number, c: string): boolean {
  return code === 32 || code >= 9 && code <= 13 || code > 127 && SPACE.test(c);
}

/** Whether a name may start with this character code (`$`, `_`, `\\`, a letter, non-ASCII). */
function isNameStart(code: number): boolean {
  return (code | 32) >= 97 && (code | 32) <= 122 || code === 36 || code === 95 || code === 92 ||
    code > 127;
}

/** Index just past the token `pattern` matches at `i` (a sticky pattern), or -1. */
function matchAt(pattern: RegExp, src: string, i: number): number {
  pattern.lastIndex = i;
  return pattern.test(src) ? pattern.lastIndex : -1;
}

function skipQuoted(src: string, i: number, quote: string): number {
  for (let j = i; j < src.length; j++) {
    if (src[j] === "\\") j++;
    else if (src[j] === quote) return j + 1;
    else if (src[j] === "\n") return -1;
  }
  return -1;
}

function skipTemplate(src: string, i: number): number {
  for (let j = i; j < src.length; j++) {
    if (src[j] === "\\") j++;
    else if (src[j] === "`") return j + 1;
    else if (src[j] === "$" && src[j + 1] === "{") {
      const end = scanTo(src, j + 2, "}");
      if (end < 0) return -1;
      j = end;
    }
  }
  return -1;
}

function skipRegex(src: string, i: number): number {
  let inClass = false;
  for (let j = i; j < src.length; j++) {
    const c = src[j];
    if (c === "\\") j++;
    else if (c === "\n") return -1;
    else if (c === "[") inClass = true;
    else if (c === "]") inClass = false;
    else if (c === "/" && !inClass) {
      let k = j + 1;
      while (k < src.length && /[a-z]/i.test(src[k])) k++;
      return k;
    }
  }
  return -1;
}

/** Index just past the comment starting at `i`; `i` when none starts there; -1 when unclosed. */
function skipComment(src: string, i: number): number {
  if (src[i] !== "/") return i;
  if (src[i + 1] === "/") {
    const end = src.indexOf("\n", i);
    return end < 0 ? src.length : end;
  }
  if (src[i + 1] === "*") {
    const end = src.indexOf("*/", i + 2);
    return end < 0 ? -1 : end + 2;
  }
  return i;
}

/**
 * Index just past the string, template or (when `regexOk`) regular expression starting at `i`;
 * `i` when none starts there; -1 when it never ends.
 */
function skipLiteral(src: string, i: number, regexOk: boolean): number {
  const c = src[i];
  if (c === '"' || c === "'") return skipQuoted(src, i + 1, c);
  if (c === "`") return skipTemplate(src, i + 1);
  return c === "/" && regexOk ? skipRegex(src, i + 1) : i;
}

/**
 * Index of the `close` character ending the code that starts at `i` (nested brackets, strings,
 * templates, comments and regular expressions skipped), or -1 when the code is unbalanced.
 * `commas` collects the positions of the commas at this level.
 *
 * A `/` starts a regular expression unless it follows an operand: a literal, a closing bracket,
 * a number, a name other than an operator keyword (`return`, `typeof`, …; a property name such
 * as `x.in` is an operand), or a postfix `++`/`--` (one after an operand).
 */
function scanTo(src: string, i: number, close: string, commas?: number[]): number {
  let regexOk = true; // Whether a `/` here starts a regular expression.
  let afterDot = false; // Whether the previous token is `.` (a name here is a property).
  while (i < src.length) {
    const c = src[i];
    if (c === close) return i;
    const code = src.charCodeAt(i);
    let next = skipComment(src, i);
    if (next === i && isSpace(code, c)) next = i + 1;
    if (next !== i) { // Comments and white space leave the state as it is.
      if (next < 0) return -1;
      i = next;
      continue;
    }
    next = skipLiteral(src, i, regexOk);
    const closer = closerOf(c);
    if (next === i && closer !== undefined) {
      next = scanTo(src, i + 1, closer);
      if (next >= 0) next++;
    }
    if (next === i && (code >= 48 && code <= 57 || code === 46)) {
      next = Math.max(i, matchAt(NUMBER_AT, src, i));
    }
    if (next < 0) return -1; // Unclosed or unbalanced.
    if (next > i) { // A literal, bracketed code or a number: an operand.
      regexOk = afterDot = false;
      i = next;
      continue;
    }
    next = isNameStart(code) ? matchAt(IDENT_AT, src, i) : -1;
    if (next >= 0) {
      regexOk = !afterDot && next - i <= 10 && BEFORE_REGEX.has(src.slice(i, next));
      afterDot = false;
      i = next;
      continue;
    }
    if (c === ")" || c === "]" || c === "}") return -1;
    if (c === "," && commas !== undefined) commas.push(i);
    if ((c === "+" || c === "-") && src[i + 1] === c) {
      i += 2; // `++`/`--`: postfix after an operand, prefix otherwise; `regexOk` stays.
    } else {
      regexOk = true;
      i++;
    }
    afterDot = c === ".";
  }
  return -1;
}

/** Index of the `(` opening the parameter list, or -1 (a class, or no list found). */
function listStart(src: string): number {
  if (/^class\b/.test(src)) return -1;
  for (let i = 0; i < src.length;) {
    const c = src[i];
    if (c === "(") return i;
    if (c === "{" || c === "=") return -1;
    if (c === "\\") { // An escape in the name (`caf\u{e9}`).
      i = src[i + 1] === "u" && src[i + 2] === "{" ? src.indexOf("}", i) + 1 : i + 2;
      if (i === 0) return -1;
      continue;
    }
    let skipped = skipComment(src, i);
    if (skipped === i) skipped = skipLiteral(src, i, false);
    if (skipped < 0) return -1;
    if (skipped !== i) {
      i = skipped;
    } else if (c === "[") { // A computed method name.
      const end = scanTo(src, i + 1, "]");
      if (end < 0) return -1;
      i = end + 1;
    } else i++;
  }
  return -1;
}

/** `text` without leading white space and comments. */
function skipSpace(text: string): string {
  for (let s = text;;) {
    s = s.trimStart();
    if (s.startsWith("/*")) {
      const end = s.indexOf("*/");
      if (end < 0) return "";
      s = s.slice(end + 2);
    } else if (s.startsWith("//")) {
      const end = s.indexOf("\n");
      s = end < 0 ? "" : s.slice(end + 1);
    } else return s;
  }
}

/** The name of one parameter's source text: `name`, `name = …` or `...name`; else `arg<i>`. */
function nameOf(text: string, index: number): string {
  let rest = skipSpace(text);
  if (rest.startsWith("...")) rest = skipSpace(rest.slice(3));
  const name = IDENT.exec(rest)?.[0];
  if (name === undefined) return `arg${index}`; // Destructured (`{a, b}`, `[x]`) or unreadable.
  const after = skipSpace(rest.slice(name.length));
  return after === "" || after.startsWith("=") ? decodeEscapes(name) : `arg${index}`;
}

/** An identifier with its `\u` escapes decoded. */
function decodeEscapes(name: string): string {
  return name.replace(
    /\\u(?:\{([0-9a-fA-F]+)\}|([0-9a-fA-F]{4}))/g,
    (_, braced: string | undefined, four: string | undefined) =>
      String.fromCodePoint(parseInt(braced ?? four ?? "", 16)),
  );
}

/** The parameter of an arrow function without parentheses (`x => …`, `async x => …`). */
function singleArrowParameter(src: string): string | undefined {
  let rest = src;
  for (let words = 0; words < 2; words++) {
    const name = IDENT.exec(rest)?.[0];
    if (name === undefined) return undefined;
    const after = skipSpace(rest.slice(name.length));
    if (after.startsWith("=>")) return decodeEscapes(name);
    // Only `async` may come first, and it must be apart from the name (`async x`, not `asyncx`).
    if (name !== "async" || after.length === rest.length - name.length) return undefined;
    rest = after;
  }
  return undefined;
}

/**
 * The source texts of a function's parameters (comments kept), or undefined when the source
 * cannot be read.
 */
function parameterTexts(src: string): string[] | undefined {
  const single = singleArrowParameter(src);
  if (single !== undefined) return [single];
  const start = listStart(src);
  if (start < 0) return undefined;
  const commas: number[] = [];
  const end = scanTo(src, start + 1, ")", commas);
  if (end < 0) return undefined;
  const bounds = [start, ...commas, end];
  const texts = bounds.slice(1).map((to, i) => src.slice(bounds[i] + 1, to));
  // A trailing comma (`(a, b,)`) or an empty list leaves one empty text at the end.
  if (skipSpace(texts[texts.length - 1]) === "") texts.pop();
  return texts;
}

/**
 * Best-effort parameter names of a function, read from its source (plain functions, arrow
 * functions, async functions and generators, object and class methods). A parameter with a
 * default value is named as usual, a rest parameter `...xs` is `xs`, and a destructured parameter
 * (`{a, b}`, `[x, y]`) is `arg<i>`, `i` being its position. When the source cannot be read or
 * parsed (a native or bound function, a class), the result is empty and callers fall back to
 * `arg<i>`.
 *
 * @param fn The function.
 * @returns One name per declared parameter.
 * @example
 * ```ts
 * import { parameterNames } from "@tracelet/tracelet";
 * parameterNames(function search(query: string, opts = { k: 1, lang: "en" }, ...rest: string[]) {});
 * // ["query", "opts", "rest"]
 * ```
 */
export function parameterNames(fn: (...args: never[]) => unknown): string[] {
  return parameterList(fn).names;
}

/** A function's parameter names, and where its rest parameter is. @internal */
export interface ParameterList {
  /** One name per declared parameter, as {@linkcode parameterNames} gives them. */
  readonly names: string[];
  /** The position of the rest parameter (`...xs`, always the last one), or -1 when none. */
  readonly rest: number;
}

/**
 * {@linkcode parameterNames}, plus the position of the rest parameter, so that `task()` can log
 * the arguments it gathers as one input.
 *
 * @internal
 * @param fn The function.
 * @returns The names and the rest position (empty and -1 when the source cannot be read).
 */
export function parameterList(fn: (...args: never[]) => unknown): ParameterList {
  try {
    const texts = parameterTexts(Function.prototype.toString.call(fn)) ?? [];
    const last = texts.length - 1;
    const rest = last >= 0 && skipSpace(texts[last]).startsWith("...") ? last : -1;
    return { names: texts.map(nameOf), rest };
  } catch {
    return { names: [], rest: -1 }; // Not a function, or nesting too deep for the scanner.
  }
}
