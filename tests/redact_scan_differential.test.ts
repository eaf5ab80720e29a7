// The redaction scan's fast paths must give exactly what the slow ones gave. `mayOccurIn` (does a
// text hold a sensitive key, read as keys are normalized?) is one regular expression instead of
// a lower-cased, separator-free copy searched once per key: it is checked against that old
// reading, kept here as the reference, on random and adversarial texts (mixed case, `-`/`_`
// runs, escapes, characters whose lower case is special) and on every code point. The policy
// no longer masks a JSON text a second time after a walk that saw every key of it: its output is
// checked against a policy that always masks (a custom matcher turns the skip off), on random
// JSON with repeated keys, keys written with escapes and spaces before colons. Truncation counts
// code points natively when a string has no surrogate: checked against its loops.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RedactionPolicy } from "../mod.ts";
import { normalizeKey, SensitiveKeys } from "../src/redact/sensitive_keys.ts";
import { unescapeCode, UNICODE_ESCAPE } from "../src/redact/json_scan.ts";
import { codePointLength, cutCodePoints } from "../src/redact/truncate.ts";
import { seededRandom } from "./_support/seeded_random.ts";

/** The reading `mayOccurIn` had before its regular expression (the reference). */
function referenceMayOccurIn(keys: readonly string[], matcher: boolean, text: string): boolean {
  const hasKey = (t: string) => {
    const normalized = normalizeKey(t);
    for (const key of keys) if (normalized.includes(key)) return true;
    return false;
  };
  if (matcher) return true;
  if (hasKey(text)) return true;
  return text.includes("\\u") && hasKey(text.replace(UNICODE_ESCAPE, unescapeCode));
}

/** Characters whose case mapping is special, and other troublemakers. */
const ODD = [
  "\u212a", // KELVIN SIGN: lower case `k`
  "\u0130", // LATIN CAPITAL LETTER I WITH DOT ABOVE: lower case `i` + U+0307
  "\u0131", // dotless i (upper case `I`)
  "\u017f", // long s (upper case `S`)
  "\u212b", // ANGSTROM SIGN
  "\u03a3", // capital sigma (the final sigma rule)
  "\u03c3",
  "\u03c2",
  "\u0307",
  "\uff34", // fullwidth T
  "\u00df",
  "\u1e9e",
  "\u00ad",
  "\ud83d\ude00",
  "\ud800", // lone surrogates
  "\udc00",
  "\u00e9",
  "\u0000",
];

const NOISE =
  " \t\n.,:;{}[]\"'\\/-_=+0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZu";

/** Random texts and JSON that mention some keys, spelled every way the normalized search folds. */
class Texts {
  readonly #random: () => number;
  readonly #keys: readonly string[];

  constructor(seed: number, keys: readonly string[]) {
    this.#random = seededRandom(seed);
    this.#keys = keys.length > 0 ? keys : ["token"];
  }

  int(n: number): number {
    return Math.floor(this.#random() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  chance(p: number): boolean {
    return this.#random() < p;
  }

  /** One character of a key: either case, a character lower-casing to it, maybe escaped. */
  spell(char: string, escape: boolean): string {
    let out = char;
    const roll = this.#random();
    if (char === "k" && roll < 0.1) out = "\u212a";
    else if (char === "i" && roll < 0.1) out = "\u0130";
    else if (char === "i" && roll < 0.15) out = "\u0131";
    else if (char === "s" && roll < 0.1) out = "\u017f";
    else if (roll < 0.5) out = char.toUpperCase();
    if (escape && this.chance(0.2)) {
      const hex = out.charCodeAt(0).toString(16).padStart(4, "0");
      const slashes = "\\".repeat(this.pick([1, 1, 1, 2, 3, 4]));
      out = `${slashes}u${this.chance(0.5) ? hex : hex.toUpperCase()}`;
      if (this.chance(0.05)) out = out.slice(0, -1) + "g"; // Not an escape.
    }
    return out;
  }

  /** A key, maybe cut short, with separators (or not) between its characters. */
  key(escape = true): string {
    const chars = [...this.pick(this.#keys)];
    const length = this.chance(0.8) ? chars.length : this.int(chars.length + 1);
    let out = "";
    for (let i = 0; i < length; i++) {
      if (i > 0 && this.chance(0.25)) {
        out += this.pick([
          "-",
          "_",
          "--",
          "_-_",
          " ",
          ".",
          "\u0307",
          "\\u002d",
          "\\u005f",
          "\u00ad",
        ]);
      }
      out += this.spell(chars[i], escape);
    }
    return out;
  }

  noise(n: number): string {
    let out = "";
    for (let i = 0; i < n; i++) {
      out += this.chance(0.85) ? NOISE[this.int(NOISE.length)] : this.pick(ODD);
    }
    return out;
  }

  text(pieces = 8): string {
    let out = "";
    for (let n = 1 + this.int(pieces); n > 0; n--) {
      out += this.chance(0.5) ? this.key() : this.noise(this.int(12));
    }
    return out;
  }

  /** A JSON value whose keys and strings mention the keys (pairs, nested JSON text, masks). */
  value(depth = 0): unknown {
    const roll = this.#random();
    if (depth > 3 || roll < 0.3) {
      const leaf = this.#random();
      if (leaf < 0.4) return this.text(3);
      if (leaf < 0.5) return "***REDACTED***";
      if (leaf < 0.6) return JSON.stringify(this.value(depth + 1));
      if (leaf < 0.8) return this.int(1000);
      return this.pick([true, false, null, 1.5, ":" + this.text(1)]);
    }
    if (roll < 0.55) {
      const items = Array.from({ length: this.int(4) }, () => this.value(depth + 1));
      if (this.chance(0.3)) items.push([this.key(false), this.value(depth + 1)]);
      return items;
    }
    const object: Record<string, unknown> = {};
    for (let n = this.int(5); n > 0; n--) {
      const key = this.chance(0.5) ? this.key(false) : this.noise(1 + this.int(6)) || "k";
      object[key] = this.value(depth + 1);
    }
    return object;
  }

  /** JSON text of a value with repeated keys (a different earlier copy) and spaces by colons. */
  emit(value: unknown): string {
    const colon = () => this.chance(0.8) ? ":" : this.pick([" :", "\t: ", "\n:", " \r\n :"]);
    if (Array.isArray(value)) return `[${value.map((item) => this.emit(item)).join(",")}]`;
    if (typeof value !== "object" || value === null) return JSON.stringify(value);
    const members = Object.entries(value).map(([key, item]) =>
      `${JSON.stringify(key)}${colon()}${this.emit(item)}`
    );
    if (this.chance(0.25)) {
      const key = JSON.stringify(this.chance(0.6) ? this.key(false) : this.noise(2) || "k");
      const later = this.pick([
        '"ok"',
        '"***REDACTED***"',
        "1",
        "{}",
        "[]",
        '"\\u002a**REDACTED***"',
      ]);
      members.splice(
        this.int(members.length + 1),
        0,
        `${key}${colon()}${this.emit(this.value(2))}`,
      );
      members.push(`${key}${colon()}${later}`);
    }
    return `{${members.join(",")}}`;
  }

  /** A JSON text, sometimes mangled: keys with escapes, cut short, masks escaped, nested. */
  json(): string {
    let text = this.chance(0.5) ? this.emit(this.value()) : JSON.stringify(this.value());
    if (this.chance(0.2)) text = JSON.stringify(this.value(), null, this.pick([1, 2, "\t"]));
    const roll = this.#random();
    if (roll < 0.1) {
      text = text.replace(
        /"([a-z])/gi,
        (match, char: string) =>
          this.chance(0.3) ? `"\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}` : match,
      );
    } else if (roll < 0.15) text = text.slice(0, this.int(text.length));
    else if (roll < 0.2) {
      text = text.replace(/":/g, () => this.pick(['":', '" :', '"\t:', '"\n :']));
    } else if (roll < 0.25) text = text.replaceAll('"***REDACTED***"', '"\\u002a**REDACTED***"');
    else if (roll < 0.3) text = JSON.stringify(text);
    return this.pick(["", " ", "\n"]) + text;
  }
}

const DEFAULT_SPELLINGS = ["api_key", "token", "authorization", "password", "secret", "apiKey"];

/** Key lists and options the policy supports, each read by the fast or the fallback path. */
const CONFIGS: {
  name: string;
  options: ConstructorParameters<typeof RedactionPolicy>[0];
  spellings: string[];
}[] = [
  {
    name: "default keys",
    options: {},
    spellings: [...DEFAULT_SPELLINGS, "x-auth-token", "cookie"],
  },
  { name: "substring mode", options: { mode: "substring" }, spellings: DEFAULT_SPELLINGS },
  {
    name: "keys with dots, spaces, digits and regular expression syntax",
    options: {
      extraKeys: ["session.key", "x y", "a+b*", "(p)", "[q]|", "c$^", "\\", '"', "1e5", "ki", "xi"],
    },
    spellings: ["session.key", "x y", "a+b*", "(p)", "[q]|", "c$^", "\\", '"', "1e5", "ki", "xi"],
  },
  {
    name: "one-letter keys",
    options: { keys: ["k", "I", "s", "tok\u212Aen"] },
    spellings: ["k", "i", "s", "token"],
  },
  {
    name: "keys outside ASCII (the normalized search)",
    options: { extraKeys: ["\u0130d", "\u03c3x", "stra\u00dfe"] },
    spellings: ["\u0130d", "\u03c3x", "stra\u00dfe", "token"],
  },
  {
    name: "a key longer than 256",
    options: { keys: ["k".repeat(300), "token"] },
    spellings: ["token"],
  },
  { name: "no keys", options: { keys: [] }, spellings: ["token"] },
  {
    name: "a custom matcher",
    options: { matcher: (key: string) => key === "q" },
    spellings: ["q"],
  },
];

describe("redaction scan: the key search", () => {
  it("relies on this runtime lower-casing only U+0130 and U+212A to ASCII", () => {
    for (let code = 0; code <= 0x10ffff; code++) {
      const lower = String.fromCodePoint(code).toLowerCase();
      if (code < 0x80) {
        const expected = code >= 0x41 && code <= 0x5a ? String.fromCharCode(code + 32) : lower;
        assert.equal(lower, expected);
        assert.equal(lower.length, 1);
      } else if (code === 0x130) assert.equal(lower, "i\u0307");
      else if (code === 0x212a) assert.equal(lower, "k");
      else if ([...lower].some((char) => char.charCodeAt(0) < 0x80)) {
        assert.fail(`U+${code.toString(16)} lower-cases to ${lower}`);
      }
    }
    // The one mapping that depends on neighbours gives a Greek letter either way.
    assert.equal("A\u03a3".toLowerCase(), "a\u03c2");
    assert.equal("A\u03a3B".toLowerCase(), "a\u03c3b");
  });

  for (const config of CONFIGS) {
    it(`finds what the normalized search finds: ${config.name}`, () => {
      const policy = new RedactionPolicy(config.options);
      const matcher = typeof config.options?.matcher === "function";
      const keys = new SensitiveKeys(
        policy.keys,
        policy.mode,
        matcher ? config.options?.matcher : undefined,
      );
      const texts = new Texts(config.name.length * 7919, config.spellings);
      const check = (text: string) =>
        assert.equal(
          keys.mayOccurIn(text),
          referenceMayOccurIn(policy.keys, matcher, text),
          JSON.stringify(text),
        );
      for (let i = 0; i < 1500; i++) {
        check(texts.text(10));
        check(texts.json());
      }
      // Every key with each odd character in place of each of its characters, or after it.
      for (const key of policy.keys) {
        if (key.length > 64) continue;
        for (let at = 0; at <= key.length; at++) {
          for (const odd of ODD) {
            check(key.slice(0, at) + odd + key.slice(at + 1));
            check(key.slice(0, at) + odd + key.slice(at));
            check(key.slice(0, at).toUpperCase() + odd + key.slice(at + 1).toUpperCase());
          }
        }
      }
    });
  }

  it("finds a key whatever character stands between its letters, for every code point", () => {
    const keys = new SensitiveKeys(["ki", "ik", "t.k"], "exact", undefined);
    const reference = ["ki", "ik", "t.k"];
    for (let code = 0; code <= 0x10ffff; code++) {
      const c = String.fromCodePoint(code);
      for (const text of [`k${c}i`, `${c}k`, `i${c}`, `t${c}.k`, `${c}i`, `k${c}`]) {
        if (keys.mayOccurIn(text) !== referenceMayOccurIn(reference, false, text)) {
          assert.fail(`U+${code.toString(16)} in ${JSON.stringify(text)}`);
        }
      }
    }
  });

  it("reads megabytes as before: a key at the end, or nowhere", () => {
    const keys = new SensitiveKeys(["api_key", "token"], "exact", undefined);
    const reference = ["apikey", "token"];
    const filler = JSON.stringify({ items: Array.from({ length: 20000 }, (_, i) => ({ id: i })) });
    for (
      const text of [
        filler,
        filler + "TO-K_en",
        filler + "to\\u006ben",
        "-".repeat(1 << 20) + "t",
        "t" + "-_".repeat(1 << 19) + "oken",
        "a" + "_".repeat(1 << 20) + "pikey",
      ]
    ) {
      assert.equal(keys.mayOccurIn(text), referenceMayOccurIn(reference, false, text));
    }
  });
});

/** The code points of a string, by the language's own iteration (the reference). */
function referenceCodePointLength(text: string): number {
  return Array.from(text).length;
}

/** The first `count` code points (rounded up; none for NaN or below 0), by iteration. */
function referenceCutCodePoints(text: string, count: number): string {
  const points = Array.from(text);
  const n = count > 0 ? Math.ceil(count) : 0;
  return points.length <= n ? text : points.slice(0, n).join("");
}

describe("redaction scan: truncation", () => {
  it("counts and cuts code points as iterating over the string does", () => {
    const texts = new Texts(31, ["token"]);
    const limits = [0, 1, 2, 15, 16, 17, 20, 2.5, 16.5, 0.2, -3, -0, NaN, Infinity, 40, 100];
    for (let i = 0; i < 4000; i++) {
      let text = texts.noise(texts.int(120));
      if (texts.chance(0.3)) text = text.replace(/[\ud800-\udfff]/g, "");
      if (texts.chance(0.2)) text += `...[truncated:${texts.int(300)}]`;
      const limit = texts.pick(limits);
      assert.equal(codePointLength(text), referenceCodePointLength(text), JSON.stringify(text));
      assert.equal(
        cutCodePoints(text, limit),
        referenceCutCodePoints(text, limit),
        JSON.stringify([text, limit]),
      );
    }
  });
});

describe("redaction scan: masking after a walk that changed nothing", () => {
  for (const config of CONFIGS) {
    if (config.options?.matcher !== undefined) continue;
    it(`gives what masking always gave: ${config.name}`, () => {
      const policy = new RedactionPolicy(config.options);
      // A matcher that marks nothing more turns the skip off (and makes every text scanned).
      const always = new RedactionPolicy({ ...config.options, matcher: () => false });
      const short = new RedactionPolicy({ ...config.options, maxStringLength: 40 });
      const shortAlways = new RedactionPolicy({
        ...config.options,
        maxStringLength: 40,
        matcher: () => false,
      });
      const texts = new Texts(config.name.length * 104729, config.spellings);
      for (let i = 0; i < 600; i++) {
        const json = texts.json();
        const text = texts.text(6);
        const cases: [string, (p: RedactionPolicy) => unknown][] = [
          ["attribute", (p) => p.redactAttributes({ "gen_ai.input": json, list: [json, text] })],
          [
            "names",
            (p) =>
              p.redactAttributes({ "dreadnode.metrics": json, "dreadnode.object_schemas": json }),
          ],
          ["value", (p) => p.redactValue({ a: json, b: [text, json] })],
          ["value, no truncation", (p) => p.redactValue([json, { s: json }], { truncate: false })],
        ];
        for (const [name, redact] of cases) {
          assert.deepEqual(redact(policy), redact(always), `${name}: ${JSON.stringify(json)}`);
        }
        assert.deepEqual(
          short.redactAttributes({ json }),
          shortAlways.redactAttributes({ json }),
          JSON.stringify(json),
        );
      }
    });
  }

  it("still masks what only masking the text finds", () => {
    const policy = new RedactionPolicy();
    const series = '{"values":[1],"steps":[0]}';
    const cases: [string, string][] = [
      // A repeated key: JSON.parse keeps the later copy, the earlier one holds the secret.
      ['{"a":{"token":"s1"},"a":1}', '{"a":{"token":"***REDACTED***"},"a":1}'],
      [
        '{"token":"s2", "token":"***REDACTED***"}',
        '{"token":"***REDACTED***", "token":"***REDACTED***"}',
      ],
      ['{"a" :{"token":"s3"},\n"a"\t: 1}', '{"a" :{"token":"***REDACTED***"},\n"a"\t: 1}'],
      [
        '{"n":"{\\"b\\":1}","a":["x",{"secret":"s4"}],"a":[]}',
        '{"n":"{\\"b\\":1}","a":["x",{"secret":"***REDACTED***"}],"a":[]}',
      ],
      [
        '{"k\\\\":{"password":"s5"},"k\\\\":0}',
        '{"k\\\\":{"password":"***REDACTED***"},"k\\\\":0}',
      ],
      // A masked value written with escapes, and a name's value: written in canonical form.
      ['{"token":"\\u002a**REDACTED***"}', '{"token":"***REDACTED***"}'],
      ['[["token", "\\u002a**REDACTED***"]]', '[["token", "***REDACTED***"]]'],
      ['{"max_tokens": 5}', '{"max_tokens": 5}'],
    ];
    for (const [text, expected] of cases) {
      assert.equal(policy.redactAttributes({ attribute: text }).attribute, expected, text);
    }
    const spaced = '{"values": [1], "steps": [0]}';
    const metrics = `{"token": ${spaced}, "prompt_tokens": ${spaced}}`;
    assert.equal(
      policy.redactAttributes({ "dreadnode.metrics": metrics })["dreadnode.metrics"],
      `{"token": ${series}, "prompt_tokens": ${spaced}}`,
    );
  });
});
