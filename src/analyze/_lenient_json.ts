/**
 * Parsing a JSON line as Python's `json.loads` does: it also accepts the bare `NaN`, `Infinity`
 * and `-Infinity` that `json.dumps` writes for non-finite floats (design_research_agents' event
 * lines can hold them).
 *
 * @module
 */

const NON_FINITE = /NaN|Infinity/;

/**
 * Parses JSON text, accepting bare `NaN` (read as null), `Infinity` and `-Infinity` outside
 * strings. Strict JSON is parsed by `JSON.parse` alone; the rewrite runs only when that fails.
 *
 * @param text The JSON text.
 * @returns The value.
 * @throws {SyntaxError} When the text is not JSON even with those words.
 */
export function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!NON_FINITE.test(text)) throw error;
    return JSON.parse(withoutNonFinite(text));
  }
}

/** The text with bare `NaN` as `null` and `Infinity` as `1e999` (which parses as Infinity). */
function withoutNonFinite(text: string): string {
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      // Skip the string literal, escapes included.
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (c === "N" && text.startsWith("NaN", i)) {
      parts.push(text.slice(from, i), "null");
      from = i += 3;
      i--;
    } else if (c === "I" && text.startsWith("Infinity", i)) {
      parts.push(text.slice(from, i), "1e999");
      from = i += 8;
      i--;
    }
  }
  parts.push(text.slice(from));
  return parts.join("");
}
