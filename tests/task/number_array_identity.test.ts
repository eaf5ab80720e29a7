// Logging arrays of numbers (embeddings, score arrays) writes the same bytes as the code before
// its fast paths: object hashes, the hashed (blob) text, the inline span copy, the task's
// `dreadnode.objects` / `dreadnode.params` / `dreadnode.inputs` attributes, the JSONL line and the
// JSON lengths the task layer budgets with. The expected texts below were written by that code
// (tracelet b91e04a) and are CPython-compatible: the hashed texts of the small cases are what
// `json.dumps(value, separators=(",", ":"))` gives for the same values in Python (an
// integer-valued JavaScript number as a Python int). A text longer than 200 characters is given
// as `sha1:<its SHA-1>:<its length>`. Those tests pass on the old code by design; the last block,
// that each item of the array is read once (the old code walked a large array two or three
// times, printing each number each time), fails on it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { objectHashes } from "../../src/hash/object_hash.ts";
import { sha1Hex } from "../../src/hash/sha1.ts";
import { setRedactionPolicy } from "../../src/redact/global.ts";
import type { RedactionOptions } from "../../src/redact/options.ts";
import { jsonWithPythonNumbers } from "../../src/serialize/python_json.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { jsonLength } from "../../src/task/_json_length.ts";
import { serializedForSpan } from "../../src/task/_redact.ts";
import { ObjectStore, OMITTED_OBJECT_VALUE } from "../../src/task/objects.ts";
import { taskSpan } from "../../src/task/spans.ts";
import { withTaskEnv } from "../_support/task_env.ts";

/** `n` numbers uniform in [-1, 1) (about one in 10^4 below 1e-4), the same every run. */
function floats(n: number, seed = 1): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    out[i] = (seed / 2147483648) * 2 - 1;
  }
  return out;
}

/** Numbers JavaScript and Python write differently, or that sit on a boundary of a form. */
const TRICKY_FINITE: readonly number[] = [
  -0,
  0.1 + 0.2,
  1e-7,
  -1.5e-7,
  5e-324,
  1.7976931348623157e308,
  1e16,
  1e21,
  123456789012345680000,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 60,
  -(2 ** 63),
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
  4503599627370496.5,
  0.0001,
  0.00001,
  -0.000015,
  0.000001,
  9.99e-5,
  1e-6,
  123e-20,
  -1e-300,
  1.2e22,
  0.5,
  -3,
  100,
];

/** An array of `count` integers costing the serializer's budget `width + 1` each. */
function ints(count: number, width: number): number[] {
  return new Array<number>(count).fill(10 ** (width - 1));
}

/**
 * Arrays whose JSON meets the span copy's 1 MiB budget (1048576 bytes: 2 for the brackets, each
 * item its length and a comma) exactly: `left` bytes remain before item `at` the cut point, and
 * `after` more items follow. The items before it are 7- and 8-digit integers, the last of them
 * `odd` (when given, a number Python writes otherwise), and the items after are `odd` too.
 */
function atBudget(left: number, after: number, odd?: number): number[] {
  const last = odd === undefined ? [] : [odd];
  const spend = 1048576 - 2 - left - last.reduce((n, x) => n + String(x).length + 1, 0);
  const count = Math.floor(spend / 8);
  const items = ints(count, 7);
  for (let i = 0; i < spend - count * 8; i++) items[i] = 10_000_000; // one byte more each
  items.push(...last);
  for (let i = 0; i < after; i++) items.push(odd ?? 1234567);
  return items;
}

function sparse(): unknown[] {
  // deno-lint-ignore no-sparse-arrays
  const a: unknown[] = [1e-7, , 3];
  const b = new Array(6);
  b[2] = 1e21;
  b[5] = -0;
  return [...a, b, a];
}

/** The values logged, by name. Big ones are made when their test runs. */
const CASES: Record<string, () => unknown> = {
  "tricky finite numbers": () => [...TRICKY_FINITE],
  "tricky numbers with NaN and infinities": () => [...TRICKY_FINITE, NaN, Infinity, -Infinity],
  "-0": () => -0,
  "0.1 + 0.2": () => 0.1 + 0.2,
  "1e-7": () => 1e-7,
  "5e-324": () => 5e-324,
  "max double": () => 1.7976931348623157e308,
  "1e16": () => 1e16,
  "1e21": () => 1e21,
  "123456789012345680000": () => 123456789012345680000,
  "NaN": () => NaN,
  "Infinity": () => Infinity,
  "-Infinity": () => -Infinity,
  "2^60": () => 2 ** 60,
  "nested arrays": () => [[1e-7, 2], [3, [4e-5, [1e21, [-0]]]], [], [[0.1 + 0.2]]],
  "Float32Array": () => new Float32Array([1e-7, 0.1, -0, 3.4e38, NaN]),
  "Float64Array": () => new Float64Array([...TRICKY_FINITE, NaN, -Infinity]),
  "Int32Array": () => new Int32Array([0, -1, 2147483647, -2147483648]),
  "mixed with strings and null": () => [
    1e-7,
    "1e-7",
    null,
    "0.00001",
    "x\u00e9\u2028",
    { "1e-7": 1e-7, '"0.00001"': [0.00001, "a,1e+21]"] },
    true,
    '"1e-7"\\',
    2 ** 60,
    undefined,
  ],
  "sparse arrays": sparse,
  "object of number arrays": () => ({
    embedding: floats(40, 7),
    "k\u00e9y": [1e21, 1e-7],
    scores: [0.5, 0.25, 2 ** 60],
  }),
  "Number objects and toJSON items": () => [
    new Number(1e-7),
    { toJSON: () => 2 ** 60 },
    0.5,
  ],
  "3000 floats": () => floats(3000),
  "3000 floats with a NaN": () => floats(3000).map((x, i) => (i === 1500 ? NaN : x)),
  "3000 tiny floats": () => floats(3000, 3).map((x) => x * 1e-5),
  "3000 big integers": () => floats(3000, 5).map((x) => Math.round(x * 2 ** 62)),
  "3000 floats in [0.5, 1)": () => floats(3000, 9).map((x) => 0.75 + x / 4),
  "2000 pairs": () => Array.from({ length: 2000 }, (_, i) => [i * 1e-6, 2 ** 55 + i * 8]),
};

/** The values past the span copy's 1 MiB budget, one test each. */
const BIG_CASES: Record<string, () => unknown> = {
  "100k floats": () => floats(100_000),
  "100k floats in [0.5, 1)": () => floats(100_000, 9).map((x) => 0.75 + x / 4),
  "60k tiny floats": () => floats(60_000, 3).map((x) => x * 1e-5),
  "100k floats with a NaN": () => floats(100_000).map((x, i) => (i === 60_000 ? NaN : x)),
  "100k floats with an Infinity before the cut": () =>
    floats(100_000).map((x, i) => (i === 100 ? Infinity : x)),
  "budget exactly spent, one item after": () => atBudget(0, 1),
  "budget exactly spent, no item after": () => atBudget(0, 0),
  "budget exactly spent, odd numbers around": () => atBudget(0, 3, 1.5e-7),
  "one byte left, two items after": () => atBudget(1, 2),
  "one byte left, odd numbers after": () => atBudget(1, 2, 2 ** 60),
  "eight bytes left, one item after": () => atBudget(8, 1),
  "100k floats as an object's field": () => ({ scores: floats(100_000) }),
};

/** The value past the hashed form's 16 MiB budget. */
const HUGE_CASE = () => floats(900_000, 11).map((x) => x * 1e-4);

/** A text as the expectations give it: itself, or its SHA-1 and length when long. */
function print(text: string): string {
  return text.length <= 200 ? text : `sha1:${sha1Hex(text)}:${text.length}`;
}

/** What `fn` returns, as text, or the name of what it throws. */
function tried(fn: () => string | number | undefined): string {
  try {
    return String(fn());
  } catch (error) {
    return `throws ${(error as Error).name}`;
  }
}

/**
 * What the object store (inline, and with a blob store) makes of a value, and with `all` also its
 * hashed text, JSON length, JSON with Python's numbers and span copy as the helpers write them.
 */
async function storeForms(value: unknown, all = true): Promise<Record<string, string>> {
  const inline = new ObjectStore(undefined);
  const hash = inline.log(value, "scores");
  const storage = new MemoryStorage();
  const blobs = new ObjectStore(storage);
  blobs.log(value, "scores");
  await blobs.settled();
  const record = blobs.get(hash);
  const blob = record?.type === "uri"
    ? await storage.getBlob(record.uri.slice("storage:objects/".length))
    : undefined;
  const forms: Record<string, string> = {
    hash,
    record: print(JSON.stringify(inline.get(hash))),
    objects: print(jsonWithPythonNumbers(inline.objectsJson())),
    schemas: print(jsonWithPythonNumbers(inline.schemasJson())),
    blob: blob === undefined ? "none" : print(new TextDecoder().decode(blob)),
  };
  if (!all) return forms;
  return {
    ...forms,
    hashed: print(tried(() => {
      const bytes = objectHashes(value).bytes;
      return bytes === undefined ? "none" : new TextDecoder().decode(bytes);
    })),
    length: tried(() => jsonLength(value)),
    json: print(tried(() => jsonWithPythonNumbers(value))),
    span: print(JSON.stringify(serializedForSpan(value, "p"))),
  };
}

/** The task attributes a value logged as an input, an output and a param is written in. */
async function lineForms(value: unknown): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await withTaskEnv(async (env) => {
    const t = taskSpan("t", (t) => {
      t.logInput("scores", value);
      t.logOutput("out", value);
      t.logParam("p", value);
      t.logInput("api_key", value);
      return t;
    });
    await env.tracer.forceFlush();
    const [line] = await env.storage.readLines(["projects", "default", t.runId, "spans.jsonl"]);
    // The attributes as the line writes them, without the run's ids.
    const from = line.indexOf('"attributes": {');
    const attributes = line.slice(from, line.indexOf(', "events": [', from))
      .replaceAll(t.runId, "<run>");
    out.line = print(attributes);
    const flat = JSON.parse(line) as { attributes: Record<string, string> };
    for (const key of ["params", "inputs", "objects", "object_schemas"]) {
      out[key] = print(flat.attributes[`dreadnode.${key}`]);
    }
  });
  return out;
}

/**
 * Every form of a value under the default redaction policy, and under each of `policies` the forms
 * that differ from those.
 */
async function forms(
  value: unknown,
  policies: Record<string, RedactionOptions> = {},
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const add = (prefix: string, record: Record<string, string>) => {
    for (const [key, text] of Object.entries(record)) out[prefix + key] = text;
  };
  add("", await storeForms(value));
  add("task ", await lineForms(value));
  for (const [name, policy] of Object.entries(policies)) {
    const previous = setRedactionPolicy(policy);
    try {
      // Only the forms that differ from the default policy's.
      const own = await storeForms(value);
      for (const key of Object.keys(own)) if (own[key] === out[key]) delete own[key];
      add(`${name} `, own);
    } finally {
      setRedactionPolicy(previous);
    }
  }
  return out;
}

/** The redaction settings the small cases are also logged under. */
const POLICIES: Record<string, RedactionOptions> = {
  "redaction off:": { enabled: false },
  "8-character strings:": { maxStringLength: 8 },
};

function check(name: string, actual: Record<string, string>): void {
  const expected = EXPECTED[name];
  if (expected === undefined) {
    console.log(`MISSING ${JSON.stringify(name)}: ${JSON.stringify(actual)},`);
  }
  assert.deepEqual(actual, expected, name);
}

describe("logging arrays of numbers writes the same bytes as before its fast paths", () => {
  it("tricky numbers, typed arrays, mixed, nested and sparse arrays, small and 3000 items", async () => {
    const failed: string[] = [];
    for (const [name, make] of Object.entries(CASES)) {
      try {
        check(name, await forms(make(), POLICIES));
      } catch (error) {
        failed.push(`${name}: ${(error as Error).message}`);
      }
    }
    assert.deepEqual(failed, []);
  });

  for (const [name, make] of Object.entries(BIG_CASES)) {
    it(`${name}: the span copy cut at 1 MiB`, async () => check(name, await forms(make())));
  }

  it("the inline copies of number arrays fill the task's 4 MiB budget to the character", () => {
    // The three copies take 1048611 + 1048607 + 1048611 characters (as the code before the fast
    // paths measured them), the filler's JSON the 1048475 left: 131059 numbers of 7 digits but
    // four of 8 and a 1e-7 (`1e-07`, one character more than JavaScript's `1e-7`). The number
    // after it does not fit, nor would it with one character more.
    const store = new ObjectStore(undefined);
    for (const seed of [21, 22, 23]) store.log(floats(100_000, seed), "scores");
    const filler = ints(131059, 7);
    filler[0] =
      filler[1] =
      filler[3] =
      filler[4] =
        10_000_000;
    filler[2] = 1e-7;
    store.log(filler, "filler");
    const last = store.log(7, "last");
    const objects = store.objectsJson();
    assert.equal(store.dropped, 1);
    assert.deepEqual(
      Object.values(objects).map((o) => o.type === "val" && typeof o.value === "object"),
      [true, true, true, true, false],
    );
    assert.equal(objects[last].type === "val" && objects[last].value, OMITTED_OBJECT_VALUE);
    check("budget", { objects: print(jsonWithPythonNumbers(objects)) });
  });

  it("900k numbers: the hashed form cut at 16 MiB", async () => {
    check("900k small floats", await storeForms(HUGE_CASE(), false));
  });
});

describe("logging an array of numbers reads each item once", () => {
  /** `numbers` behind a proxy that counts the reads of each item. */
  function counted(numbers: number[]): { array: number[]; reads: Map<string, number> } {
    const reads = new Map<string, number>();
    const array = new Proxy(numbers, {
      get(target, key, receiver) {
        if (typeof key === "string" && /^\d+$/.test(key)) reads.set(key, (reads.get(key) ?? 0) + 1);
        return Reflect.get(target, key, receiver);
      },
    });
    return { array, reads };
  }

  /** How many items were read more than once. */
  const readTwice = (reads: Map<string, number>) => [...reads.values()].filter((n) => n > 1).length;

  it("as an input or output: past the span copy's 1 MiB, or holding a number Python writes otherwise", async () => {
    await withTaskEnv(() => {
      for (const numbers of [floats(100_000), [0.5, 1e-7, 2 ** 60]]) {
        const input = counted(numbers);
        const output = counted(numbers);
        taskSpan("t", (t) => {
          t.logInput("scores", input.array);
          t.logOutput("scores", output.array);
        });
        for (const { reads } of [input, output]) {
          assert.equal(reads.size, numbers.length);
          assert.equal(readTwice(reads), 0);
        }
      }
    });
  });

  it("as a param past the span copy's 1 MiB (the items past it are not read)", async () => {
    await withTaskEnv(() => {
      const param = counted(floats(100_000));
      taskSpan("t", (t) => void t.logParam("scores", param.array));
      assert.equal(param.reads.size, 53025);
      assert.equal(readTwice(param.reads), 0);
    });
  });
});

const EXPECTED: Record<string, Record<string, string>> = {
  "tricky finite numbers": {
    "hash": "9784a20b3e94b003",
    "record": "sha1:5a83e801a2eb9902653db2a165bef3d1a14a980e:411",
    "objects": "sha1:53f45b6c44f494d992a4d32945a3fe175921dffd:743",
    "schemas": '{"7c658fd1d7b34eb3":{"type":"array"}}',
    "blob": "none",
    "hashed": "sha1:3ec90d1d2fcbc463522ea892dfb4aed7945d9291:640",
    "length": "640",
    "json": "sha1:3ec90d1d2fcbc463522ea892dfb4aed7945d9291:640",
    "span": "sha1:b1cba150f6bea03ed460ee2fb0e275c8d82bf053:329",
    "task line": "sha1:a7609cd9439868a3297e92b4610f588b336c41de:2301",
    "task params": "sha1:1aefecf0b4eeacb547765548397ee74ca3eb79dd:646",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"9784a20b3e94b003","attributes":{}},{"name":"api_key","label":"api_key","hash":"5c352c1875d16ddf","attributes":{}}]',
    "task objects": "sha1:9efbc3752db4c4253d414e3d93ee8fc8e82eae0b:861",
    "task object_schemas": '{"7c658fd1d7b34eb3":{"type":"array"}}',
  },
  "tricky numbers with NaN and infinities": {
    "hash": "0543b37a84a37030",
    "record": "sha1:4632b49071c3464fd3d97b1cb9225e129424c090:440",
    "objects": "sha1:ee0d7295094efd91decfca8365005b325b141f82:772",
    "schemas": '{"7c658fd1d7b34eb3":{"type":"array"}}',
    "blob": "none",
    "hashed": "sha1:718df73dee68848fbd5d0df032afc17b62cfe1c5:663",
    "length": "655",
    "json": "sha1:0b99adcc67ec7d41d5c07e7089fc5e605ced5ba2:655",
    "span": "sha1:608e20bf9cd8519eb4c505f755ea8fcfcfd4b48b:358",
    "task line": "sha1:42d052d98d2ef27c590afc0b18b254d645facd52:2371",
    "task params": "sha1:166d997d6e26abdeb1e9be635dc713bc474ed39f:675",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"0543b37a84a37030","attributes":{}},{"name":"api_key","label":"api_key","hash":"5c352c1875d16ddf","attributes":{}}]',
    "task objects": "sha1:5916a6b6f5f60438c3bc8674d8a1db57bee6eea2:890",
    "task object_schemas": '{"7c658fd1d7b34eb3":{"type":"array"}}',
    "8-character strings: record": "sha1:84f42af40fccfc1a9fdf4a819f8e6e8dca02fed9:447",
    "8-character strings: objects": "sha1:f36b2041b846d35a4424988bc998be7ea406b1a0:779",
    "8-character strings: span": "sha1:f92f6d2675c7fe87b682a54ddd12275db6ede660:365",
  },
  "-0": {
    "hash": "569b583e04fe02b1",
    "record": '{"hash":"569b583e04fe02b1","schema_hash":"0000000000000000","value":0,"type":"val"}',
    "objects":
      '{"569b583e04fe02b1":{"hash":"569b583e04fe02b1","schema_hash":"0000000000000000","value":0,"type":"val"}}',
    "schemas": '{"0000000000000000":{}}',
    "blob": "none",
    "hashed": "0",
    "length": "1",
    "json": "0",
    "span": "0",
    "task line": "sha1:9d53a49b5c3c12146b37114b852153ac62ed743a:1005",
    "task params": '{"p":0}',
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"569b583e04fe02b1","attributes":{}},{"name":"api_key","label":"api_key","hash":"48eff1d848754a13","attributes":{}}]',
    "task objects": "sha1:c9bd8ddb6070aaaf7753b131df7a5a58b4a80b58:222",
    "task object_schemas": '{"0000000000000000":{}}',
  },
  "0.1 + 0.2": {
    "hash": "4c4f940d0efcbb36",
    "record":
      '{"hash":"4c4f940d0efcbb36","schema_hash":"0000000000000000","value":0.30000000000000004,"type":"val"}',
    "objects":
      '{"4c4f940d0efcbb36":{"hash":"4c4f940d0efcbb36","schema_hash":"0000000000000000","value":0.30000000000000004,"type":"val"}}',
    "schemas": '{"0000000000000000":{}}',
    "blob": "none",
    "hashed": "0.30000000000000004",
    "length": "19",
    "json": "0.30000000000000004",
    "span": "0.30000000000000004",
    "task line": "sha1:d413bb8c695aa1659f52ac3b2a7fdc50c8e7e379:1041",
    "task params": '{"p":0.30000000000000004}',
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"4c4f940d0efcbb36","attributes":{}},{"name":"api_key","label":"api_key","hash":"48eff1d848754a13","attributes":{}}]',
    "task objects": "sha1:4eda2f45a8b5cff3e88f8a4e6b28b3e7dd465724:240",
    "task object_schemas": '{"0000000000000000":{}}',
  },
  "1e-7": {
    "hash": "d63b9e99d6639623",
    "record":
      '{"hash":"d63b9e99d6639623","schema_hash":"0000000000000000","value":1e-7,"type":"val"}',
    "objects":
      '{"d63b9e99d6639623":{"hash":"d63b9e99d6639623","schema_hash":"0000000000000000","value":1e-07,"type":"val"}}',
    "schemas": '{"0000000000000000":{}}',
    "blob": "none",
    "hashed": "1e-07",
    "length": "5",
    "json": "1e-07",
    "span": "1e-7",
    "task line": "sha1:9a0c34f659f721ed444eb3f498b8149c5b67f955:1013",
    "task params": '{"p":1e-07}',
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"d63b9e99d6639623","attributes":{}},{"name":"api_key","label":"api_key","hash":"48eff1d848754a13","attributes":{}}]',
    "task objects": "sha1:c52d80d68efbaa387339cb01632964b2ee6b812f:226",
    "task object_schemas": '{"0000000000000000":{}}',
  },
  "5e-324": {
    "hash": "85619d0436a0b71b",
    "record":
      '{"hash":"85619d0436a0b71b","schema_hash":"0000000000000000","value":5e-324,"type":"val"}',
    "objects":
      '{"85619d0436a0b71b":{"hash":"85619d0436a0b71b","schema_hash":"0000000000000000","value":5e-324,"type":"val"}}',
    "schemas": '{"0000000000000000":{}}',
    "blob": "none",
    "hashed": "5e-324",
    "length": "6",
    "json": "5e-324",
    "span": "5e-324",
    "task line": "sha1:a4376d2e3125949e510c6c0d809eec425d647902:1015",
    "task params": '{"p":5e-324}',
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"85619d0436a0b71b","attributes":{}},{"name":"api_key","label":"api_key","hash":"48eff1d848754a13","attributes":{}}]',
    "task objects": "sha1:5599ec603f2675592aa57a1861c66a4e49287af0:227",
    "task object_schemas": '{"0000000000000000":{}}',
  },
  "max double": {
    "hash": "ba3ac2807a0375d5",
    "record":
      '{"hash":"ba3ac2807a0375d5","schema_hash":"0000000000000000","value":1.7976931348623157e+308,"type":"val"}',
    "objects": "sha1:c804f35bb23c56a5d090aed36d21a20e8395d36f:412",
    "schemas": '{"0000000000000000":{}}',
    "blob": "none",
    "hashed": "sha1:0cd3914948a40dc970b291b6cd5ec896f0b5a8a5:309",
    "length": "309",
    "json": "sha1:0cd3914948a40dc970b291b6cd5ec896f0b5a8a5:309",
    "span": "1.7976931348623157e+308",
    "task line": "sha1:49e73aec0da3fa1d4a9c9b7815795e732cf70ae1:1621",
    "task params": "sha1:a0f99e72ea6dfbd69083ffea6ad924bfa9c180f2:315",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"ba3ac2807a0375d5","attributes":{}},{"name":"api_key","label":"api_key","hash":"48eff1d848754a13","attributes":{}}]',
    "task objects": "sha1:3b37b9f791bc54a0996b3f40fdb5732299f2114f:530",
    "task object_schemas": '{"0000000000000000":{}}',
  },
  "1e16": {
    "hash": "4cf39ce4f899fe8c",
    "record":
      '{"hash":"4cf39ce4f899fe8c","schema_hash":"0000000000000000","value":10000000000000000,"type":"val"}',
    "objects":
      '{"4cf39ce4f899fe8c":{"hash":"4cf39ce4f899fe8c","schema_hash":"0000000000000000","value":10000000000000000,"type":"val"}}',
    "schemas": '{"0000000000000000":{}}',
    "blob": "none",
    "hashed": "10000000000000000",
    "length": "17",
    "json": "10000000000000000",
    "span": "10000000000000000",
    "task line": "sha1:a501ecaf908815e096b01116c4e32eb384ab1ac3:1037",
    "task params": '{"p":10000000000000000}',
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"4cf39ce4f899fe8c","attributes":{}},{"name":"api_key","label":"api_key","hash":"48eff1d848754a13","attributes":{}}]',
    "task objects": "sha1:8fc42bcbeb43f329dfd418858d5f3e7698131492:238",
    "task object_schemas": '{"0000000000000000":{}}',
  },
  "1e21": {
    "hash": "3e01a7ae07b1169a",
    "record":
      '{"hash":"3e01a7ae07b1169a","schema_hash":"0000000000000000","value":1e+21,"type":"val"}',
    "objects":
      '{"3e01a7ae07b1169a":{"hash":"3e01a7ae07b1169a","schema_hash":"0000000000000000","value":1000000000000000000000,"type":"val"}}',
    "schemas": '{"0000000000000000":{}}',
    "blob": "none",
    "hashed": "1000000000000000000000",
    "length": "22",
    "json": "1000000000000000000000",
    "span": "1e+21",
    "task line": "sha1:a00da48e3d9424dea0407fafe77a610ab982b096:1047",
    "task params": '{"p":1000000000000000000000}',
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"3e01a7ae07b1169a","attributes":{}},{"name":"api_key","label":"api_key","hash":"48eff1d848754a13","attributes":{}}]',
    "task objects": "sha1:bfc0b9fc7205a771f34f6a9b1ed0e110eaa6bab1:243",
    "task object_schemas": '{"0000000000000000":{}}',
  },
  "123456789012345680000": {
    "hash": "d4619b5df1ecb084",
    "record":
      '{"hash":"d4619b5df1ecb084","schema_hash":"0000000000000000","value":123456789012345680000,"type":"val"}',
    "objects":
      '{"d4619b5df1ecb084":{"hash":"d4619b5df1ecb084","schema_hash":"0000000000000000","value":123456789012345683968,"type":"val"}}',
    "schemas": '{"0000000000000000":{}}',
    "blob": "none",
    "hashed": "123456789012345683968",
    "length": "21",
    "json": "123456789012345683968",
    "span": "123456789012345680000",
    "task line": "sha1:160ec02f739066b38ce003cf461543afde98c1c9:1045",
    "task params": '{"p":123456789012345683968}',
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"d4619b5df1ecb084","attributes":{}},{"name":"api_key","label":"api_key","hash":"48eff1d848754a13","attributes":{}}]',
    "task objects": "sha1:e9db52f917fdd30d1c660c00057430f780ac35ae:242",
    "task object_schemas": '{"0000000000000000":{}}',
  },
  "NaN": {
    "hash": "1c00a8b2db7ec27e",
    "record":
      '{"hash":"1c00a8b2db7ec27e","schema_hash":"0000000000000000","value":"NaN","type":"val"}',
    "objects":
      '{"1c00a8b2db7ec27e":{"hash":"1c00a8b2db7ec27e","schema_hash":"0000000000000000","value":"NaN","type":"val"}}',
    "schemas": '{"0000000000000000":{}}',
    "blob": "none",
    "hashed": "nan",
    "length": "4",
    "json": "null",
    "span": '"NaN"',
    "task line": "sha1:1630f1872ab7e3e859893d6f9ff7b900548c7d38:1017",
    "task params": '{"p":"NaN"}',
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"1c00a8b2db7ec27e","attributes":{}},{"name":"api_key","label":"api_key","hash":"48eff1d848754a13","attributes":{}}]',
    "task objects": "sha1:f864f2abb80b123f9a6c97db203b6a3c5dbff511:226",
    "task object_schemas": '{"0000000000000000":{}}',
  },
  "Infinity": {
    "hash": "ae49e68316679f1c",
    "record":
      '{"hash":"ae49e68316679f1c","schema_hash":"0000000000000000","value":"Infinity","type":"val"}',
    "objects":
      '{"ae49e68316679f1c":{"hash":"ae49e68316679f1c","schema_hash":"0000000000000000","value":"Infinity","type":"val"}}',
    "schemas": '{"0000000000000000":{}}',
    "blob": "none",
    "hashed": "inf",
    "length": "4",
    "json": "null",
    "span": '"Infinity"',
    "task line": "sha1:0173833ff01bad9b0cbe6d2e65e4370ad5fece97:1027",
    "task params": '{"p":"Infinity"}',
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"ae49e68316679f1c","attributes":{}},{"name":"api_key","label":"api_key","hash":"48eff1d848754a13","attributes":{}}]',
    "task objects": "sha1:d271801122e111e67eb4dd0aa91bf4d95209f9cd:231",
    "task object_schemas": '{"0000000000000000":{}}',
  },
  "-Infinity": {
    "hash": "11c6eb75df7c5725",
    "record":
      '{"hash":"11c6eb75df7c5725","schema_hash":"0000000000000000","value":"-Infinity","type":"val"}',
    "objects":
      '{"11c6eb75df7c5725":{"hash":"11c6eb75df7c5725","schema_hash":"0000000000000000","value":"-Infinity","type":"val"}}',
    "schemas": '{"0000000000000000":{}}',
    "blob": "none",
    "hashed": "-inf",
    "length": "4",
    "json": "null",
    "span": '"-Infinity"',
    "task line": "sha1:5d93d4989882a3f4005a16411b09f5823a074216:1029",
    "task params": '{"p":"-Infinity"}',
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"11c6eb75df7c5725","attributes":{}},{"name":"api_key","label":"api_key","hash":"48eff1d848754a13","attributes":{}}]',
    "task objects": "sha1:6820847242ee3979b7a906921a1d3cf82cddf0c9:232",
    "task object_schemas": '{"0000000000000000":{}}',
    "8-character strings: record":
      '{"hash":"11c6eb75df7c5725","schema_hash":"0000000000000000","value":"...[truncated:9]","type":"val"}',
    "8-character strings: objects":
      '{"11c6eb75df7c5725":{"hash":"11c6eb75df7c5725","schema_hash":"0000000000000000","value":"...[truncated:9]","type":"val"}}',
    "8-character strings: span": '"...[truncated:9]"',
  },
  "2^60": {
    "hash": "e96293795d6e25e2",
    "record":
      '{"hash":"e96293795d6e25e2","schema_hash":"0000000000000000","value":1152921504606847000,"type":"val"}',
    "objects":
      '{"e96293795d6e25e2":{"hash":"e96293795d6e25e2","schema_hash":"0000000000000000","value":1152921504606846976,"type":"val"}}',
    "schemas": '{"0000000000000000":{}}',
    "blob": "none",
    "hashed": "1152921504606846976",
    "length": "19",
    "json": "1152921504606846976",
    "span": "1152921504606847000",
    "task line": "sha1:e54754997c571e5e9c43daa39a5d4e1981ef48ea:1041",
    "task params": '{"p":1152921504606846976}',
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"e96293795d6e25e2","attributes":{}},{"name":"api_key","label":"api_key","hash":"48eff1d848754a13","attributes":{}}]',
    "task objects": "sha1:a022750d0625af5f6a470f393321c4a03e5ed0d9:240",
    "task object_schemas": '{"0000000000000000":{}}',
  },
  "nested arrays": {
    "hash": "aa1ba38283092011",
    "record":
      '{"hash":"aa1ba38283092011","schema_hash":"2fc1c6367866d36a","value":[[1e-7,2],[3,[0.00004,[1e+21,[0]]]],[],[[0.30000000000000004]]],"type":"val"}',
    "objects":
      '{"aa1ba38283092011":{"hash":"aa1ba38283092011","schema_hash":"2fc1c6367866d36a","value":[[1e-07,2],[3,[4e-05,[1000000000000000000000,[0]]]],[],[[0.30000000000000004]]],"type":"val"}}',
    "schemas": "sha1:0caaa1b7b8b97743537c53b1d7d9b532b61f4b23:274",
    "blob": "none",
    "hashed": "[[1e-07,2],[3,[4e-05,[1000000000000000000000,[0]]]],[],[[0.30000000000000004]]]",
    "length": "79",
    "json": "[[1e-07,2],[3,[4e-05,[1000000000000000000000,[0]]]],[],[[0.30000000000000004]]]",
    "span": "[[1e-7,2],[3,[0.00004,[1e+21,[0]]]],[],[[0.30000000000000004]]]",
    "task line": "sha1:063d56bf88bf993a9f2b435775f9379b84b011ed:1470",
    "task params":
      '{"p":[[1e-07,2],[3,[4e-05,[1000000000000000000000,[0]]]],[],[[0.30000000000000004]]]}',
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"aa1ba38283092011","attributes":{}},{"name":"api_key","label":"api_key","hash":"cbfb42330ce1a48d","attributes":{}}]',
    "task objects": "sha1:cebd5f3a49af414d628d840575fc3efb323ba521:300",
    "task object_schemas": "sha1:0caaa1b7b8b97743537c53b1d7d9b532b61f4b23:274",
  },
  "Float32Array": {
    "hash": "3780a7c26b4ac0aa",
    "record":
      '{"hash":"3780a7c26b4ac0aa","schema_hash":"0bd71cae3c7fbe1e","value":"lb/WM83MzD0AAACAnsl/fwAAwH8=","type":"val"}',
    "objects":
      '{"3780a7c26b4ac0aa":{"hash":"3780a7c26b4ac0aa","schema_hash":"0bd71cae3c7fbe1e","value":"lb/WM83MzD0AAACAnsl/fwAAwH8=","type":"val"}}',
    "schemas":
      '{"0bd71cae3c7fbe1e":{"type":"string","contentEncoding":"base64","title":"Float32Array"}}',
    "blob": "none",
    "hashed": "lb/WM83MzD0AAACAnsl/fwAAwH8=",
    "length": "111",
    "json":
      '{"0":1.0000000116860974e-07,"1":0.10000000149011612,"2":0,"3":339999995214436424907732413799364296704,"4":null}',
    "span": '"lb/WM83MzD0AAACAnsl/fwAAwH8="',
    "task line": "sha1:d6848d7a364ba1b6f01cb368e7da19f312ac9c76:1144",
    "task params": '{"p":"lb/WM83MzD0AAACAnsl/fwAAwH8="}',
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"3780a7c26b4ac0aa","attributes":{}},{"name":"api_key","label":"api_key","hash":"fd850abac5a2d86a","attributes":{}}]',
    "task objects": "sha1:cb1e6f142f677031882aa78abd286aa65b0e3bc9:251",
    "task object_schemas":
      '{"0bd71cae3c7fbe1e":{"type":"string","contentEncoding":"base64","title":"Float32Array"}}',
    "8-character strings: record":
      '{"hash":"3780a7c26b4ac0aa","schema_hash":"0bd71cae3c7fbe1e","value":"...[truncated:28]","type":"val"}',
    "8-character strings: objects":
      '{"3780a7c26b4ac0aa":{"hash":"3780a7c26b4ac0aa","schema_hash":"0bd71cae3c7fbe1e","value":"...[truncated:28]","type":"val"}}',
    "8-character strings: span": '"...[truncated:28]"',
    // Cut on the span under this policy: stored whole as a blob (see inline_objects_whole).
    "8-character strings: blob": "lb/WM83MzD0AAACAnsl/fwAAwH8=",
  },
  "Float64Array": {
    "hash": "f9f60d93c3d27b79",
    "record": "sha1:29e181cd997d9734083c02197ac7c9c5cd1b3042:404",
    "objects": "sha1:898a35f862d0eb07ec0ce5f5b00f1890911f9ceb:425",
    "schemas":
      '{"b27fe4c8050d8e46":{"type":"string","contentEncoding":"base64","title":"Float64Array"}}',
    "blob": "none",
    "hashed": "sha1:6d119081060817ac91713747087319fe0cfd5606:320",
    "length": "790",
    "json": "sha1:36a0cb2156409248e1f26d01d646647931947d1e:790",
    "span": "sha1:c03fa90f4783263488a78bb001078fc3b5c2be04:322",
    "task line": "sha1:59f6a00bc39ecabe5aff4149382e590a2f645398:1728",
    "task params": "sha1:44ab16c87ad5f85353b7d3cec0599de60c851e3f:328",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"f9f60d93c3d27b79","attributes":{}},{"name":"api_key","label":"api_key","hash":"fa3d90a15829f69f","attributes":{}}]',
    "task objects": "sha1:19dfd32665cb2ca03a4373b56292d928ff00f76e:543",
    "task object_schemas":
      '{"b27fe4c8050d8e46":{"type":"string","contentEncoding":"base64","title":"Float64Array"}}',
    "8-character strings: record":
      '{"hash":"f9f60d93c3d27b79","schema_hash":"b27fe4c8050d8e46","value":"...[truncated:320]","type":"val"}',
    "8-character strings: objects":
      '{"f9f60d93c3d27b79":{"hash":"f9f60d93c3d27b79","schema_hash":"b27fe4c8050d8e46","value":"...[truncated:320]","type":"val"}}',
    "8-character strings: span": '"...[truncated:320]"',
    // Cut on the span under this policy: stored whole as a blob (see inline_objects_whole).
    "8-character strings: blob": "sha1:6d119081060817ac91713747087319fe0cfd5606:320",
  },
  "Int32Array": {
    "hash": "62f45c6d981ae4a3",
    "record":
      '{"hash":"62f45c6d981ae4a3","schema_hash":"9c4f7da29458b966","value":"AAAAAP////////9/AAAAgA==","type":"val"}',
    "objects":
      '{"62f45c6d981ae4a3":{"hash":"62f45c6d981ae4a3","schema_hash":"9c4f7da29458b966","value":"AAAAAP////////9/AAAAgA==","type":"val"}}',
    "schemas":
      '{"9c4f7da29458b966":{"type":"string","contentEncoding":"base64","title":"Int32Array"}}',
    "blob": "none",
    "hashed": "AAAAAP////////9/AAAAgA==",
    "length": "45",
    "json": '{"0":0,"1":-1,"2":2147483647,"3":-2147483648}',
    "span": '"AAAAAP////////9/AAAAgA=="',
    "task line": "sha1:d2c96885c6203399dccd943c377017e0d04a6f19:1134",
    "task params": '{"p":"AAAAAP////////9/AAAAgA=="}',
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"62f45c6d981ae4a3","attributes":{}},{"name":"api_key","label":"api_key","hash":"26900794ae897582","attributes":{}}]',
    "task objects": "sha1:3658cd6cffceeaac5e41ff8bddfcb7bf3478c714:247",
    "task object_schemas":
      '{"9c4f7da29458b966":{"type":"string","contentEncoding":"base64","title":"Int32Array"}}',
    "8-character strings: record":
      '{"hash":"62f45c6d981ae4a3","schema_hash":"9c4f7da29458b966","value":"...[truncated:24]","type":"val"}',
    "8-character strings: objects":
      '{"62f45c6d981ae4a3":{"hash":"62f45c6d981ae4a3","schema_hash":"9c4f7da29458b966","value":"...[truncated:24]","type":"val"}}',
    "8-character strings: span": '"...[truncated:24]"',
    // Cut on the span under this policy: stored whole as a blob (see inline_objects_whole).
    "8-character strings: blob": "AAAAAP////////9/AAAAgA==",
  },
  "mixed with strings and null": {
    "hash": "b51b5206eefd55eb",
    "record": "sha1:6d99c04f22d5895e9dfbaa6780c06d6317971811:208",
    "objects": "sha1:fc87bca78afdfe551ef55d7269daf4c4841936af:229",
    "schemas":
      '{"6196f0413c9f7572":{"type":"array","items":{"type":"object","properties":{"\\"0.00001\\"":{"type":"array"}}}}}',
    "blob": "none",
    "hashed":
      '[1e-07,"1e-7",null,"0.00001","x\\u00e9\\u2028",{"1e-7":1e-07,"\\"0.00001\\"":[1e-05,"a,1e+21]"]},true,"\\"1e-7\\"\\\\",1152921504606846976,null]',
    "length": "126",
    "json":
      '[1e-07,"1e-7",null,"0.00001","x\u00e9\u2028",{"1e-7":1e-07,"\\"0.00001\\"":[1e-05,"a,1e+21]"]},true,"\\"1e-7\\"\\\\",1152921504606846976,null]',
    "span":
      '[1e-7,"1e-7",null,"0.00001","x\u00e9\u2028",{"1e-7":1e-7,"\\"0.00001\\"":[0.00001,"a,1e+21]"]},true,"\\"1e-7\\"\\\\",1152921504606847000,null]',
    "task line": "sha1:abe17c499dbe2ae5b4b3fed1a326fb14f64ce948:1431",
    "task params":
      '{"p":[1e-07,"1e-7",null,"0.00001","x\u00e9\u2028",{"1e-7":1e-07,"\\"0.00001\\"":[1e-05,"a,1e+21]"]},true,"\\"1e-7\\"\\\\",1152921504606846976,null]}',
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"b51b5206eefd55eb","attributes":{}},{"name":"api_key","label":"api_key","hash":"2d5aa35033d657c9","attributes":{}}]',
    "task objects": "sha1:8985d08f5f5b92930a41b8b8ffdf5fdf0d8fb5fb:347",
    "task object_schemas":
      '{"6196f0413c9f7572":{"type":"array","items":{"type":"object","properties":{"\\"0.00001\\"":{"type":"array"}}}}}',
  },
  "sparse arrays": {
    "hash": "420e3ea8d57784ff",
    "record":
      '{"hash":"420e3ea8d57784ff","schema_hash":"4ee21f6b50851f4d","value":[1e-7,null,3,[null,null,1e+21,null,null,0],[1e-7,null,3]],"type":"val"}',
    "objects":
      '{"420e3ea8d57784ff":{"hash":"420e3ea8d57784ff","schema_hash":"4ee21f6b50851f4d","value":[1e-07,null,3,[null,null,1000000000000000000000,null,null,0],[1e-07,null,3]],"type":"val"}}',
    "schemas": '{"4ee21f6b50851f4d":{"type":"array","items":{"type":"array"}}}',
    "blob": "none",
    "hashed": "[1e-07,null,3,[null,null,1000000000000000000000,null,null,0],[1e-07,null,3]]",
    "length": "76",
    "json": "[1e-07,null,3,[null,null,1000000000000000000000,null,null,0],[1e-07,null,3]]",
    "span": "[1e-7,null,3,[null,null,1e+21,null,null,0],[1e-7,null,3]]",
    "task line": "sha1:a5601303e42b68bdc21c8fda4532001a363f66c4:1204",
    "task params":
      '{"p":[1e-07,null,3,[null,null,1000000000000000000000,null,null,0],[1e-07,null,3]]}',
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"420e3ea8d57784ff","attributes":{}},{"name":"api_key","label":"api_key","hash":"69a565bfa4585e54","attributes":{}}]',
    "task objects": "sha1:2ea4dfdb23c06410eeccfc8946215fd87ddca56a:297",
    "task object_schemas": '{"4ee21f6b50851f4d":{"type":"array","items":{"type":"array"}}}',
  },
  "object of number arrays": {
    "hash": "e71a1f517699f4b8",
    "record": "sha1:da0d7cdf9ffa4ed7f5d03a61626486eb5f4544a2:936",
    "objects": "sha1:3ec69c300277c087afe5d1c39c8087cfab4872fc:975",
    "schemas":
      '{"5ce58cca5ec837b7":{"type":"object","properties":{"embedding":{"type":"array","items":{"type":"number"}},"k\u00e9y":{"type":"array"},"scores":{"type":"array"}}}}',
    "blob": "none",
    "hashed": "sha1:8cb78d0a17e90d6521b341a476d384a9198ed46c:877",
    "length": "872",
    "json": "sha1:05a98eed6cdc6da2e94986331b6ae19f04c0e810:872",
    "span": "sha1:46794bdf8b6e6de4ae8f2f79421a72eeb0990a59:854",
    "task line": "sha1:77b75bd945435f338f355a57d98566660831e532:2938",
    "task params": "sha1:f5ac5926229215d96e442ba79987546383c1ab4f:878",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"e71a1f517699f4b8","attributes":{}},{"name":"api_key","label":"api_key","hash":"33e856b4dbf1be01","attributes":{}}]',
    "task objects": "sha1:36eb9158eb9dd6651932071c8d6e2d9f9794f140:1093",
    "task object_schemas":
      '{"5ce58cca5ec837b7":{"type":"object","properties":{"embedding":{"type":"array","items":{"type":"number"}},"k\u00e9y":{"type":"array"},"scores":{"type":"array"}}}}',
  },
  "Number objects and toJSON items": {
    "hash": "52ec0aed0c4c29c7",
    "record":
      '{"hash":"52ec0aed0c4c29c7","schema_hash":"7c658fd1d7b34eb3","value":[1e-7,1152921504606847000,0.5],"type":"val"}',
    "objects":
      '{"52ec0aed0c4c29c7":{"hash":"52ec0aed0c4c29c7","schema_hash":"7c658fd1d7b34eb3","value":[1e-07,1152921504606846976,0.5],"type":"val"}}',
    "schemas": '{"7c658fd1d7b34eb3":{"type":"array"}}',
    "blob": "none",
    "hashed": "[1e-07,1152921504606846976,0.5]",
    "length": "31",
    "json": "[1e-07,1152921504606846976,0.5]",
    "span": "[1e-7,1152921504606847000,0.5]",
    "task line": "sha1:1fab75c49000f679658b3b8f3ffbd30a86e665d9:1083",
    "task params": '{"p":[1e-07,1152921504606846976,0.5]}',
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"52ec0aed0c4c29c7","attributes":{}},{"name":"api_key","label":"api_key","hash":"5c352c1875d16ddf","attributes":{}}]',
    "task objects": "sha1:f7e9e808324e739b0581d747346d0b1f5f4d26f3:252",
    "task object_schemas": '{"7c658fd1d7b34eb3":{"type":"array"}}',
  },
  "3000 floats": {
    "hash": "ab017445b5f6f59d",
    "record": "sha1:39c60c35301411d4a8ea5280c7e4c09f3048e8c6:59353",
    "objects": "sha1:9eee78e8666c465421f1e1e6b34e37647f376ba1:59374",
    "schemas": '{"f1e13a9229fd5236":{"type":"array","items":{"type":"number"}}}',
    "blob": "sha1:0bf8db1d0ce02aac5cb7feda2df7931b6da2a37e:59271",
    "hashed": "sha1:0bf8db1d0ce02aac5cb7feda2df7931b6da2a37e:59271",
    "length": "59271",
    "json": "sha1:0bf8db1d0ce02aac5cb7feda2df7931b6da2a37e:59271",
    "span": "sha1:0bf8db1d0ce02aac5cb7feda2df7931b6da2a37e:59271",
    "task line": "sha1:76a38c9bdb088098bcdc0fce61053c501324863c:119595",
    "task params": "sha1:313a10c9277110e6de4eed6bb6569cc33bf7bfd1:59277",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"ab017445b5f6f59d","attributes":{}},{"name":"api_key","label":"api_key","hash":"918f00a910b1f204","attributes":{}}]',
    "task objects": "sha1:ee941cadf50946628d8ff298c847098a0db1084d:59492",
    "task object_schemas": '{"f1e13a9229fd5236":{"type":"array","items":{"type":"number"}}}',
  },
  "3000 floats with a NaN": {
    "hash": "ef603a75cabdb569",
    "record": "sha1:00d54c220d4b3d70129ab94c7dc08eeb6c8a4b6e:59339",
    "objects": "sha1:994b488fc909f86da199423964cc7a11ca304c40:59360",
    "schemas": '{"f1e13a9229fd5236":{"type":"array","items":{"type":"number"}}}',
    "blob": "sha1:077abc8ba87d67986a0fa4957494fa235e5f963a:59255",
    "hashed": "sha1:077abc8ba87d67986a0fa4957494fa235e5f963a:59255",
    "length": "59256",
    "json": "sha1:00f9192fcb16f85460a414212253995405f44f22:59256",
    "span": "sha1:460f558998e77fc6bbd2cd69eb16c8bf0dd98ee1:59257",
    "task line": "sha1:61f6b43f3a2bd22f5d7d926c59153fa9fe54c619:119571",
    "task params": "sha1:aa71d5c67937d8e3ad4960ab3054a24b3f105eb1:59263",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"ef603a75cabdb569","attributes":{}},{"name":"api_key","label":"api_key","hash":"918f00a910b1f204","attributes":{}}]',
    "task objects": "sha1:d4fb90a106bd1574508005ec694ed6c15307715c:59478",
    "task object_schemas": '{"f1e13a9229fd5236":{"type":"array","items":{"type":"number"}}}',
  },
  "3000 tiny floats": {
    "hash": "d9f60943604bcc9b",
    "record": "sha1:5df376ee2f60125c77e1b93c02a5e4715a467145:73125",
    "objects": "sha1:e310e8d20fd2afb234ced8a93296c9b4c7a15ab2:68085",
    "schemas": '{"f1e13a9229fd5236":{"type":"array","items":{"type":"number"}}}',
    "blob": "sha1:431f11b7bd88f6467f15cd49cebe0894ecd29f8c:67982",
    "hashed": "sha1:431f11b7bd88f6467f15cd49cebe0894ecd29f8c:67982",
    "length": "67982",
    "json": "sha1:431f11b7bd88f6467f15cd49cebe0894ecd29f8c:67982",
    "span": "sha1:f935af91b280d24a7546f62faaeb7fa2aff23606:73043",
    "task line": "sha1:fac2904d79998c899c688ecbbb83f43dad7a46ab:137017",
    "task params": "sha1:c906cd32cc91b3d888ffe497c20b0c392687fd79:67988",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"d9f60943604bcc9b","attributes":{}},{"name":"api_key","label":"api_key","hash":"918f00a910b1f204","attributes":{}}]',
    "task objects": "sha1:3db35c5b4cfcf7596e9081988748d5cecbb225fd:68203",
    "task object_schemas": '{"f1e13a9229fd5236":{"type":"array","items":{"type":"number"}}}',
  },
  "3000 big integers": {
    "hash": "8aa0424a9caed815",
    "record": "sha1:3ded47bad4d55a6844f5705c2adca7c33cfb54d5:60861",
    "objects": "sha1:b1fa1d6868353791c3a5a21db04280b706ddd96e:60882",
    "schemas": '{"c771e1726fbd8e27":{"type":"array","items":{"type":"integer"}}}',
    "blob": "sha1:36488f65ba2a8e5ad98f188ed22ad3d1487704d4:60779",
    "hashed": "sha1:36488f65ba2a8e5ad98f188ed22ad3d1487704d4:60779",
    "length": "60779",
    "json": "sha1:36488f65ba2a8e5ad98f188ed22ad3d1487704d4:60779",
    "span": "sha1:f1aebabbb6e27685e889af1b8b6bb457d4161f57:60779",
    "task line": "sha1:4d2cea4123237e85502ff991c16d58e779633606:122612",
    "task params": "sha1:be99e095c8d62bcf7d5283dd63c8bd75d90d713d:60785",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"8aa0424a9caed815","attributes":{}},{"name":"api_key","label":"api_key","hash":"22df6742da34997d","attributes":{}}]',
    "task objects": "sha1:f1381ac746a47d79f25355f9379d91e14496cc7f:61000",
    "task object_schemas": '{"c771e1726fbd8e27":{"type":"array","items":{"type":"integer"}}}',
  },
  "3000 floats in [0.5, 1)": {
    "hash": "277671ea9153a854",
    "record": "sha1:b00ac7cd08951846714bafc047e7c43061f23381:56570",
    "objects": "sha1:c014c03bf79a0ed1e5fef7cc8591032faeb9aeba:56591",
    "schemas": '{"f1e13a9229fd5236":{"type":"array","items":{"type":"number"}}}',
    "blob": "sha1:2dded053500291a96594797de73a7019b978cfd1:56488",
    "hashed": "sha1:2dded053500291a96594797de73a7019b978cfd1:56488",
    "length": "56488",
    "json": "sha1:2dded053500291a96594797de73a7019b978cfd1:56488",
    "span": "sha1:2dded053500291a96594797de73a7019b978cfd1:56488",
    "task line": "sha1:d7d4e2e8994bec36768e513bdb12d86bc5003724:114029",
    "task params": "sha1:312302bb118b8d5d7644339a5cf4233efa276c83:56494",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"277671ea9153a854","attributes":{}},{"name":"api_key","label":"api_key","hash":"918f00a910b1f204","attributes":{}}]',
    "task objects": "sha1:6b7619296da832e1daafba00445f7f7a990dbb1a:56709",
    "task object_schemas": '{"f1e13a9229fd5236":{"type":"array","items":{"type":"number"}}}',
  },
  "2000 pairs": {
    "hash": "ac3e0826c6441cfb",
    "record": "sha1:b86619151051cfa63bba75e21c32c57342813d6d:65928",
    "objects": "sha1:cc4d5a044587450b6536e27f0761a8294045087d:65830",
    "schemas": "sha1:7ea266d28baa7ee33e5c7ae243360507d565beb5:34080",
    "blob": "sha1:3d1464159becf6cd1b1b859cf196901ed7ce1d6d:65727",
    "hashed": "sha1:3d1464159becf6cd1b1b859cf196901ed7ce1d6d:65727",
    "length": "65727",
    "json": "sha1:3d1464159becf6cd1b1b859cf196901ed7ce1d6d:65727",
    "span": "sha1:2ab5f842f90301d5757807c628dd947397feb4e1:65846",
    "task line": "sha1:991fa69bbf769c5df46aac8ced607558ce62d304:174526",
    "task params": "sha1:b27b17790a89f4072255851e7d847a4db98387f1:65733",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"ac3e0826c6441cfb","attributes":{}},{"name":"api_key","label":"api_key","hash":"9593673cc5a38135","attributes":{}}]',
    "task objects": "sha1:52dd77966402fed2903386c5cd8a90dc9eef98a6:65948",
    "task object_schemas": "sha1:7ea266d28baa7ee33e5c7ae243360507d565beb5:34080",
  },
  "100k floats": {
    "hash": "005d132be57651af",
    "record": "sha1:89f1b391be3476579b9513090b616ee7cf3d7dc6:1048692",
    "objects": "sha1:357f150d79e6f90025e858d6cf8493c64be56689:1048703",
    "schemas": '{"f1e13a9229fd5236":{"type":"array","items":{"type":"number"}}}',
    "blob": "sha1:e67306b9aaad9dcc0aaf5251ac14dfc7746d9a53:1977545",
    "hashed": "sha1:e67306b9aaad9dcc0aaf5251ac14dfc7746d9a53:1977545",
    "length": "1977545",
    "json": "sha1:e67306b9aaad9dcc0aaf5251ac14dfc7746d9a53:1977545",
    "span": "sha1:875c3414032d5d4f8cc3048dad52f161ea8d6674:1048610",
    "task line": "sha1:2ce6e7d11e8af58ca206400eb8947d34ea076601:2098257",
    "task params": "sha1:f8013ac80800b6e7fbf4cee709ef20629ef4e89a:1048606",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"005d132be57651af","attributes":{}},{"name":"api_key","label":"api_key","hash":"918f00a910b1f204","attributes":{}}]',
    "task objects": "sha1:62c1ba61bb140e978ee7fe038126bcf9dcbc5ca2:1048821",
    "task object_schemas": '{"f1e13a9229fd5236":{"type":"array","items":{"type":"number"}}}',
  },
  "100k floats in [0.5, 1)": {
    "hash": "a08c24d7bba265e7",
    "record": "sha1:be2993317b5748262ccadc1af4db4a8f99257085:1048699",
    "objects": "sha1:2605810cf483d3b08e84897be0941aa58d5cb427:1048720",
    "schemas": '{"f1e13a9229fd5236":{"type":"array","items":{"type":"number"}}}',
    "blob": "sha1:9639c3d73de7e35b4dd71d79bad89c880c1b5e5f:1883173",
    "hashed": "sha1:9639c3d73de7e35b4dd71d79bad89c880c1b5e5f:1883173",
    "length": "1883173",
    "json": "sha1:9639c3d73de7e35b4dd71d79bad89c880c1b5e5f:1883173",
    "span": "sha1:76bf8c994d4386e66dbe1d9575ab38616c16820c:1048617",
    "task line": "sha1:49c1c1d6651d8af061061b4706585606d1329e6d:2098291",
    "task params": "sha1:5d8a449b01ff4254397abf7d6fae54fb6d6b9d61:1048623",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"a08c24d7bba265e7","attributes":{}},{"name":"api_key","label":"api_key","hash":"918f00a910b1f204","attributes":{}}]',
    "task objects": "sha1:f120b201181c2c8f39eb105b1b74d69ada540400:1048838",
    "task object_schemas": '{"f1e13a9229fd5236":{"type":"array","items":{"type":"number"}}}',
  },
  "60k tiny floats": {
    "hash": "0272c1a7e0fe1556",
    "record": "sha1:95c3de15e97281021725be49c7ec18f9e31c0125:1048708",
    "objects": "sha1:4d5d31b880f7cfb713ac86a385d8bbdb60009a96:975601",
    "schemas": '{"f1e13a9229fd5236":{"type":"array","items":{"type":"number"}}}',
    "blob": "sha1:a845b8c97962b5a413f8d0bbd170c59158a31088:1359968",
    "hashed": "sha1:a845b8c97962b5a413f8d0bbd170c59158a31088:1359968",
    "length": "1359968",
    "json": "sha1:a845b8c97962b5a413f8d0bbd170c59158a31088:1359968",
    "span": "sha1:c5039325275f7438ecd81c6f692ed522caed5594:1048626",
    "task line": "sha1:efce4a1c44ca7cfbd8407059e7dde43d43e45172:1952053",
    "task params": "sha1:85122a0859993862fb1479d86c1b6990669e8f96:975504",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"0272c1a7e0fe1556","attributes":{}},{"name":"api_key","label":"api_key","hash":"918f00a910b1f204","attributes":{}}]',
    "task objects": "sha1:6082fa9550f12e24557592af31a764604f2273eb:975719",
    "task object_schemas": '{"f1e13a9229fd5236":{"type":"array","items":{"type":"number"}}}',
  },
  "100k floats with a NaN": {
    "hash": "bbc0e723a4b4075c",
    "record": "sha1:a7c0d32cf2b557d3efeeffb50b5621196cdc75f4:1048692",
    "objects": "sha1:34b9b8d408e7e08127a5a07b931111f60f8b9532:1048703",
    "schemas": '{"f1e13a9229fd5236":{"type":"array","items":{"type":"number"}}}',
    "blob": "sha1:152230d245fcc04e810a5d633efd9160bffca006:1977528",
    "hashed": "sha1:152230d245fcc04e810a5d633efd9160bffca006:1977528",
    "length": "1977529",
    "json": "sha1:c7e26b1b948fbc96e73db973aa12cd1dd53ac400:1977529",
    "span": "sha1:875c3414032d5d4f8cc3048dad52f161ea8d6674:1048610",
    "task line": "sha1:ba463b6603d1b4a2531f873f50720f56ae0bfd19:2098257",
    "task params": "sha1:f8013ac80800b6e7fbf4cee709ef20629ef4e89a:1048606",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"bbc0e723a4b4075c","attributes":{}},{"name":"api_key","label":"api_key","hash":"918f00a910b1f204","attributes":{}}]',
    "task objects": "sha1:583e497ad58e4845717ae15a461bcdf0dee27be0:1048821",
    "task object_schemas": '{"f1e13a9229fd5236":{"type":"array","items":{"type":"number"}}}',
  },
  "100k floats with an Infinity before the cut": {
    "hash": "d9bc8a77e09284bc",
    "record": "sha1:6c98eb3b63b5be75aaaa669ee8743fd6864bf2ac:1048700",
    "objects": "sha1:c3f9c7d1e41802b4aff69fe945a0bfd2eb09a6a7:1048711",
    "schemas": '{"f1e13a9229fd5236":{"type":"array","items":{"type":"number"}}}',
    "blob": "sha1:ce448b60536098208241ad62daf6c9ed6d06f963:1977532",
    "hashed": "sha1:ce448b60536098208241ad62daf6c9ed6d06f963:1977532",
    "length": "1977528",
    "json": "sha1:19317d41cff7c1395560621c5bd0b34ce020a830:1977528",
    "span": "sha1:011cbb47d275baecb12f67ca05d932f579bad86a:1048618",
    "task line": "sha1:e80c8238c01038899f03d95abc950ddea0185672:2098277",
    "task params": "sha1:a61a9292c08b65f2cbf82f2f8b806a4d2d06d2a3:1048614",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"d9bc8a77e09284bc","attributes":{}},{"name":"api_key","label":"api_key","hash":"918f00a910b1f204","attributes":{}}]',
    "task objects": "sha1:9b1c53a7f8b597513104bdc17f421b66caece239:1048829",
    "task object_schemas": '{"f1e13a9229fd5236":{"type":"array","items":{"type":"number"}}}',
  },
  "budget exactly spent, one item after": {
    "hash": "e263ce3f068e24f4",
    "record": "sha1:d5c8c6665caa41837d992a68f92b2f92b81e8f58:1048685",
    "objects": "sha1:da0b05de70fed173c93141f133b9e67fa266dc4f:1048706",
    "schemas": '{"c771e1726fbd8e27":{"type":"array","items":{"type":"integer"}}}',
    "blob": "sha1:de635669d6c64ad6460e83469e7b3c799dd09e3a:1048583",
    "hashed": "sha1:de635669d6c64ad6460e83469e7b3c799dd09e3a:1048583",
    "length": "1048583",
    "json": "sha1:de635669d6c64ad6460e83469e7b3c799dd09e3a:1048583",
    "span": "sha1:7c9c7a5f2e60d73278304eea4e4cae2f5f0d1158:1048603",
    "task line": "sha1:3597fedd237863d78e34a3f9b1212a6c611760a8:2098264",
    "task params": "sha1:7a979d0b9d4ec56c0805a5db7602c939042b4372:1048609",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"e263ce3f068e24f4","attributes":{}},{"name":"api_key","label":"api_key","hash":"22df6742da34997d","attributes":{}}]',
    "task objects": "sha1:0be7759ea8ecfaaa83903b683a33027b795a704d:1048824",
    "task object_schemas": '{"c771e1726fbd8e27":{"type":"array","items":{"type":"integer"}}}',
  },
  "budget exactly spent, no item after": {
    "hash": "ea620cbb3aaed436",
    "record": "sha1:23c83d4ed8417b0d66644c3dcbdcae60048d8855:1048657",
    "objects": "sha1:c783e9907e2b020ab164d4860b14111a7233131e:1048678",
    "schemas": '{"c771e1726fbd8e27":{"type":"array","items":{"type":"integer"}}}',
    "blob": "sha1:34b326843674a27c4702b84ea9eb61f6d76a1693:1048575",
    "hashed": "sha1:34b326843674a27c4702b84ea9eb61f6d76a1693:1048575",
    "length": "1048575",
    "json": "sha1:34b326843674a27c4702b84ea9eb61f6d76a1693:1048575",
    "span": "sha1:34b326843674a27c4702b84ea9eb61f6d76a1693:1048575",
    "task line": "sha1:8ee49fe4fc0fc4c3898de2e9df99a35770440c1e:2098204",
    "task params": "sha1:37f74f9d6c2a8d2e5495a869dab91d30cba58865:1048581",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"ea620cbb3aaed436","attributes":{}},{"name":"api_key","label":"api_key","hash":"22df6742da34997d","attributes":{}}]',
    "task objects": "sha1:c12603e9f0ff0794f7b7d50e79fe14d0ccaa4c4a:1048796",
    "task object_schemas": '{"c771e1726fbd8e27":{"type":"array","items":{"type":"integer"}}}',
  },
  "budget exactly spent, odd numbers around": {
    "hash": "896f9545bdc04c0e",
    "record": "sha1:86d8c4ba17de0f3ab2525ec104969b0c680f3d6d:1048685",
    "objects": "sha1:a548d097349921d8c7fafea1bd876c205179c104:1048707",
    "schemas": '{"7c658fd1d7b34eb3":{"type":"array"}}',
    "blob": "sha1:7dc756906616e4a4c3f79b2cd0df7394a92db0f2:1048600",
    "hashed": "sha1:7dc756906616e4a4c3f79b2cd0df7394a92db0f2:1048600",
    "length": "1048600",
    "json": "sha1:7dc756906616e4a4c3f79b2cd0df7394a92db0f2:1048600",
    "span": "sha1:3cb7bc6f258efa17d95946a65007b2eb5583cf79:1048603",
    "task line": "sha1:1bbb0b9b3de3c92223df0a16ebd18bd63ffe58f6:2098233",
    "task params": "sha1:bdc84740bb10b22c8c706fdcbcf1ea58af332b86:1048610",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"896f9545bdc04c0e","attributes":{}},{"name":"api_key","label":"api_key","hash":"5c352c1875d16ddf","attributes":{}}]',
    "task objects": "sha1:c4b8764e4972826b77b47b731157a0f137ecf2ca:1048825",
    "task object_schemas": '{"7c658fd1d7b34eb3":{"type":"array"}}',
  },
  "one byte left, two items after": {
    "hash": "cfcbd3f6abe65d11",
    "record": "sha1:74b336b45787c0e1ba82d0aa93076da44d6ef329:1048692",
    "objects": "sha1:b171538091ad11cb9a696057c41b16f63299da6a:1048713",
    "schemas": '{"c771e1726fbd8e27":{"type":"array","items":{"type":"integer"}}}',
    "blob": "sha1:485dc6c9f0deb345b8dc3444628fd1f2ec10a5b5:1048590",
    "hashed": "sha1:485dc6c9f0deb345b8dc3444628fd1f2ec10a5b5:1048590",
    "length": "1048590",
    "json": "sha1:485dc6c9f0deb345b8dc3444628fd1f2ec10a5b5:1048590",
    "span": "sha1:3ffa10830fa8385938950f0d47c58edc809e791e:1048610",
    "task line": "sha1:52976f7331f1d6d4dd8109b2519d51296287843e:2098278",
    "task params": "sha1:003e85a8d7b3c3beeb8df88988a04a888e53e623:1048616",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"cfcbd3f6abe65d11","attributes":{}},{"name":"api_key","label":"api_key","hash":"22df6742da34997d","attributes":{}}]',
    "task objects": "sha1:9d83487070120caab5411fcdc2ea661d85b53566:1048831",
    "task object_schemas": '{"c771e1726fbd8e27":{"type":"array","items":{"type":"integer"}}}',
  },
  "one byte left, odd numbers after": {
    "hash": "9959af544a5af1e2",
    "record": "sha1:fa35f6259265e793ee423bf44f48da70e3519343:1048704",
    "objects": "sha1:f2d929d789a0564afe22e56edeb6573d31861e19:1048725",
    "schemas": '{"c771e1726fbd8e27":{"type":"array","items":{"type":"integer"}}}',
    "blob": "sha1:bb2f2ee3aa55b017c0c326a92b42dd39105592f3:1048614",
    "hashed": "sha1:bb2f2ee3aa55b017c0c326a92b42dd39105592f3:1048614",
    "length": "1048614",
    "json": "sha1:bb2f2ee3aa55b017c0c326a92b42dd39105592f3:1048614",
    "span": "sha1:1fd79494a515805b5e3e17855326e7cebd8568fd:1048622",
    "task line": "sha1:e35a8bbd3422c5d377432078e6e4efbdfbd0ae9b:2098302",
    "task params": "sha1:7eca127090dddb4206156921fbdc0870238e2669:1048628",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"9959af544a5af1e2","attributes":{}},{"name":"api_key","label":"api_key","hash":"22df6742da34997d","attributes":{}}]',
    "task objects": "sha1:a049a299cc17bd2af43a02cccae735a736f13b11:1048843",
    "task object_schemas": '{"c771e1726fbd8e27":{"type":"array","items":{"type":"integer"}}}',
  },
  "eight bytes left, one item after": {
    "hash": "69aa8ec4a176fd17",
    "record": "sha1:057e72464069497c38f0f75495a8401017f659b1:1048657",
    "objects": "sha1:5b903360834a143e9acf7c5d729c50742887bf1e:1048678",
    "schemas": '{"c771e1726fbd8e27":{"type":"array","items":{"type":"integer"}}}',
    "blob": "sha1:2cd42bbad6b5a6d8def0b625049e75646af0c05f:1048575",
    "hashed": "sha1:2cd42bbad6b5a6d8def0b625049e75646af0c05f:1048575",
    "length": "1048575",
    "json": "sha1:2cd42bbad6b5a6d8def0b625049e75646af0c05f:1048575",
    "span": "sha1:2cd42bbad6b5a6d8def0b625049e75646af0c05f:1048575",
    "task line": "sha1:b036557c844ade404f68394379a70323cfe4567e:2098204",
    "task params": "sha1:21af318b38b8c2c8f3c0399a22af08a2be0f7f79:1048581",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"69aa8ec4a176fd17","attributes":{}},{"name":"api_key","label":"api_key","hash":"22df6742da34997d","attributes":{}}]',
    "task objects": "sha1:b7b02e73f9dd51bdecccb7fbb0a8beba2ccf61a8:1048796",
    "task object_schemas": '{"c771e1726fbd8e27":{"type":"array","items":{"type":"integer"}}}',
  },
  "100k floats as an object's field": {
    "hash": "e6af96763724a152",
    "record": "sha1:a7044aaf1e9f24dd7abb5536c4e78ae55f85e0e4:1048703",
    "objects": "sha1:19cee75b335a83dd5ec26f3b15870b086f59a8c5:1048714",
    "schemas":
      '{"cbceae11ff7be018":{"type":"object","properties":{"scores":{"type":"array","items":{"type":"number"}}}}}',
    "blob": "sha1:accee6dcc207f6fa9dadf32f629dcaf709ebcab3:1977556",
    "hashed": "sha1:accee6dcc207f6fa9dadf32f629dcaf709ebcab3:1977556",
    "length": "1977556",
    "json": "sha1:accee6dcc207f6fa9dadf32f629dcaf709ebcab3:1977556",
    "span": "sha1:f2e96cd2edd2b9b789e8c1674eae5250ab42f5bf:1048621",
    "task line": "sha1:6f933ba58a2c5f454b0e0760c088014c9a0a39a3:2098333",
    "task params": "sha1:ceed1f2ac55f0bdabdfa3c9bb9468d229f2dcb28:1048617",
    "task inputs":
      '[{"name":"scores","label":"scores","hash":"e6af96763724a152","attributes":{}},{"name":"api_key","label":"api_key","hash":"7adeedbaf710231e","attributes":{}}]',
    "task objects": "sha1:6cbb44a7994263c7c8d2de978b67689285a0aff8:1048832",
    "task object_schemas":
      '{"cbceae11ff7be018":{"type":"object","properties":{"scores":{"type":"array","items":{"type":"number"}}}}}',
  },
  "budget": {
    "objects": "sha1:06bdb91ca719d1562234e63fb4180002a06b933b:4194874",
  },
  "900k small floats": {
    "hash": "a4b864ee75dd714f",
    "record": "sha1:419b24c7e788013b6465b791979371298bb49d2e:1048695",
    "objects": "sha1:e387e89df06027761e518bbd2afcf649b3c81af0:1001524",
    "schemas": '{"7c658fd1d7b34eb3":{"type":"array"}}',
    "blob": "sha1:7623c6357fea8b150c02bab9ccd74bc2902e6212:16022641",
  },
};
