// The npm package's `.js` files are the compiler's comment-free output (its JSDoc is published in
// the `.d.ts` files only), with the comments tools read carried over from the commented output:
// `@__PURE__` annotations (without them a bundler keeps unused calls: +19 B gzip on the Worker
// core) and license comments. Strings, templates and regular expressions holding `//` or `/*` are
// never taken for comments, and two outputs that differ in code stop the build.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { carryKeptComments as carry } from "../scripts/_carry_comments.ts";

describe("npm build: comments in the published JavaScript", () => {
  it("keeps bundler annotations and license comments, and drops the JSDoc", () => {
    const commented = [
      "/*! tracelet | MIT */",
      "/**",
      " * Encodes text. @example encode('a')",
      " */",
      "export const encoder = /* @__PURE__ */ new TextEncoder(); // shared",
      "export const x = 1 / /* @__PURE__ */ f();",
      "",
    ].join("\n");
    const uncommented = [
      "export const encoder = new TextEncoder();",
      "export const x = 1 / f();",
      "",
    ].join("\n");
    const { text, kept } = carry(commented, uncommented);
    assert.equal(kept, 3);
    assert.equal(
      text,
      "/*! tracelet | MIT */ export const encoder = /* @__PURE__ */ new TextEncoder();\n" +
        "export const x = 1 / /* @__PURE__ */ f();\n",
    );
    assert.doesNotMatch(text, /@example|shared/);
  });

  it("leaves // and /* inside strings, templates and regular expressions as they are", () => {
    const code = 'const a = "http://x/*y"; const b = `//${a}/*`; const c = /\\/\\/*/g;\n';
    const { text, kept } = carry(`// note\n${code}`, code);
    assert.equal(text, code);
    assert.equal(kept, 0);
  });

  it("stops the build when the two outputs differ in code, naming where", () => {
    assert.throws(() => carry("let a = 1;\n", "let a = 2;\n"), /differs at offset 8/);
  });
});
