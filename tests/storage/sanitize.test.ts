import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  blobSegments,
  checkLines,
  MAX_SEGMENT_LENGTH,
  sanitizePath,
  sanitizeSegment,
  segmentDigest,
} from "../../src/storage/_sanitize.ts";
import { COLLIDING_IDS, HOSTILE_IDS } from "../_conformance/storage.ts";

const SAFE = [
  "spans.jsonl",
  "run-1",
  "0123456789abcdef",
  "a_b",
  "console",
  "v1.2.3",
  "CONTEXT",
  "x".repeat(120),
];
const WINDOWS_DEVICES = ["CON", "con", "nul.txt", "COM1", "lpt9.log", "aux", "PRN.tar.gz"];
const EXTRA_HOSTILE = ["\ud800", "\ud801", "a\u0085b", "x".repeat(121), ...WINDOWS_DEVICES];

describe("sanitizeSegment", () => {
  it("keeps safe names verbatim", () => {
    for (const name of SAFE) assert.equal(sanitizeSegment(name), name);
  });

  it("maps every hostile segment to one safe component of at most 120 characters", () => {
    // "a_b" is in HOSTILE_IDS only as the collision partner of "a/b"; it is safe and kept verbatim.
    for (const id of [...HOSTILE_IDS.filter((id) => id !== "a_b"), ...EXTRA_HOSTILE]) {
      const mapped = sanitizeSegment(id);
      const label = JSON.stringify(id).slice(0, 40);
      assert.match(mapped, /^_[A-Za-z0-9._-]*~[0-9a-f]{32}(\.[A-Za-z0-9]{1,16})?$/, label);
      assert.ok(mapped.length <= MAX_SEGMENT_LENGTH, label);
    }
    assert.equal(sanitizeSegment("x".repeat(10_000)).length, MAX_SEGMENT_LENGTH);
  });

  it("never maps two different segments to the same name", () => {
    const inputs = [...SAFE, ...HOSTILE_IDS, ...EXTRA_HOSTILE];
    assert.equal(new Set(inputs.map(sanitizeSegment)).size, new Set(inputs).size);
  });

  it("keeps a rewritten name's extension at its end, so `*.jsonl` still finds the file", () => {
    const cases: [string, string][] = [
      ["chat_user@example.com.jsonl", ".jsonl"],
      ["run_20260102T030405Z_r\u00e9q-2.jsonl", ".jsonl"],
      ["run_" + "r".repeat(200) + ".jsonl", ".jsonl"],
      ["my report.md", ".md"],
      ["con.txt", ".txt"],
    ];
    for (const [name, extension] of cases) {
      const mapped = sanitizeSegment(name);
      assert.ok(mapped.startsWith("_") && mapped.endsWith(extension), mapped);
      assert.match(mapped.slice(0, -extension.length), /~[0-9a-f]{32}$/, mapped);
      assert.ok(mapped.length <= MAX_SEGMENT_LENGTH, mapped);
    }
    assert.match(sanitizeSegment("chat_a@b.jsonl"), /^_chat_a_b~[0-9a-f]{32}\.jsonl$/);
    assert.equal(sanitizeSegment("x".repeat(500) + ".jsonl").length, MAX_SEGMENT_LENGTH);
    // Not an extension: nothing after the dot, a character outside A-Z a-z 0-9, over 16 long.
    for (const name of ["a@b.", "a@b.j-s", "a@b." + "x".repeat(17)]) {
      assert.match(sanitizeSegment(name), /~[0-9a-f]{32}$/, name);
    }
  });

  it("is stable across versions and runtimes, so existing files are found again", () => {
    assert.equal(sanitizeSegment(".."), "_..~cad4e87a82733bc4da879184bc556f01");
    assert.equal(sanitizeSegment(""), "_~e3b0c44298fc1c149afbf4c8996fb924");
    assert.equal(sanitizeSegment("C:\\x"), "_C__x~edc03bfad504c6dfb9b8992fe67785bd");
    assert.equal(sanitizeSegment("caf\u00e9"), "_caf_~5a3af6f3e983b0af6c9f4ae843e94c6e");
    for (const name of SAFE) assert.equal(sanitizeSegment(name), name);
  });
});

describe("segmentDigest", () => {
  it("gives ids crafted to share a 64-bit hash different rewritten names", () => {
    const [a, b] = COLLIDING_IDS;
    assert.notEqual(a, b);
    assert.notEqual(segmentDigest(a), segmentDigest(b));
    assert.notEqual(sanitizeSegment(a), sanitizeSegment(b));
    assert.notEqual(sanitizeSegment(a).toLowerCase(), sanitizeSegment(b).toLowerCase());
  });

  it("is the first 128 bits of SHA-256 over the UTF-16BE code units, lone surrogates included", async () => {
    for (const text of ["", "..", "caf\u00e9", "\ud800", "\ufffd", "\u{1f389}", ...COLLIDING_IDS]) {
      const units = new Uint8Array(text.length * 2);
      const view = new DataView(units.buffer);
      for (let i = 0; i < text.length; i++) view.setUint16(2 * i, text.charCodeAt(i));
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", units));
      const hex = Array.from(digest.subarray(0, 16), (x) => x.toString(16).padStart(2, "0"));
      assert.equal(segmentDigest(text), hex.join(""), JSON.stringify(text).slice(0, 20));
    }
    // A lone surrogate is not U+FFFD (which UTF-8 would make of it).
    assert.notEqual(segmentDigest("\ud800"), segmentDigest("\ufffd"));
  });
});

describe("storage path helpers", () => {
  it("lays out sha256 artifacts by prefix and every other key under objects/", () => {
    const h = "0a1b".repeat(16);
    assert.deepEqual(blobSegments(`sha256:${h}`), ["artifacts", "sha256", "0a", "1b", h]);
    assert.deepEqual(blobSegments("0123456789abcdef"), ["objects", "0123456789abcdef"]);
    assert.deepEqual(blobSegments(`sha256:${h.toUpperCase()}`), [
      "objects",
      sanitizeSegment(`sha256:${h.toUpperCase()}`),
    ]);
    assert.deepEqual(blobSegments("sha256:../../x"), [
      "objects",
      sanitizeSegment("sha256:../../x"),
    ]);
  });

  it("rejects empty paths, non-string segments and lines with newlines", () => {
    assert.throws(() => sanitizePath([]), TypeError);
    assert.throws(() => sanitizePath([1 as unknown as string]), TypeError);
    assert.throws(() => checkLines(["a", "b\nc"]), /line 1 contains a newline/);
    assert.deepEqual(sanitizePath(["projects", ".."]), ["projects", sanitizeSegment("..")]);
  });
});
