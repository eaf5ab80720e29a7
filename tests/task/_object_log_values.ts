/**
 * Generated values for the object-store differential test: nested objects, strings with
 * surrogates, escapes and control characters, bytes, Maps, Sets, errors, Dates, non-finite
 * numbers, sensitive keys, values around the nesting limits and strings around the size limits
 * (10 KiB inline, 1 MiB span budget). Deterministic (seeded), so expected digests can be saved.
 *
 * @module
 */

/** A small seeded PRNG (mulberry32): the same values on every runtime. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  "a",
  "plain",
  " ",
  '"',
  "\\",
  "\n",
  "\t",
  "\u0000",
  "\u001f",
  "\u007f",
  "é",
  "€",
  "😀",
  "\ud800",
  "\udc00",
  "\ud83d",
  "\ude00",
  "</script>",
  '{"password":"x"}',
  "\u2028",
  "\ufffd",
];
const KEYS = [
  "id",
  "name",
  "password",
  "api_key",
  "__proto__",
  "0",
  "10",
  "é",
  "x y",
  "token",
  "msg",
];
const NUMBERS = [
  0,
  -0,
  1,
  -1,
  1.5,
  1e-7,
  1e-4,
  9.99e-5,
  1e21,
  1e16,
  2 ** 53,
  2 ** 53 - 1,
  123456789012345680000,
  0.1 + 0.2,
  -2.5e-5,
  1.7976931348623157e308,
  5e-324,
  NaN,
  Infinity,
  -Infinity,
];

/** One generated value. */
function generate(next: () => number, depth: number): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const text = () => Array.from({ length: Math.floor(next() * 8) }, () => pick(PIECES)).join("");
  const kind = Math.floor(next() * (depth > 4 ? 6 : 14));
  switch (kind) {
    case 0:
    case 1:
      return text();
    case 2:
      return pick(NUMBERS);
    case 3:
      return pick([true, false, null, undefined]);
    case 4:
      return new Uint8Array(Array.from({ length: Math.floor(next() * 20) }, () => next() * 256));
    case 5:
      return BigInt(Math.floor(next() * 1e6));
    case 6:
      return new Date(Math.floor(next() * 2e12));
    case 7: {
      const error = new Error(text(), next() < 0.5 ? { cause: generate(next, depth + 1) } : {});
      (error as Error & { code?: unknown }).code = text();
      error.stack = `Error: ${error.message}\n    at generated (values.ts:1:1)`; // The same anywhere.
      return error;
    }
    case 8:
      return new Map([[text(), generate(next, depth + 1)], [
        pick(KEYS),
        generate(next, depth + 1),
      ]]);
    case 9:
      return new Map<unknown, unknown>([[1, generate(next, depth + 1)], ["k", text()]]);
    case 10:
      return new Set([text(), generate(next, depth + 1)]);
    case 11:
    case 12:
      return Array.from({ length: Math.floor(next() * 5) }, () => generate(next, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      const n = Math.floor(next() * 5);
      for (let i = 0; i < n; i++) {
        Object.defineProperty(out, pick(KEYS) + (next() < 0.3 ? text() : ""), {
          value: generate(next, depth + 1),
          enumerable: true,
          configurable: true,
          writable: true,
        });
      }
      return out;
    }
  }
}

/** A value nested `levels` objects deep. */
function nested(levels: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { v: value };
  return value;
}

/** `count` code units of text: `unit` repeated, with `tail` at the end. */
function sized(count: number, unit: string, tail = ""): string {
  return unit.repeat(Math.ceil(count / unit.length)).slice(0, count - tail.length) + tail;
}

/**
 * The values: `count` generated ones, then hand-picked ones around the limits.
 *
 * @param count How many generated values.
 * @returns The values, in a fixed order.
 */
export function objectLogValues(count: number): unknown[] {
  const next = random(0x5eed);
  const values: unknown[] = Array.from({ length: count }, () => generate(next, 0));
  const MiB = 1024 * 1024;
  for (const n of [10 * 1024 - 3, 10 * 1024 + 1, MiB - 40, MiB - 3, MiB - 2, MiB + 5]) {
    values.push(sized(n, "ab"));
    values.push(sized(n, "ab", "é"));
    values.push({ big: sized(n, "xy"), after: 1 });
    values.push({ big: sized(n - 16, 'x"y'), after: "z" });
    values.push([sized(n >> 1, "é"), 2]);
  }
  for (const n of [6 * 1024, 256 * 1024, 700 * 1024, 800 * 1024]) {
    values.push(sized(n, "a😀"));
    values.push(sized(n, "a", "\ud800"));
    values.push({ rows: Array.from({ length: n >> 6 }, (_, i) => ({ i, s: sized(40, "é") })) });
    values.push(new Uint8Array(n).map((_, i) => i * 7));
  }
  for (const levels of [30, 31, 32, 33, 63, 64, 65]) {
    values.push(nested(levels, "leaf"));
    values.push(nested(levels, { password: "hunter2" }));
  }
  const boom = new Error("boom");
  boom.stack = "Error: boom\n    at generated (values.ts:2:1)";
  values.push({ when: new Date(0), n: NaN, e: boom, ok: 1 });
  values.push({ [sized(2000, "k")]: sized(5000, "v") });
  values.push({ password: sized(20 * 1024, "p"), keep: "me" });
  return values;
}
