// deno-lint-ignore-file no-unused-vars -- the functions only exist to have their parameters read
import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { parameterNames, run, task, type TaskSpan } from "../../src/task/mod.ts";
import { withTaskEnv } from "../_support/task_env.ts";
import { isWorkerd } from "../_support/runtime.ts";

// The workerd run bundles the tests with esbuild, which renames parameters that collide with other
// names (the reason the README tells bundled code to pass `argNames`): the tests that read the
// source of functions written here run unbundled only.
const unbundled = { skip: isWorkerd };

type AnyFn = (...args: never[]) => unknown;

/** A function built from exact source text (comments and spacing kept), or undefined where
 * code generation from strings is disallowed (workerd). */
function fromSource(source: string): AnyFn | undefined {
  try {
    return new Function(`return (${source});`)() as AnyFn;
  } catch {
    return undefined;
  }
}

/**
 * Asserts the parameter names read from each source text, or skips the test where code
 * generation from strings is disallowed.
 */
function namesFromSource(t: TestContext, cases: readonly [string, string[]][]): void {
  for (const [source, expected] of cases) {
    const fn = fromSource(source);
    if (fn === undefined) return t.skip("code generation from strings is disallowed here");
    assert.deepEqual(parameterNames(fn), expected, source);
  }
}

describe("parameterNames", () => {
  it(
    "does not split a parameter at commas or parentheses inside its default value",
    unbundled,
    () => {
      const cases: [AnyFn, string[]][] = [
        [function f(a: unknown, b = Math.max(1, 2), c: unknown) {}, ["a", "b", "c"]],
        [function g(a: unknown, opts = { x: 1, y: 2 }, c: unknown) {}, ["a", "opts", "c"]],
        [(a: unknown, b = [1, 2], c?: unknown) => {}, ["a", "b", "c"]],
        [function h(sep = ",", text: unknown) {}, ["sep", "text"]],
        [function i(open = "(", close = ")", s: unknown) {}, ["open", "close", "s"]],
        [function j(q = "it's, (ok)", r: unknown) {}, ["q", "r"]],
        [function k(t = `a,${[1, 2].join(",")})`, u: unknown) {}, ["t", "u"]],
        [function l(re = /[,)]/g, v: unknown) {}, ["re", "v"]],
        [function m(f = (x: number, y: number) => x + y, w: unknown) {}, ["f", "w"]],
        [function n(d = { a: [1, { b: 2 }] }, e = new Map([[1, 2]]), z: unknown) {}, [
          "d",
          "e",
          "z",
        ]],
        [(query: string, userId = Math.max(1, 2)) => [query, userId], ["query", "userId"]],
      ];
      for (const [fn, expected] of cases) {
        assert.deepEqual(parameterNames(fn), expected, String(fn));
      }
    },
  );

  it(
    "reads every function form: arrows, async, generators, methods, class methods",
    unbundled,
    () => {
      const obj = {
        m(x: unknown, y = [1, 2]) {},
        async am(x: unknown, y: unknown) {},
        *gen(a: unknown, b = "}") {},
        ["comp" + "uted"](p: unknown, q: unknown) {},
      };
      class C {
        method(a: unknown, b = { k: 1 }) {}
        static s(c: unknown, d: unknown) {}
        async #priv(e: unknown) {}
        get priv() {
          return this.#priv;
        }
      }
      const cases: [AnyFn, string[]][] = [
        [(x: unknown) => x, ["x"]],
        [async (query: string, k: number) => {}, ["query", "k"]],
        [async function named(a: unknown, b: unknown) {}, ["a", "b"]],
        [function* g(a: unknown) {}, ["a"]],
        [async function* ag(a: unknown, b = 1) {}, ["a", "b"]],
        [obj.m, ["x", "y"]],
        [obj.am, ["x", "y"]],
        [obj.gen, ["a", "b"]],
        [obj.computed, ["p", "q"]],
        [C.prototype.method, ["a", "b"]],
        [C.s, ["c", "d"]],
        [new C().priv, ["e"]],
        [() => {}, []],
        [function none() {}, []],
        [function café(größe: unknown, $x: unknown, _y: unknown) {}, ["größe", "$x", "_y"]],
        [function esc(étéx: unknown, 𝒳: unknown) {}, ["étéx", "\u{1d4b3}"]],
      ];
      for (const [fn, expected] of cases) {
        assert.deepEqual(parameterNames(fn), expected, String(fn));
      }
    },
  );

  it("names rest parameters and gives destructured ones arg<i>", () => {
    assert.deepEqual(parameterNames(function r(first: unknown, ...rest: unknown[]) {}), [
      "first",
      "rest",
    ]);
    assert.deepEqual(
      parameterNames(
        (
          a: unknown,
          { b, c }: { b: number; c: number },
          [d, e]: number[],
          ...[f]: number[]
        ) => [a, b, c, d, e, f],
      ),
      ["a", "arg1", "arg2", "arg3"],
    );
    assert.deepEqual(
      parameterNames((
        { x = 1, y = [2, 3] }: { x?: number; y?: number[] } = {},
        z = 0,
      ) => [x, y, z]),
      ["arg0", "z"],
    );
  });

  it("reads exact source text: comments, single bare parameters, trailing commas", (t) => {
    const cases: [string, string[]][] = [
      ["x => x", ["x"]],
      ["async x => x", ["x"]],
      ["async => async", ["async"]],
      ["\\u0061b => ab", ["ab"]],
      ["(a /* , not */, b // , no\n, c) => 0", ["a", "b", "c"]],
      ["function (/* the query */ query, /** k */ k = 1 /* ) */) {}", ["query", "k"]],
      ["function (a, b,) {}", ["a", "b"]],
      ["function (a = 10 / 2, b = (1) / 2, c) {}", ["a", "b", "c"]],
      ["function (a = () => { return /[)]/.test('x') }, b) {}", ["a", "b"]],
      ["function (a = `x${`(${'}'}`}`, b) {}", ["a", "b"]],
      ["function (a = '\\', b', c) {}", ["a", "c"]],
      ["function (\n  first,\n  second = { nested: [1, 2] },\n) {}", ["first", "second"]],
      ["({ 'a(b': function (x) {} })['a(b']", ["x"]],
    ];
    namesFromSource(t, cases);
  });

  it("tells a division from a regular expression after ++/--, property and astral names", (t) => {
    const cases: [string, string[]][] = [
      ["function (a, b = x++ / 2, c) {}", ["a", "b", "c"]],
      ["function (a, b = x-- / 2, c) {}", ["a", "b", "c"]],
      ["function (a = ++/[,]/.lastIndex, c) {}", ["a", "c"]],
      ["function (a = x.in / 2, c) {}", ["a", "c"]],
      ["function (a = x?.return / 2, c) {}", ["a", "c"]],
      ["function (a = typeof /[,]/, c) {}", ["a", "c"]],
      ["function (a = \u{1d465} / 2, b = 3 / 4) {}", ["a", "b"]], // 𝑥: two UTF-16 code units.
      ["function (a = /a*/ / 2, c) {}", ["a", "c"]],
      ["function (a = 1 /* c */ / 2, c = 'x' / 2) {}", ["a", "c"]],
      ["function page(offset = total / of, limit = of / 2, label = 'p') {}", [
        "offset",
        "limit",
        "label",
      ]], // `of` as a variable
      ["async /* c */ x => x", ["x"]],
      ["async /* a */ y /* b */ => y", ["y"]],
    ];
    namesFromSource(t, cases);
  });

  it("reads 1 MB hostile sources in linear time", (t) => {
    const n = 200_000;
    for (
      const source of [
        `function (a = 1${" / 1".repeat(n)}, b) {}`,
        `function (a = 1${" ".repeat(5 * n)}/ 2, b) {}`,
        `function (a ${"/**/ ".repeat(n)}, b) {}`,
        `function (a = [${"abc,".repeat(n)}], b) {}`,
        `function (a = [${"x++/2,".repeat(n / 2)}], b) {}`,
      ]
    ) {
      const fn = fromSource(source);
      if (fn === undefined) return t.skip("code generation from strings is disallowed here");
      const started = performance.now();
      assert.deepEqual(parameterNames(fn), ["a", "b"]);
      // Generous (linear scanning takes a few ms): a guard against quadratic scanning only.
      assert.ok(performance.now() - started < 1000, `took ${performance.now() - started} ms`);
    }
  });

  it("falls back to an empty list (arg<i> in task()) when the source cannot be read", () => {
    assert.deepEqual(parameterNames(Math.max as AnyFn), []);
    assert.deepEqual(parameterNames(function f(a: unknown) {}.bind(null) as AnyFn), []);
    assert.deepEqual(parameterNames(class Foo {} as unknown as AnyFn), []);
    assert.deepEqual(parameterNames(42 as unknown as AnyFn), []);
  });

  it(
    "task() logs inputs under their own names when a default holds a comma or a call",
    unbundled,
    async () => {
      let tasks: readonly TaskSpan[] = [];
      await withTaskEnv(async () => {
        const search = task(
          function search(query: string, opts = { k: 1, lang: "en" }, userId = String(1)) {
            return [query, opts, userId].length;
          },
          { logInputs: ["query", "userId"] },
        );
        const fmt = task(function fmt(value: number, sep = ",", suffix = "") {
          return `${value}${sep}${suffix}`;
        });
        await run("r", {}, (r) => {
          search("cats", { k: 5, lang: "de" }, "u-42");
          fmt(3, ";", "px");
          tasks = r.tasks;
        });
      });
      assert.deepEqual(tasks[0].inputs, { query: "cats", userId: "u-42" });
      assert.deepEqual(tasks[1].inputs, { value: 3, sep: ";", suffix: "px" });
    },
  );
});
